// SensorObject's read-only views for metrics and reloads: map geometry, program run counters,
// ring-buffer fill. Nothing here runs on the event path.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sensor_object.h"

namespace lsmwatch {

std::vector<MapInfo> SensorObject::MapInfos() const {
  std::vector<MapInfo> out;
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj_) {
    if (bpf_map__fd(map) < 0) continue;
    MapInfo m;
    m.name = bpf_map__name(map);
    m.type = bpf_map__type(map);
    m.max_entries = bpf_map__max_entries(map);
    m.key_size = bpf_map__key_size(map);
    m.value_size = bpf_map__value_size(map);
    struct bpf_map_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) == 0) m.id = info.id;
    out.push_back(m);
  }
  return out;
}

MapCensusTarget SensorObject::CensusTarget(const std::string& name) const {
  struct bpf_map* map = FindMap(name);
  MapCensusTarget t;
  t.name = name;
  t.type = bpf_map__type(map);
  t.max_entries = bpf_map__max_entries(map);
  t.key_size = bpf_map__key_size(map);
  t.value_size = bpf_map__value_size(map);
  t.fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0);
  if (t.fd < 0) {
    int err = errno;
    throw SensorFailure(ErrnoName(err), err, "duplicating the descriptor of map " + name + ": " + strerror(err), "");
  }
  return t;
}

std::vector<ProgramRunStats> SensorObject::RunStats() const {
  std::vector<ProgramRunStats> out;
  for (const auto& a : attachments_) {
    ProgramRunStats s;
    s.attachment = a;
    struct bpf_program* prog = obj_ ? bpf_object__find_program_by_name(obj_, a.program.c_str()) : nullptr;
    if (prog && bpf_program__fd(prog) >= 0) {
      struct bpf_prog_info info = {};
      uint32_t len = sizeof(info);
      if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
        s.ok = true;
        s.run_cnt = info.run_cnt;
        s.run_time_ns = info.run_time_ns;
        s.recursion_misses = info.recursion_misses;
      }
    }
    out.push_back(s);
  }
  return out;
}

// The ring buffer's first page holds the consumer position, the second the producer position; both
// may be mapped read-only by anyone holding the map fd (the drainer keeps its own mappings).
RingUsage SensorObject::RingFill() {
  RingUsage usage;
  struct bpf_map* ring = FindMap("lw_events");
  usage.capacity_bytes = bpf_map__max_entries(ring);
  if (!ring_consumer_page_) {
    ring_page_size_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    int fd = bpf_map__fd(ring);
    void* consumer = mmap(nullptr, ring_page_size_, PROT_READ, MAP_SHARED, fd, 0);
    if (consumer == MAP_FAILED) return usage;
    void* producer = mmap(nullptr, ring_page_size_, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(ring_page_size_));
    if (producer == MAP_FAILED) {
      munmap(consumer, ring_page_size_);
      return usage;
    }
    ring_consumer_page_ = consumer;
    ring_producer_page_ = producer;
  }
  uint64_t consumer = __atomic_load_n(static_cast<volatile uint64_t*>(ring_consumer_page_), __ATOMIC_ACQUIRE);
  uint64_t producer = __atomic_load_n(static_cast<volatile uint64_t*>(ring_producer_page_), __ATOMIC_ACQUIRE);
  usage.ok = true;
  usage.pending_bytes = producer >= consumer ? producer - consumer : 0;
  return usage;
}

void SensorObject::UnmapRingPages() {
  if (ring_consumer_page_) munmap(ring_consumer_page_, ring_page_size_);
  if (ring_producer_page_) munmap(ring_producer_page_, ring_page_size_);
  ring_consumer_page_ = ring_producer_page_ = nullptr;
}

}  // namespace lsmwatch
