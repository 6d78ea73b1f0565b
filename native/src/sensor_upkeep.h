// The work the drainer thread does between ring-buffer polls, in one place: it is the only writer
// of lw_settings_map once the drainer runs (the JavaScript thread asks, this thread writes, so the
// watchdog can never undo a concurrent change), it lifts --protect when JavaScript stops sending
// heartbeats, and it runs the kernel's flush of quiet aggregated writes at an interval that follows
// the policy's aggregation window.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "lsmwatch.h"

namespace lsmwatch {

class SensorObject;

class SensorUpkeep {
 public:
  SensorUpkeep(SensorObject* object, uint32_t aggregate_window_ms);

  // JavaScript thread. Writes directly while no drainer runs; otherwise hands the value to the
  // drainer thread and waits until it is in the map. Throws SensorFailure if writing failed.
  void SetSettings(const struct lw_settings& settings);
  void ArmWatchdog(int64_t timeout_ms);
  void Heartbeat();
  bool WatchdogFired() const { return watchdog_fired_; }

  // Called when the drainer thread starts and after it stopped (joined).
  void SetDrainerRunning(bool running);
  // Drainer thread, after every poll.
  void RunOnce();

  // The flush interval for an aggregation window: window / 4, within [50 ms, 1 s].
  static int64_t FlushIntervalMs(uint32_t aggregate_window_ms);

 private:
  void WriteSettingsLocked();  // mutex_ held
  void CheckWatchdog();
  void FlushQuietWrites();
  static int64_t NowMs();

  SensorObject* object_;
  const int64_t flush_interval_ms_;

  std::mutex mutex_;
  std::condition_variable applied_cv_;
  struct lw_settings desired_ = {};  // what the map holds (or is about to)
  bool drainer_running_ = false;
  uint64_t requested_seq_ = 0;
  uint64_t applied_seq_ = 0;
  std::string last_error_;  // of the write that applied_seq_ refers to

  std::atomic<int64_t> watchdog_timeout_ms_{0};
  std::atomic<int64_t> last_heartbeat_ms_{0};
  std::atomic<bool> watchdog_fired_{false};

  int64_t last_flush_ms_ = 0;         // drainer thread only
  bool flush_failure_reported_ = false;  // drainer thread only
};

}  // namespace lsmwatch
