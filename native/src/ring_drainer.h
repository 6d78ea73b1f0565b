// Drains the BPF ring buffer on its own thread into batches (one contiguous buffer of whole
// records each) and keeps them in a bounded queue for the JavaScript thread. When the queue is
// full the newest batch is dropped and its records are counted: nothing is lost silently.
#pragma once
#include <bpf/libbpf.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lsmwatch {

struct Batch {
  std::vector<uint8_t> bytes;
  uint32_t records = 0;
  uint32_t process_records = 0;  // of those, exec/fork/exit records (not events)
};

struct DrainerCounters {
  uint64_t records_received = 0;  // taken from the ring buffer
  uint64_t records_delivered = 0; // handed to JavaScript
  uint64_t records_dropped = 0;   // dropped because the queue was full
  uint64_t process_records_dropped = 0;  // of those, exec/fork/exit records (a lost one is no lost event)
  uint64_t batches_delivered = 0;
  uint64_t queued_bytes = 0;
};

class RingDrainer {
 public:
  // notify is called from the drainer thread when the queue goes from empty to non-empty.
  // idle runs on the drainer thread after every poll (at least every 50 ms): the watchdog lives there.
  RingDrainer(int ring_fd, size_t batch_bytes, size_t queue_bytes, std::function<void()> notify,
              std::function<void()> idle = nullptr);
  ~RingDrainer();
  RingDrainer(const RingDrainer&) = delete;
  RingDrainer& operator=(const RingDrainer&) = delete;

  void Start();
  void Stop();  // joins the thread; idempotent
  bool Pop(Batch* out);  // JS thread
  // Hands a delivered batch's buffer back for reuse (JS thread). Buffers are allocated by the drainer
  // thread and would otherwise be freed on the JS thread: reusing a few keeps the heap from growing.
  void Recycle(std::vector<uint8_t>&& bytes);
  DrainerCounters Counters();

 private:
  static int OnRecord(void* ctx, void* data, size_t size);
  void Run();
  void FlushCurrent();

  struct ring_buffer* ring_ = nullptr;
  size_t batch_bytes_;
  size_t queue_bytes_;
  std::function<void()> notify_;
  std::function<void()> idle_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  Batch current_;  // drainer thread only
  std::mutex mutex_;
  std::deque<Batch> queue_;
  std::vector<std::vector<uint8_t>> spare_;  // recycled buffers, at most kMaxSpare
  size_t queued_bytes_ = 0;
  DrainerCounters counters_;
};

}  // namespace lsmwatch
