#include "ring_drainer.h"

#include <cerrno>
#include <cstring>

#include "lsmwatch.h"
#include "sensor_object.h"

namespace lsmwatch {

namespace {
constexpr size_t kMaxSpare = 4;
constexpr int kPollTimeoutMs = 50;  // the kernel batches wake-ups; this bounds the latency of a quiet stream
}

RingDrainer::RingDrainer(int ring_fd, size_t batch_bytes, size_t queue_bytes, std::function<void()> notify,
                         std::function<void()> idle)
    : batch_bytes_(batch_bytes), queue_bytes_(queue_bytes), notify_(std::move(notify)), idle_(std::move(idle)) {
  ring_ = ring_buffer__new(ring_fd, &RingDrainer::OnRecord, this, nullptr);
  if (!ring_) {
    int err = errno;
    throw SensorFailure(ErrnoName(err), err, std::string("opening the ring buffer: ") + strerror(err), "");
  }
  current_.bytes.reserve(batch_bytes_);
}

RingDrainer::~RingDrainer() {
  Stop();
  if (ring_) ring_buffer__free(ring_);
}

void RingDrainer::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread(&RingDrainer::Run, this);
}

void RingDrainer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

int RingDrainer::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingDrainer*>(ctx);
  auto* bytes = static_cast<const uint8_t*>(data);
  self->current_.bytes.insert(self->current_.bytes.end(), bytes, bytes + size);
  self->current_.records++;
  if (size >= sizeof(struct lw_header)) {
    uint16_t type = reinterpret_cast<const struct lw_header*>(bytes)->type;
    if (type == LW_REC_EXEC || type == LW_REC_FORK || type == LW_REC_EXIT) self->current_.process_records++;
  }
  if (self->current_.bytes.size() >= self->batch_bytes_) self->FlushCurrent();
  return 0;
}

void RingDrainer::FlushCurrent() {
  if (current_.records == 0) return;
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    counters_.records_received += current_.records;
    if (queued_bytes_ + current_.bytes.size() > queue_bytes_) {
      counters_.records_dropped += current_.records;
      counters_.process_records_dropped += current_.process_records;
      current_.bytes.clear();
      current_.records = 0;
      current_.process_records = 0;
      return;
    }
    was_empty = queue_.empty();
    queued_bytes_ += current_.bytes.size();
    queue_.push_back(std::move(current_));
  }
  current_ = Batch();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spare_.empty()) {
      current_.bytes = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  current_.bytes.reserve(batch_bytes_);
  if (was_empty) notify_();
}

void RingDrainer::Run() {
  while (!stop_) {
    int n = ring_buffer__poll(ring_, kPollTimeoutMs);
    if (n < 0 && n != -EINTR) break;
    ring_buffer__consume(ring_);  // records whose producer chose not to wake us
    FlushCurrent();
    if (idle_) idle_();
  }
  ring_buffer__consume(ring_);
  FlushCurrent();
}

bool RingDrainer::Pop(Batch* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (queue_.empty()) return false;
  *out = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= out->bytes.size();
  counters_.records_delivered += out->records;
  counters_.batches_delivered++;
  return true;
}

void RingDrainer::Recycle(std::vector<uint8_t>&& bytes) {
  bytes.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  if (spare_.size() < kMaxSpare) spare_.push_back(std::move(bytes));
}

DrainerCounters RingDrainer::Counters() {
  std::lock_guard<std::mutex> lock(mutex_);
  DrainerCounters c = counters_;
  c.queued_bytes = queued_bytes_;
  return c;
}

}  // namespace lsmwatch
