#include "map_census.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lsmwatch {
namespace {

constexpr uint32_t kChunk = 4096;

bool BatchUnsupported(int err) { return err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP || err == ENOSYS || err == 524; }

// BPF_MAP_LOOKUP_BATCH walks buckets with a cursor, so entries deleted meanwhile do not restart it.
// Returns false (and leaves *out alone) when the kernel has no batch ops for this map.
bool CountByBatch(const MapCensusTarget& t, MapCensusResult* out) {
  std::vector<uint8_t> keys(static_cast<size_t>(kChunk) * t.key_size);
  std::vector<uint8_t> values(static_cast<size_t>(kChunk) * t.value_size);
  uint64_t in_token = 0, out_token = 0;
  bool first = true;
  uint64_t total = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  for (uint32_t round = 0; round <= t.max_entries / kChunk + 2; round++) {
    uint32_t count = kChunk;
    int err = bpf_map_lookup_batch(t.fd, first ? nullptr : &in_token, &out_token, keys.data(), values.data(), &count, &opts);
    int e = err ? errno : 0;
    if (err && e != ENOENT) {
      if (first && BatchUnsupported(e)) return false;
      out->error = std::string("BPF_MAP_LOOKUP_BATCH: ") + strerror(e);
      out->entries = total;
      out->method = "batch";
      return true;
    }
    total += count;
    if (err) {  // ENOENT: that was the last chunk
      out->entries = total;
      out->complete = true;
      out->method = "batch";
      return true;
    }
    in_token = out_token;
    first = false;
  }
  out->entries = total;
  out->method = "batch";
  return true;
}

void CountByNextKey(const MapCensusTarget& t, MapCensusResult* out) {
  std::vector<uint8_t> key(t.key_size), next(t.key_size);
  const void* prev = nullptr;
  uint64_t count = 0;
  out->method = "next_key";
  while (count <= t.max_entries) {
    if (bpf_map_get_next_key(t.fd, prev, next.data()) != 0) {
      if (errno == ENOENT) out->complete = true;
      else out->error = std::string("BPF_MAP_GET_NEXT_KEY: ") + strerror(errno);
      break;
    }
    count++;
    key.swap(next);
    prev = key.data();
  }
  out->entries = std::min<uint64_t>(count, t.max_entries);
}

}  // namespace

MapCensusResult CountMapEntries(const MapCensusTarget& target) {
  MapCensusResult out;
  out.name = target.name;
  if (!CountByBatch(target, &out)) CountByNextKey(target, &out);
  return out;
}

uint64_t ClearMapEntries(const MapCensusTarget& t, std::string* error) {
  uint64_t deleted = 0;
  // Batch: lookup-and-delete whole buckets at a time.
  {
    std::vector<uint8_t> keys(static_cast<size_t>(kChunk) * t.key_size);
    std::vector<uint8_t> values(static_cast<size_t>(kChunk) * t.value_size);
    uint64_t in_token = 0, out_token = 0;
    bool first = true;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    for (uint32_t round = 0; round <= t.max_entries / kChunk + 2; round++) {
      uint32_t count = kChunk;
      int err = bpf_map_lookup_and_delete_batch(t.fd, first ? nullptr : &in_token, &out_token, keys.data(), values.data(),
                                                &count, &opts);
      int e = err ? errno : 0;
      if (err && e != ENOENT) {
        if (first && BatchUnsupported(e)) break;  // fall back to one key at a time
        *error = std::string("BPF_MAP_LOOKUP_AND_DELETE_BATCH: ") + strerror(e);
        return deleted;
      }
      deleted += count;
      if (err) return deleted;
      in_token = out_token;
      first = false;
    }
    if (!first) return deleted;
  }
  // One key at a time: find the next key before deleting the current one.
  std::vector<uint8_t> key(t.key_size), next(t.key_size);
  if (bpf_map_get_next_key(t.fd, nullptr, key.data()) != 0) return deleted;
  for (uint64_t steps = 0; steps < 2ull * t.max_entries + 2; steps++) {
    bool more = bpf_map_get_next_key(t.fd, key.data(), next.data()) == 0;
    if (bpf_map_delete_elem(t.fd, key.data()) == 0) deleted++;
    if (!more) break;
    key.swap(next);
  }
  return deleted;
}

}  // namespace lsmwatch
