// Drains a BPF ring buffer on its own thread into batches of length-prefixed records.
//
// A batch closes when it holds batch_bytes or when its first record is latency_ms old,
// whichever comes first. At most max_in_flight batches are handed out and not yet
// released; when the consumer falls behind the reader stops draining, the kernel ring
// fills and the kernel counts its drops, so memory here never grows.
//
// Batch layout: repeated { u32 record_length; u32 zero; record bytes; zero padding to 8 bytes },
// so that every record starts 8-byte aligned.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct ring_buffer;

namespace ebpipe {

struct RingReaderOptions {
  uint32_t batch_bytes = 256 * 1024;
  uint32_t latency_ms = 5;
  uint32_t max_in_flight = 8;
};

struct RingReaderStats {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t batches = 0;
  // How often, and for how long, the reader waited for the consumer to release a batch.
  uint64_t credit_waits = 0;
  uint64_t credit_wait_ns = 0;
  // Records bigger than a batch can hold (cannot happen with the shipped programs).
  uint64_t oversized = 0;
  // Records read from the ring during Stop() that the consumer never took.
  uint64_t discarded_at_stop = 0;
};

struct Batch {
  std::vector<uint8_t> bytes;
  size_t used = 0;
  uint32_t records = 0;
};

class RingReader {
 public:
  // deliver runs on the reader thread and must take ownership of the batch promptly
  // (it is called with a credit held; Release() gives the credit back).
  // finished runs on the reader thread once, after the last delivery.
  RingReader(int ring_map_fd, RingReaderOptions options, std::function<void(Batch *)> deliver,
             std::function<void()> finished);
  ~RingReader();
  RingReader(const RingReader &) = delete;
  RingReader &operator=(const RingReader &) = delete;

  void Start();
  // The consumer is done with one delivered batch.
  void Release();
  // Returns a drained batch buffer for reuse (any thread).
  void Recycle(Batch *batch);
  // Stops reading: whatever the ring still holds is delivered as far as credits allow, then finished() runs.
  void Stop();
  RingReaderStats Stats() const;

 private:
  static int OnRecord(void *context, void *data, size_t size);
  void Run();
  void Flush();
  bool AcquireCredit(bool wait);
  Batch *TakeFreeBatch();

  RingReaderOptions options_;
  std::function<void(Batch *)> deliver_;
  std::function<void()> finished_;
  struct ring_buffer *ring_ = nullptr;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable credit_available_;
  uint32_t credits_;
  std::vector<Batch *> free_batches_;
  std::atomic<bool> stopping_{false};
  // Set when a stopping reader gave up waiting for the consumer: the rest is discarded without waiting again.
  bool consumer_gone_ = false;
  std::atomic<uint64_t> oversized_{0};

  Batch *current_ = nullptr;
  uint64_t current_deadline_ns_ = 0;
  RingReaderStats stats_;
};

}  // namespace ebpipe
