// The only file that touches N-API. Arguments are checked here; options are normalised in
// TypeScript (src/kernel/native.ts). Records cross into JS one batch at a time.
#include <napi.h>
#include <node_version.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include <time.h>

#include "bpf_object.h"
#include "peer_credentials.h"
#include "ring_reader.h"

namespace ebpipe {
namespace {

const char *ErrnoCode(int error_number) {
  switch (error_number) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case E2BIG: return "E2BIG";
    case ENOTSUP: return "ENOTSUP";
    case ESRCH: return "ESRCH";
    case EBUSY: return "EBUSY";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case EEXIST: return "EEXIST";
    case ENOSPC: return "ENOSPC";
    default: return "EBPF";
  }
}

Napi::Error ToJsError(Napi::Env env, const BpfError &error) {
  Napi::Error js = Napi::Error::New(env, error.what());
  js.Set("code", Napi::String::New(env, ErrnoCode(error.error_number())));
  js.Set("errno", Napi::Number::New(env, error.error_number()));
  return js;
}

std::string StringArg(const Napi::CallbackInfo &info, size_t index, const char *what) {
  if (info.Length() <= index || !info[index].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo &info, size_t index, const char *what) {
  if (info.Length() <= index || !info[index].IsBuffer())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  return info[index].As<Napi::Buffer<uint8_t>>();
}

uint32_t UintOption(const Napi::Object &options, const char *name, uint32_t fallback) {
  if (!options.Has(name) || options.Get(name).IsUndefined()) return fallback;
  Napi::Value value = options.Get(name);
  if (!value.IsNumber()) throw Napi::TypeError::New(options.Env(), std::string(name) + " must be a number");
  return value.As<Napi::Number>().Uint32Value();
}

// Runs fn, turning BpfError into a JS Error with code and errno.
template <typename Fn>
auto Guard(Napi::Env env, Fn &&fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const BpfError &error) {
    throw ToJsError(env, error);
  }
}

class BpfObjectWrap : public Napi::ObjectWrap<BpfObjectWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "BpfObject",
                       {
                           InstanceMethod<&BpfObjectWrap::SetGlobal>("setGlobal"),
                           InstanceMethod<&BpfObjectWrap::SetMaxEntries>("setMaxEntries"),
                           InstanceMethod<&BpfObjectWrap::ReuseMap>("reuseMap"),
                           InstanceMethod<&BpfObjectWrap::SetAutoload>("setAutoload"),
                           InstanceMethod<&BpfObjectWrap::Load>("load"),
                           InstanceMethod<&BpfObjectWrap::Attach>("attach"),
                           InstanceMethod<&BpfObjectWrap::Detach>("detach"),
                           InstanceMethod<&BpfObjectWrap::Close>("close"),
                           InstanceMethod<&BpfObjectWrap::Programs>("programs"),
                           InstanceMethod<&BpfObjectWrap::MapUpdate>("mapUpdate"),
                           InstanceMethod<&BpfObjectWrap::MapLookup>("mapLookup"),
                           InstanceMethod<&BpfObjectWrap::MapDelete>("mapDelete"),
                           InstanceMethod<&BpfObjectWrap::MapKeys>("mapKeys"),
                       });
  }

  explicit BpfObjectWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<BpfObjectWrap>(info) {
    std::string path = StringArg(info, 0, "object path");
    object_ = Guard(info.Env(), [&] { return std::make_unique<BpfObject>(path); });
  }

  BpfObject &object() { return *object_; }

 private:
  void SetGlobal(const Napi::CallbackInfo &info) {
    std::string name = StringArg(info, 0, "global name");
    auto value = BufferArg(info, 1, "global value");
    Guard(info.Env(), [&] { object_->SetGlobal(name, value.Data(), value.Length()); });
  }

  void SetMaxEntries(const Napi::CallbackInfo &info) {
    std::string map = StringArg(info, 0, "map name");
    if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "max entries must be a number");
    uint32_t entries = info[1].As<Napi::Number>().Uint32Value();
    Guard(info.Env(), [&] { object_->SetMaxEntries(map, entries); });
  }

  void ReuseMap(const Napi::CallbackInfo &info) {
    std::string map = StringArg(info, 0, "map name");
    if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(info.Env(), "owner must be a BpfObject");
    BpfObjectWrap *owner = BpfObjectWrap::Unwrap(info[1].As<Napi::Object>());
    Guard(info.Env(), [&] { object_->ReuseMap(map, owner->object()); });
  }

  void SetAutoload(const Napi::CallbackInfo &info) {
    std::string program = StringArg(info, 0, "program name");
    if (info.Length() < 2 || !info[1].IsBoolean()) throw Napi::TypeError::New(info.Env(), "autoload must be a boolean");
    bool autoload = info[1].As<Napi::Boolean>().Value();
    Guard(info.Env(), [&] { object_->SetAutoload(program, autoload); });
  }

  void Load(const Napi::CallbackInfo &info) {
    Guard(info.Env(), [&] { object_->Load(); });
  }

  Napi::Value Attach(const Napi::CallbackInfo &info) {
    auto names = Guard(info.Env(), [&] { return object_->Attach(); });
    Napi::Array out = Napi::Array::New(info.Env(), names.size());
    for (size_t i = 0; i < names.size(); i++) out.Set(uint32_t(i), names[i]);
    return out;
  }

  void Detach(const Napi::CallbackInfo &) { object_->Detach(); }

  void Close(const Napi::CallbackInfo &) { object_->Close(); }

  Napi::Value Programs(const Napi::CallbackInfo &info) {
    auto programs = Guard(info.Env(), [&] { return object_->Programs(); });
    Napi::Array out = Napi::Array::New(info.Env(), programs.size());
    for (size_t i = 0; i < programs.size(); i++) {
      Napi::Object program = Napi::Object::New(info.Env());
      program.Set("name", programs[i].name);
      program.Set("section", programs[i].section);
      program.Set("autoload", programs[i].autoload);
      program.Set("attached", programs[i].attached);
      program.Set("id", programs[i].id);
      out.Set(uint32_t(i), program);
    }
    return out;
  }

  void MapUpdate(const Napi::CallbackInfo &info) {
    std::string map = StringArg(info, 0, "map name");
    auto key = BufferArg(info, 1, "key");
    auto value = BufferArg(info, 2, "value");
    uint64_t flags = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : 0;
    Guard(info.Env(), [&] { object_->MapUpdate(map, key.Data(), key.Length(), value.Data(), value.Length(), flags); });
  }

  Napi::Value MapLookup(const Napi::CallbackInfo &info) {
    std::string map = StringArg(info, 0, "map name");
    auto key = BufferArg(info, 1, "key");
    return Guard(info.Env(), [&]() -> Napi::Value {
      size_t size = object_->MapLookupSize(map);
      auto value = Napi::Buffer<uint8_t>::New(info.Env(), size);
      if (!object_->MapLookup(map, key.Data(), key.Length(), value.Data(), size)) return info.Env().Null();
      return value;
    });
  }

  Napi::Value MapDelete(const Napi::CallbackInfo &info) {
    std::string map = StringArg(info, 0, "map name");
    auto key = BufferArg(info, 1, "key");
    return Napi::Boolean::New(info.Env(), Guard(info.Env(), [&] { return object_->MapDelete(map, key.Data(), key.Length()); }));
  }

  Napi::Value MapKeys(const Napi::CallbackInfo &info) {
    std::string map = StringArg(info, 0, "map name");
    auto keys = Guard(info.Env(), [&] { return object_->MapKeys(map); });
    Napi::Array out = Napi::Array::New(info.Env(), keys.size());
    for (size_t i = 0; i < keys.size(); i++) out.Set(uint32_t(i), Napi::Buffer<uint8_t>::Copy(info.Env(), keys[i].data(), keys[i].size()));
    return out;
  }

  std::unique_ptr<BpfObject> object_;
};

// Hands batches to JS: the reader thread queues a Batch*, the JS thread copies it into a
// Buffer, recycles the Batch and calls onBatch(buffer, records).
class RingReaderWrap : public Napi::ObjectWrap<RingReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RingReader",
                       {
                           InstanceMethod<&RingReaderWrap::Release>("release"),
                           InstanceMethod<&RingReaderWrap::Stats>("stats"),
                           InstanceMethod<&RingReaderWrap::Stop>("stop"),
                       });
  }

  explicit RingReaderWrap(const Napi::CallbackInfo &info)
      : Napi::ObjectWrap<RingReaderWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsObject() || !info[2].IsObject() || !info[3].IsFunction())
      throw Napi::TypeError::New(env, "usage: new RingReader(object, mapName, options, onBatch)");
    owner_ = Napi::Persistent(info[0].As<Napi::Object>());
    BpfObjectWrap *owner = BpfObjectWrap::Unwrap(info[0].As<Napi::Object>());
    std::string map = StringArg(info, 1, "map name");
    Napi::Object options = info[2].As<Napi::Object>();
    RingReaderOptions reader_options;
    reader_options.batch_bytes = UintOption(options, "batchBytes", reader_options.batch_bytes);
    reader_options.latency_ms = UintOption(options, "latencyMs", reader_options.latency_ms);
    reader_options.max_in_flight = UintOption(options, "maxInFlight", reader_options.max_in_flight);
    if (reader_options.max_in_flight == 0 || reader_options.latency_ms == 0 || reader_options.batch_bytes < 4096)
      throw Napi::RangeError::New(env, "maxInFlight and latencyMs must be > 0 and batchBytes >= 4096");
    int fd = Guard(env, [&] { return owner->object().MapFd(map); });

    tsfn_ = TsFn::New(env, info[3].As<Napi::Function>(), "ebpipe ring reader", 0, 1, this);
    // The end is signalled through the queue (a null batch), not the TSFN finalizer: node may
    // finalize before the last queued call runs, and stop() must resolve after every delivery.
    reader_ = Guard(env, [&] {
      return std::make_unique<RingReader>(
          fd, reader_options, [this](Batch *batch) { tsfn_.BlockingCall(batch); },
          [this] {
            tsfn_.BlockingCall(static_cast<Batch *>(nullptr));
            tsfn_.Release();
          });
    });
    reader_->Start();
  }

  ~RingReaderWrap() override { reader_.reset(); }

 private:
  static void CallJs(Napi::Env env, Napi::Function on_batch, RingReaderWrap *self, Batch *batch) {
    if (env == nullptr) {  // the environment is being torn down: nobody to deliver to
      if (batch) self->reader_->Recycle(batch);
      return;
    }
    if (!batch) {
      if (self->stopped_) self->stopped_->Resolve(env.Undefined());
      return;
    }
    auto buffer = Napi::Buffer<uint8_t>::Copy(env, batch->bytes.data(), batch->used);
    uint32_t records = batch->records;
    self->reader_->Recycle(batch);
    on_batch.Call({buffer, Napi::Number::New(env, records)});
  }

  using TsFn = Napi::TypedThreadSafeFunction<RingReaderWrap, Batch, &RingReaderWrap::CallJs>;

  void Release(const Napi::CallbackInfo &) { reader_->Release(); }

  Napi::Value Stats(const Napi::CallbackInfo &info) {
    RingReaderStats stats = reader_->Stats();
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("records", Napi::Number::New(info.Env(), double(stats.records)));
    out.Set("bytes", Napi::Number::New(info.Env(), double(stats.bytes)));
    out.Set("batches", Napi::Number::New(info.Env(), double(stats.batches)));
    out.Set("creditWaits", Napi::Number::New(info.Env(), double(stats.credit_waits)));
    out.Set("creditWaitNs", Napi::Number::New(info.Env(), double(stats.credit_wait_ns)));
    out.Set("oversized", Napi::Number::New(info.Env(), double(stats.oversized)));
    out.Set("discardedAtStop", Napi::Number::New(info.Env(), double(stats.discarded_at_stop)));
    return out;
  }

  // Resolves once the ring's remaining records have been delivered (or counted as discarded).
  // The promise is created here, in a call's scope: a napi_value kept from the constructor would dangle.
  Napi::Value Stop(const Napi::CallbackInfo &info) {
    if (!stopped_) {
      stopped_.emplace(Napi::Promise::Deferred::New(info.Env()));
      stop_promise_ = Napi::Persistent(stopped_->Promise().As<Napi::Object>());
      reader_->Stop();
    }
    return stop_promise_.Value();
  }

  Napi::ObjectReference owner_;
  TsFn tsfn_;
  std::unique_ptr<RingReader> reader_;
  std::optional<Napi::Promise::Deferred> stopped_;
  Napi::ObjectReference stop_promise_;
};

int64_t ClockNs(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Realtime minus boot time, so that a record's boot-clock ktime becomes wall-clock time.
// Bracketing the realtime read halves the error of a preemption between the reads.
Napi::Value BootToRealtimeOffsetNs(const Napi::CallbackInfo &info) {
  int64_t boot_before = ClockNs(CLOCK_BOOTTIME);
  int64_t real = ClockNs(CLOCK_REALTIME);
  int64_t boot_after = ClockNs(CLOCK_BOOTTIME);
  return Napi::BigInt::New(info.Env(), real - (boot_before + (boot_after - boot_before) / 2));
}

Napi::Value PossibleCpus(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), PossibleCpuCount()); }

// peerCredentials(fd): the pid, uid and gid of the process at the other end of a Unix socket.
Napi::Value PeerCredentialsOf(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "socket fd must be a number");
  PeerCredentials cred = Guard(info.Env(), [&] { return GetPeerCredentials(info[0].As<Napi::Number>().Int32Value()); });
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("pid", Napi::Number::New(info.Env(), cred.pid));
  out.Set("uid", Napi::Number::New(info.Env(), cred.uid));
  out.Set("gid", Napi::Number::New(info.Env(), cred.gid));
  return out;
}

}  // namespace
}  // namespace ebpipe

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace ebpipe;
  exports.Set("BpfObject", BpfObjectWrap::Define(env));
  exports.Set("RingReader", RingReaderWrap::Define(env));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentialsOf));
  exports.Set("bootToRealtimeOffsetNs", Napi::Function::New(env, BootToRealtimeOffsetNs));
  // N-API would load this into any newer or older Node.js; src/kernel/native.ts refuses another major.
  exports.Set("builtForNodeMajor", Napi::Number::New(env, NODE_MAJOR_VERSION));
  return exports;
}

NODE_API_MODULE(ebpipe_native, Init)
