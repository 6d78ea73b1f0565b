/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Maps shared by both sensors. Every map whose keys come from the workload is bounded (LRU). */
#ifndef LSMWATCH_MAPS_BPF_H
#define LSMWATCH_MAPS_BPF_H

#include "lsmwatch.h"

/* The contract version this object was built against; the addon refuses an object whose version
 * differs from its own (it would misread every record). */
const volatile __u32 lw_abi_version = LW_ABI_VERSION;

/* Load-time settings (the agent rewrites .rodata before load). */
const volatile __u32 lw_agent_tgid = 0;          /* the agent's own process: never reported */
const volatile __u32 lw_wakeup_bytes = 256 * 1024; /* wake user space once this much is queued */
/* Write aggregation: after a record, further writes by the same process to the same open file are
 * counted in lw_write_agg for this long, then flushed as one record carrying the exact count. */
const volatile __u64 lw_agg_window_ns = 1000000000ULL;
const volatile __u64 lw_agg_max_count = 65536;    /* flush early once this many writes are pending */
/* Entries with nothing pending for this long are forgotten by the flush program. */
#define LW_AGG_IDLE_NS (10ULL * 1000000000ULL)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* the agent may resize before load */
} lw_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__type(key, struct lw_watch_key);
	__type(value, struct lw_watch_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lw_watch SEC(".maps");

/* Run-time settings (key 0), e.g. forbid-ptrace, switched without reloading. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_settings);
} lw_settings_map SEC(".maps");

/* --protect: filled by the agent before it raises the protect flag */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct lw_protected_inode);
	__type(value, __u8);
} lw_protected_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct lw_protected_id);
	__type(value, __u8);
} lw_protected_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LW_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lw_stats SEC(".maps");

/* The watch verdict of an open file, decided once (at open, or at first use for files the sensor
 * did not see opened) so that later reads and writes of an unwatched file cost one lookup. The inode
 * is part of the key so a recycled struct file never inherits another file's verdict. */
struct lw_file_key {
	__u64 file;
	__u64 inode;
};

struct lw_verdict {
	__u32 watch_flags; /* enum lw_watch_flags, 0 = not watched */
	__u32 _pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lw_file_key);
	__type(value, struct lw_verdict);
} lw_verdicts SEC(".maps");

/* The watch verdict of a path, by dentry and mount, so that opening an unwatched file costs two
 * lookups instead of a dentry walk. A rename anywhere changes paths below it: every rename bumps
 * lw_generation_map, and an entry from an older generation is recomputed. */
struct lw_dentry_key {
	__u64 dentry;
	__u64 mnt;
};

struct lw_dentry_verdict {
	__u32 watch_flags;
	__u32 _pad0;
	__u64 generation;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lw_dentry_key);
	__type(value, struct lw_dentry_verdict);
} lw_dentry_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lw_generation_map SEC(".maps");

static __always_inline __u64 lw_generation(void)
{
	__u32 zero = 0;
	__u64 *generation = bpf_map_lookup_elem(&lw_generation_map, &zero);
	return generation ? *generation : 0;
}

/* Called for every rename (before it happens: a stale verdict is recomputed, never trusted). */
static __always_inline void lw_bump_generation(void)
{
	__u32 zero = 0;
	__u64 *generation = bpf_map_lookup_elem(&lw_generation_map, &zero);
	if (generation)
		__sync_fetch_and_add(generation, 1);
}

/* Pending writes per (open file, process). A plain hash, not LRU: an eviction would lose counts
 * without a trace. When it is full, writes are simply not aggregated (each gets its own record). */
struct lw_agg_key {
	__u64 file;
	__u64 inode;
	__u32 tgid;
	__u32 _pad0;
};

struct lw_agg_value {
	struct lw_process proc;  /* the writer when the entry was made */
	__u64 window_start;      /* bpf_ktime_get_ns() of the last record for this key */
	__u64 count;             /* writes not reported yet (claimed with an atomic exchange) */
	__u64 bytes;
	__u64 ino;
	__u32 dev;
	__u32 mode;
	__u32 open_flags;
	__u32 _pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct lw_agg_key);
	__type(value, struct lw_agg_value);
} lw_write_agg SEC(".maps");

/* Per-CPU scratch space: BPF stacks are 512 bytes, paths are up to 4 KiB. */
struct lw_scratch {
	char walk[2 * LW_PATH_MAX];   /* dentry walk writes the path backwards, ending at LW_PATH_MAX - 1 */
	char join[2 * LW_PATH_MAX];   /* a second path (rename target, user path joined to its base) */
	struct lw_watch_key key;
	__u32 walk_off;  /* lw_walk_dentries' write offset (kept in memory on purpose, see there) */
	__u32 _pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_scratch);
} lw_scratch_map SEC(".maps");

struct lw_record_buf {
	__u8 data[LW_RECORD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_record_buf);
} lw_record_map SEC(".maps");

static __always_inline void lw_count_n(__u32 stat, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&lw_stats, &stat);
	if (v)
		*v += n; /* per-CPU slot: no atomic needed */
}

static __always_inline void lw_count(__u32 stat)
{
	lw_count_n(stat, 1);
}

static __always_inline struct lw_scratch *lw_get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&lw_scratch_map, &zero);
}

static __always_inline struct lw_record_buf *lw_get_record(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&lw_record_map, &zero);
}

static __always_inline struct lw_settings *lw_get_settings(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&lw_settings_map, &zero);
}

static __always_inline bool lw_is_agent(void)
{
	return lw_agent_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) == lw_agent_tgid;
}

#endif
