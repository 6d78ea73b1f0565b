#include "sensor_upkeep.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstring>

#include "sensor_object.h"

namespace lsmwatch {

namespace {
constexpr auto kApplyTimeout = std::chrono::seconds(5);
const std::vector<uint8_t> kSettingsKey(4, 0);
}  // namespace

SensorUpkeep::SensorUpkeep(SensorObject* object, uint32_t aggregate_window_ms)
    : object_(object), flush_interval_ms_(FlushIntervalMs(aggregate_window_ms)) {}

int64_t SensorUpkeep::FlushIntervalMs(uint32_t aggregate_window_ms) {
  // window 0: every write is its own record; the flush only forgets idle entries
  if (aggregate_window_ms == 0) return 1000;
  return std::clamp<int64_t>(aggregate_window_ms / 4, 50, 1000);
}

int64_t SensorUpkeep::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SensorUpkeep::WriteSettingsLocked() {
  std::vector<uint8_t> value(sizeof(desired_));
  memcpy(value.data(), &desired_, sizeof(desired_));
  object_->UpdateElem("lw_settings_map", kSettingsKey, value);
}

void SensorUpkeep::SetSettings(const struct lw_settings& settings) {
  std::unique_lock<std::mutex> lock(mutex_);
  desired_ = settings;
  if (!drainer_running_) {
    WriteSettingsLocked();  // no other thread exists that writes the map
    return;
  }
  uint64_t seq = ++requested_seq_;
  if (!applied_cv_.wait_for(lock, kApplyTimeout, [&] { return applied_seq_ >= seq || !drainer_running_; })) {
    throw SensorFailure("ETIMEDOUT", ETIMEDOUT, "the drainer thread did not apply the new settings in time", "");
  }
  if (applied_seq_ < seq) WriteSettingsLocked();  // the drainer stopped meanwhile
  if (!last_error_.empty()) throw SensorFailure("EIO", EIO, "writing the settings map failed: " + last_error_, "");
}

void SensorUpkeep::SetDrainerRunning(bool running) {
  std::lock_guard<std::mutex> lock(mutex_);
  drainer_running_ = running;
  applied_cv_.notify_all();
}

void SensorUpkeep::ArmWatchdog(int64_t timeout_ms) {
  last_heartbeat_ms_ = NowMs();
  watchdog_fired_ = false;
  watchdog_timeout_ms_ = timeout_ms;
}

void SensorUpkeep::Heartbeat() { last_heartbeat_ms_ = NowMs(); }

void SensorUpkeep::RunOnce() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (applied_seq_ < requested_seq_) {
      last_error_.clear();
      try {
        WriteSettingsLocked();
      } catch (const SensorFailure& failure) {
        last_error_ = failure.what();
      }
      applied_seq_ = requested_seq_;
      applied_cv_.notify_all();
    }
  }
  CheckWatchdog();
  FlushQuietWrites();
}

// The guard must not outlive a hung JavaScript thread: without a heartbeat for the timeout, the
// protect flag is cleared, so SIGKILL works again.
void SensorUpkeep::CheckWatchdog() {
  int64_t timeout = watchdog_timeout_ms_;
  if (timeout <= 0 || watchdog_fired_) return;
  int64_t stalled = NowMs() - last_heartbeat_ms_;
  if (stalled < timeout) return;
  watchdog_fired_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  desired_.protect = 0;
  try {
    WriteSettingsLocked();
    fprintf(stderr, "lsmwatch: warning: the agent's JavaScript thread has not answered for %lld ms: guard lifted (SIGKILL works again)\n",
            static_cast<long long>(stalled));
  } catch (const SensorFailure& failure) {
    fprintf(stderr, "lsmwatch: error: lifting the guard failed: %s\n", failure.what());
  }
}

// Pending write counts of files that went quiet leave the kernel a few times per window.
void SensorUpkeep::FlushQuietWrites() {
  int64_t now = NowMs();
  if (now - last_flush_ms_ < flush_interval_ms_) return;
  last_flush_ms_ = now;
  try {
    object_->FlushWrites(LW_FLUSH_EXPIRED);
  } catch (const SensorFailure& failure) {
    if (!flush_failure_reported_) fprintf(stderr, "lsmwatch: error: %s\n", failure.what());
    flush_failure_reported_ = true;
  }
}

}  // namespace lsmwatch
