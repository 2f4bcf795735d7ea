#include "bpf_object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "libbpf_log.h"

namespace ebpipe {
namespace {

std::string Describe(const std::string &what, int error_number) {
  std::string message = what + ": " + strerror(error_number);
  std::string log = TakeLibbpfLog();
  if (!log.empty()) message += "\n" + log;
  return message;
}

[[noreturn]] void Fail(const std::string &what, int error_number) {
  throw BpfError(Describe(what, error_number), error_number);
}

}  // namespace

BpfObject::BpfObject(const std::string &path) : path_(path) {
  InstallLibbpfLog();
  TakeLibbpfLog();
  object_ = bpf_object__open_file(path.c_str(), nullptr);
  if (!object_) {
    int error_number = errno;
    object_ = nullptr;
    Fail("opening " + path, error_number);
  }
}

BpfObject::~BpfObject() { Close(); }

void BpfObject::RequireOpen(const char *operation) const {
  if (!object_) throw BpfError(std::string(operation) + ": " + path_ + " is closed", EBADF);
}

void BpfObject::RequireNotLoaded(const char *operation) const {
  RequireOpen(operation);
  if (loaded_) throw BpfError(std::string(operation) + ": " + path_ + " is already loaded", EBUSY);
}

struct bpf_map *BpfObject::FindMap(const std::string &map_name) const {
  RequireOpen("finding map");
  struct bpf_map *map = bpf_object__find_map_by_name(object_, map_name.c_str());
  if (!map) throw BpfError("map " + map_name + " not found in " + path_, ENOENT);
  return map;
}

// const volatile globals live in .rodata; their offsets come from the object's BTF datasec.
void BpfObject::SetGlobal(const std::string &name, const void *value, size_t size) {
  RequireNotLoaded("setting global");
  const struct btf *btf = bpf_object__btf(object_);
  for (const char *section : {".rodata", ".data", ".bss"}) {
    int sec_id = btf__find_by_name_kind(btf, section, BTF_KIND_DATASEC);
    if (sec_id < 0) continue;
    const struct btf_type *sec = btf__type_by_id(btf, sec_id);
    const struct btf_var_secinfo *var = btf_var_secinfos(sec);
    for (int i = 0; i < btf_vlen(sec); i++, var++) {
      const struct btf_type *var_type = btf__type_by_id(btf, var->type);
      if (name != btf__name_by_offset(btf, var_type->name_off)) continue;
      if (var->size != size)
        throw BpfError("global " + name + " is " + std::to_string(var->size) + " bytes, got " + std::to_string(size),
                       EINVAL);
      struct bpf_map *map = bpf_object__find_map_by_name(object_, section);
      size_t data_size = 0;
      // libbpf 1.1 returns const, but this is the mmap-ed image skeletons write before load.
      void *data = map ? const_cast<void *>(bpf_map__initial_value(map, &data_size)) : nullptr;
      if (!data || var->offset + size > data_size) throw BpfError("global " + name + " has no initial value", EINVAL);
      memcpy(static_cast<char *>(data) + var->offset, value, size);
      return;
    }
  }
  throw BpfError("global " + name + " not found in " + path_, ENOENT);
}

void BpfObject::SetMaxEntries(const std::string &map_name, uint32_t max_entries) {
  RequireNotLoaded("resizing map");
  int err = bpf_map__set_max_entries(FindMap(map_name), max_entries);
  if (err) Fail("resizing map " + map_name, -err);
}

void BpfObject::ReuseMap(const std::string &map_name, const BpfObject &owner) {
  RequireNotLoaded("sharing map");
  int err = bpf_map__reuse_fd(FindMap(map_name), owner.MapFd(map_name));
  if (err) Fail("sharing map " + map_name + " from " + owner.path_, -err);
}

void BpfObject::SetAutoload(const std::string &program_name, bool autoload) {
  RequireNotLoaded("selecting program");
  struct bpf_program *program = bpf_object__find_program_by_name(object_, program_name.c_str());
  if (!program) throw BpfError("program " + program_name + " not found in " + path_, ENOENT);
  bpf_program__set_autoload(program, autoload);
}

void BpfObject::Load() {
  RequireNotLoaded("loading");
  TakeLibbpfLog();
  int err = bpf_object__load(object_);
  if (err) Fail("loading " + path_, -err);
  loaded_ = true;
}

std::vector<std::string> BpfObject::Attach() {
  RequireOpen("attaching");
  if (!loaded_) throw BpfError("attaching " + path_ + ": not loaded", EINVAL);
  struct bpf_program *program;
  bpf_object__for_each_program(program, object_) {
    if (!bpf_program__autoload(program)) continue;
    const char *name = bpf_program__name(program);
    bool already = false;
    for (const auto &attached : attached_) already = already || attached == name;
    if (already) continue;
    TakeLibbpfLog();
    struct bpf_link *link = bpf_program__attach(program);
    if (!link) {
      int error_number = errno;
      Detach();
      Fail(std::string("attaching ") + name + " (" + bpf_program__section_name(program) + ")", error_number);
    }
    links_.push_back(link);
    attached_.push_back(name);
  }
  return attached_;
}

void BpfObject::Detach() {
  for (auto *link : links_) bpf_link__destroy(link);
  links_.clear();
  attached_.clear();
}

void BpfObject::Close() {
  Detach();
  if (object_) bpf_object__close(object_);
  object_ = nullptr;
  loaded_ = false;
}

std::vector<ProgramInfo> BpfObject::Programs() const {
  RequireOpen("listing programs");
  std::vector<ProgramInfo> out;
  struct bpf_program *program;
  bpf_object__for_each_program(program, object_) {
    std::string name = bpf_program__name(program);
    bool attached = false;
    for (const auto &a : attached_) attached = attached || a == name;
    uint32_t id = 0;
    int fd = bpf_program__fd(program);
    if (fd >= 0) {
      struct bpf_prog_info info = {};
      uint32_t length = sizeof(info);
      if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0) id = info.id;
    }
    out.push_back({name, bpf_program__section_name(program), bpf_program__autoload(program), attached, id});
  }
  return out;
}

int BpfObject::MapFd(const std::string &map_name) const {
  int fd = bpf_map__fd(FindMap(map_name));
  if (fd < 0) throw BpfError("map " + map_name + " of " + path_ + " is not created yet", EINVAL);
  return fd;
}

uint32_t BpfObject::MapValueSize(const std::string &map_name) const { return bpf_map__value_size(FindMap(map_name)); }

size_t BpfObject::MapLookupSize(const std::string &map_name) const {
  struct bpf_map *map = FindMap(map_name);
  size_t value_size = bpf_map__value_size(map);
  switch (bpf_map__type(map)) {
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
      return ((value_size + 7) & ~size_t(7)) * size_t(PossibleCpuCount());
    default:
      return value_size;
  }
}

uint32_t BpfObject::MapKeySize(const std::string &map_name) const { return bpf_map__key_size(FindMap(map_name)); }

void BpfObject::MapUpdate(const std::string &map_name, const void *key, size_t key_size, const void *value,
                          size_t value_size, uint64_t flags) {
  int err = bpf_map__update_elem(FindMap(map_name), key, key_size, value, value_size, flags);
  if (err) Fail("updating map " + map_name, -err);
}

bool BpfObject::MapLookup(const std::string &map_name, const void *key, size_t key_size, void *value,
                          size_t value_size) const {
  int err = bpf_map__lookup_elem(FindMap(map_name), key, key_size, value, value_size, 0);
  if (err == -ENOENT) return false;
  if (err) Fail("reading map " + map_name, -err);
  return true;
}

bool BpfObject::MapDelete(const std::string &map_name, const void *key, size_t key_size) {
  int err = bpf_map__delete_elem(FindMap(map_name), key, key_size, 0);
  if (err == -ENOENT) return false;
  if (err) Fail("deleting from map " + map_name, -err);
  return true;
}

std::vector<std::vector<uint8_t>> BpfObject::MapKeys(const std::string &map_name) const {
  struct bpf_map *map = FindMap(map_name);
  size_t key_size = bpf_map__key_size(map);
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> key(key_size), next(key_size);
  const void *previous = nullptr;
  for (;;) {
    int err = bpf_map__get_next_key(map, previous, next.data(), key_size);
    if (err == -ENOENT) break;
    if (err) Fail("listing keys of map " + map_name, -err);
    keys.push_back(next);
    key.swap(next);
    previous = key.data();
  }
  return keys;
}

int PossibleCpuCount() { return libbpf_num_possible_cpus(); }

}  // namespace ebpipe
