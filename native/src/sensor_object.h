// One loaded BPF object (LSM or tracepoint sensor): open, configure, load, attach, map access,
// counters, and the ids of what it attached. Knows nothing of JavaScript.
#pragma once
#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

#include "lsmwatch.h"
#include "map_census.h"

namespace lsmwatch {

enum class SensorKind { kLsm, kTracepoint };

struct SensorOptions {
  SensorKind kind = SensorKind::kTracepoint;
  uint32_t agent_tgid = 0;
  uint32_t ring_bytes = 8 * 1024 * 1024;
  uint32_t wakeup_bytes = 256 * 1024;
  uint32_t aggregate_window_ms = 1000;  // 0: every write gets its own record
};

// A failure with an errno-style code name ("EPERM", "ENOENT", ...) and libbpf's log.
class SensorFailure : public std::runtime_error {
 public:
  SensorFailure(std::string code, int err, const std::string& message, std::string log)
      : std::runtime_error(message), code_(std::move(code)), errno_(err), log_(std::move(log)) {}
  const std::string& code() const { return code_; }
  int err() const { return errno_; }
  const std::string& log() const { return log_; }

 private:
  std::string code_;
  int errno_;
  std::string log_;
};

struct Attachment {
  std::string program;   // program name in the object
  std::string hook;      // section, e.g. "lsm/file_open"
  uint32_t prog_id = 0;
  uint32_t link_id = 0;  // 0 where the kernel gives perf-event links no id
};

struct ObjectId {
  std::string name;
  uint32_t id = 0;
};

struct SkippedProgram {
  std::string program;
  std::string reason;
};

// A program variant loaded instead of the program the object names first (see program_variants.h).
struct ChosenVariant {
  std::string base;    // e.g. lw_lsm_file_permission
  std::string chosen;  // e.g. lw_lsm_file_permission__no_atomics
  std::string reason;  // why the base program cannot load on this kernel
};

// What this kernel let the sensor load, for the agent's blind-spot list.
struct SensorFeatures {
  bool dcache_resolver = false;  // tracepoint: rename/unlink paths resolved through the dcache (bpf_loop)
  bool post_op_records = false;  // LSM: path operations reported once they succeeded (bpf_get_func_ret)
};

// The identity the kernel gave a marked inode.
using MarkedInode = struct lw_inode_key;

struct MapEntry {
  std::vector<uint8_t> key;
  std::vector<uint8_t> value;
};

struct AttachmentState {
  Attachment attachment;
  bool prog_present = false;
  bool link_present = false;
};

struct MapInfo {
  std::string name;
  uint32_t id = 0;
  uint32_t type = 0;  // enum bpf_map_type
  uint32_t max_entries = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
};

// bpf_prog_info's counters of one attached program (non-zero only with kernel.bpf_stats_enabled=1).
struct ProgramRunStats {
  Attachment attachment;
  bool ok = false;
  uint64_t run_cnt = 0;
  uint64_t run_time_ns = 0;
  uint64_t recursion_misses = 0;
};

// Bytes the kernel has written to the ring buffer that the drainer has not consumed yet.
struct RingUsage {
  bool ok = false;
  uint64_t pending_bytes = 0;
  uint64_t capacity_bytes = 0;
};

class SensorObject {
 public:
  explicit SensorObject(const SensorOptions& options);  // opens and loads; throws SensorFailure
  ~SensorObject();
  SensorObject(const SensorObject&) = delete;
  SensorObject& operator=(const SensorObject&) = delete;

  void Attach();       // throws SensorFailure
  void DetachLinks();  // stops new events; maps and the ring buffer stay readable
  void Detach();       // destroys links and the object; idempotent

  void UpdateElem(const std::string& map, const std::vector<uint8_t>& key, const std::vector<uint8_t>& value);
  void DeleteElem(const std::string& map, const std::vector<uint8_t>& key);
  // Sums a per-CPU array of u64 counters.
  std::vector<uint64_t> ReadCounters(const std::string& map, uint32_t entries);

  // Runs the flush program (enum lw_flush_mode): pending write counts go out as records. Thread-safe.
  void FlushWrites(uint32_t mode);

  // Marks the inode at path (not following a last symlink) in lw_inode_marks with struct lw_mark's
  // flags, watch and id, through an O_PATH descriptor and lw_mark_fd_prog. pin: keep the
  // descriptor open while the sensor lives (anchors: their inode numbers are then never reused).
  MarkedInode MarkPath(const std::string& path, uint32_t flags, uint32_t watch, uint32_t id, bool pin);
  const SensorFeatures& features() const { return features_; }

  int RingBufferFd() const;
  std::vector<ObjectId> MapIds() const;
  std::vector<ObjectId> ProgIds() const;
  // Reads a map value (array/hash) into value; false if absent.
  bool LookupElem(const std::string& map, const std::vector<uint8_t>& key, std::vector<uint8_t>* value);
  // Every entry of a map, up to max_entries; false if there were more.
  bool DumpMap(const std::string& map, size_t max_entries, std::vector<MapEntry>* out);
  const std::vector<Attachment>& attachments() const { return attachments_; }
  const std::vector<SkippedProgram>& skipped() const { return skipped_; }
  const std::vector<ChosenVariant>& variants() const { return variants_; }
  std::vector<AttachmentState> VerifyAttachments() const;
  SensorKind kind() const { return options_.kind; }

  // Introspection for metrics and policy reloads (sensor_introspect.cc).
  std::vector<MapInfo> MapInfos() const;
  // A duplicated descriptor of the map (the caller closes it) with its geometry; throws if unknown.
  struct MapCensusTarget CensusTarget(const std::string& map) const;
  std::vector<ProgramRunStats> RunStats() const;
  RingUsage RingFill();

 private:
  struct bpf_map* FindMap(const std::string& name) const;
  // Opens the skeleton, applies the load-time settings and picks the programs to load.
  void Open(const std::map<std::string, std::string>& ruled_out);
  void InstallPathOpHandler();

  SensorOptions options_;
  struct bpf_object* obj_ = nullptr;
  std::function<void()> destroy_skeleton_;
  std::vector<struct bpf_link*> links_;
  std::vector<Attachment> attachments_;
  std::vector<SkippedProgram> skipped_;
  std::vector<ChosenVariant> variants_;
  SensorFeatures features_;
  void* tp_skeleton_ = nullptr;   // the skeletons, for their load-time settings
  void* lsm_skeleton_ = nullptr;
  std::vector<int> pinned_fds_;
  std::set<std::string> pinned_keys_;  // lw_inode_key bytes of the inodes pinned
  // read-only mappings of the ring buffer's consumer and producer pages (RingFill), or nullptr
  void* ring_consumer_page_ = nullptr;
  void* ring_producer_page_ = nullptr;
  size_t ring_page_size_ = 0;
  void UnmapRingPages();
};

std::string ErrnoName(int err);

}  // namespace lsmwatch
