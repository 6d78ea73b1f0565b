// Looks inside the sensor's maps without touching the event path: how many entries a map holds
// (for metrics), and emptying a cache map (after a policy reload). Plain C++ over the bpf syscalls;
// the counting also runs on a worker thread, so it takes its own duplicated descriptors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lsmwatch {

struct MapCensusTarget {
  std::string name;
  int fd = -1;  // owned by whoever built the target
  uint32_t type = 0;
  uint32_t max_entries = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
};

struct MapCensusResult {
  std::string name;
  uint64_t entries = 0;
  // false when the walk hit its bound (a map changing under the walk) or failed
  bool complete = false;
  // "batch" (BPF_MAP_LOOKUP_BATCH) or "next_key" (BPF_MAP_GET_NEXT_KEY, kernels without batch ops)
  std::string method;
  std::string error;
};

// Counts the entries of a hash-like map. Bounded: at most max_entries + 1 keys are visited.
MapCensusResult CountMapEntries(const MapCensusTarget& target);

// Deletes every entry of a hash-like map; returns how many were deleted. Bounded by 2 * max_entries
// steps: entries the kernel adds meanwhile may survive (the caller decides whether that matters).
uint64_t ClearMapEntries(const MapCensusTarget& target, std::string* error);

}  // namespace lsmwatch
