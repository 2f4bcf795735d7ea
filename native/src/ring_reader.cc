#include "ring_reader.h"

#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "bpf_object.h"

namespace ebpipe {
namespace {

// u32 length + u32 reserved (zero): records start 8-byte aligned, so JS reads them through typed arrays.
constexpr size_t kLengthPrefix = 8;
// header.size is a u16, so no record is longer.
constexpr size_t kMaxRecord = 65535;
// Returned by OnRecord to stop consuming when the batch is full; the record was already copied.
constexpr int kBatchFull = -ENOBUFS;
// How long a stopping reader waits for the consumer to take the ring's last records.
constexpr auto kStopCreditWait = std::chrono::seconds(5);

uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

size_t Align8(size_t n) { return (n + 7) & ~size_t(7); }

}  // namespace

RingReader::RingReader(int ring_map_fd, RingReaderOptions options, std::function<void(Batch *)> deliver,
                       std::function<void()> finished)
    : options_(options), deliver_(std::move(deliver)), finished_(std::move(finished)), credits_(options.max_in_flight) {
  ring_ = ring_buffer__new(ring_map_fd, &RingReader::OnRecord, this, nullptr);
  if (!ring_) throw BpfError("opening ring buffer", errno);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || stop_fd_ < 0) throw BpfError("creating reader wake-ups", errno);
  // libbpf's own epoll set is itself pollable: nest it so a stop request can wake the reader too.
  struct epoll_event ring_event = {};
  ring_event.events = EPOLLIN;
  ring_event.data.fd = ring_buffer__epoll_fd(ring_);
  struct epoll_event stop_event = {};
  stop_event.events = EPOLLIN;
  stop_event.data.fd = stop_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, ring_event.data.fd, &ring_event) ||
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &stop_event))
    throw BpfError("watching ring buffer", errno);
  for (uint32_t i = 0; i <= options_.max_in_flight; i++) free_batches_.push_back(new Batch());
}

RingReader::~RingReader() {
  if (thread_.joinable()) {
    Stop();
    thread_.join();
  }
  if (ring_) ring_buffer__free(ring_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  for (auto *batch : free_batches_) delete batch;
  delete current_;
}

void RingReader::Start() { thread_ = std::thread(&RingReader::Run, this); }

Batch *RingReader::TakeFreeBatch() {
  Batch *batch = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_batches_.empty()) {
      batch = free_batches_.back();
      free_batches_.pop_back();
    }
  }
  if (!batch) batch = new Batch();
  // Room for one more record past the bound, so a record is never split or refused.
  batch->bytes.resize(options_.batch_bytes + kLengthPrefix + kMaxRecord + 8);
  batch->used = 0;
  batch->records = 0;
  return batch;
}

void RingReader::Recycle(Batch *batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_batches_.push_back(batch);
}

int RingReader::OnRecord(void *context, void *data, size_t size) {
  auto *self = static_cast<RingReader *>(context);
  if (size > kMaxRecord) {
    self->oversized_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  if (!self->current_) self->current_ = self->TakeFreeBatch();
  Batch *batch = self->current_;
  if (batch->records == 0) self->current_deadline_ns_ = MonotonicNs() + uint64_t(self->options_.latency_ms) * 1000000u;
  uint8_t *out = batch->bytes.data() + batch->used;
  uint32_t length = uint32_t(size);
  memcpy(out, &length, sizeof(length));
  memset(out + sizeof(length), 0, kLengthPrefix - sizeof(length));
  memcpy(out + kLengthPrefix, data, size);
  size_t entry = Align8(kLengthPrefix + size);
  memset(out + kLengthPrefix + size, 0, entry - kLengthPrefix - size);
  batch->used += entry;
  batch->records++;
  return batch->used >= self->options_.batch_bytes ? kBatchFull : 0;
}

bool RingReader::AcquireCredit(bool stopping) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (credits_ == 0) {
    stats_.credit_waits++;
    uint64_t start = MonotonicNs();
    if (stopping) {
      if (!consumer_gone_) credit_available_.wait_for(lock, kStopCreditWait, [this] { return credits_ > 0; });
      consumer_gone_ = credits_ == 0;
    } else {
      credit_available_.wait(lock, [this] { return credits_ > 0 || stopping_.load(); });
    }
    stats_.credit_wait_ns += MonotonicNs() - start;
    if (credits_ == 0) return false;
  }
  credits_--;
  return true;
}

void RingReader::Flush() {
  Batch *batch = current_;
  if (!batch || batch->records == 0) return;
  bool stopping = stopping_.load();
  if (!AcquireCredit(stopping)) {
    // Stopping while the consumer does not take more: these records are lost, and counted.
    if (!stopping_.load()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.discarded_at_stop += batch->records;
    batch->used = 0;
    batch->records = 0;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.records += batch->records;
    stats_.bytes += batch->used;
    stats_.batches++;
  }
  current_ = nullptr;
  deliver_(batch);
}

void RingReader::Run() {
  struct epoll_event ready[2];
  // The kernel wakes us only when a batch's worth of bytes waits (ring_wakeup_bytes in
  // bpf/lib/emit.bpf.h); smaller amounts are found by this poll's timeout, at most one
  // latency bound after they arrived.
  const int idle_timeout_ms = int(options_.latency_ms);
  while (!stopping_.load()) {
    int timeout_ms = idle_timeout_ms;
    if (current_ && current_->records > 0) {
      uint64_t now = MonotonicNs();
      timeout_ms = now >= current_deadline_ns_ ? 0 : int((current_deadline_ns_ - now + 999999) / 1000000);
    }
    int n = epoll_wait(epoll_fd_, ready, 2, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    if (stopping_.load()) break;
    bool had_records = current_ && current_->records > 0;
    while (ring_buffer__consume(ring_) == kBatchFull) Flush();
    if (!current_ || current_->records == 0) continue;
    // Records found by a timed-out poll may already be a latency bound old.
    bool found_by_timeout = n == 0 && !had_records;
    if (found_by_timeout || MonotonicNs() >= current_deadline_ns_) Flush();
  }
  // Stopping: the programs are detached by now, so what the ring holds is all there is.
  while (ring_buffer__consume(ring_) == kBatchFull) Flush();
  Flush();
  finished_();
}

void RingReader::Release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (credits_ < options_.max_in_flight) credits_++;
  }
  credit_available_.notify_one();
}

void RingReader::Stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  ssize_t written = write(stop_fd_, &one, sizeof(one));
  (void)written;
  credit_available_.notify_all();
}

RingReaderStats RingReader::Stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  RingReaderStats stats = stats_;
  stats.oversized = oversized_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace ebpipe
