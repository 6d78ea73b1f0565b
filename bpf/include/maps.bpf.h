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
	__uint(max_entries, 16384); /* entries under every anchor: see src/sensor/watchPlan.ts */
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
	__uint(max_entries, 4096); /* the agent's files: its build, runtime node_modules, node, state */
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

/* Marks (struct lw_mark) by inode identity. lw_inode_marks holds the agent's: roots and anchors
 * of the watch list and the files below watched trees at start; an entry for an inode that was
 * deleted and whose number is reused can only make the new inode watched (safe). lw_sticky_marks
 * holds positive verdicts the kernel computed, so that a watched inode stays watched under any
 * other name even after its cached verdict (inode storage, lw_verdict_cache) is gone. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct lw_inode_key);
	__type(value, struct lw_mark);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lw_inode_marks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lw_inode_key);
	__type(value, struct lw_mark);
} lw_sticky_marks SEC(".maps");

/* The verdict state (key 0). generation: cached negative verdicts are valid while it is unchanged;
 * it is bumped after every operation that can change the verdict of inodes other than the one it
 * names (a directory rename gives a whole subtree new names; a mount change). in_flight: such
 * operations (and renames and links, which can make their own inode watched) that have started
 * and not finished; while any is, no cached negative verdict is trusted. verdict.bpf.h says why. */
struct lw_verdict_state {
	__u64 generation;
	__s64 in_flight;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_verdict_state);
} lw_generation_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_policy_epoch);
} lw_policy_epoch_map SEC(".maps");

static __always_inline __u32 lw_policy_epoch(void)
{
	__u32 zero = 0;
	struct lw_policy_epoch *e = bpf_map_lookup_elem(&lw_policy_epoch_map, &zero);
	return e ? e->epoch : 0;
}

static __always_inline struct lw_verdict_state *lw_verdict_state(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&lw_generation_map, &zero);
}

/* The adds are atomics without fetch (BPF_XADD), which every supported kernel has. */
static __always_inline void lw_bump_generation(void)
{
	struct lw_verdict_state *st = lw_verdict_state();
	if (st)
		__sync_fetch_and_add(&st->generation, 1);
}

static __always_inline void lw_in_flight_add(__s64 n)
{
	struct lw_verdict_state *st = lw_verdict_state();
	if (st)
		__sync_fetch_and_add(&st->in_flight, n);
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

/* Entries in lw_write_agg: one added when an entry is made, one taken off when an entry is
 * deleted, so a close or a file free returns before any lookup while no write is pending anywhere
 * (the unwatched path). It can only be ahead of the map (another CPU between its insert and its
 * add), never behind it; and a count a close left behind is reported by the periodic flush. */
__u64 lw_agg_entries = 0;

#define LW_NAME_BUF 256

struct lw_walk_state {
	__u32 decided;
	__u32 self;
	__u32 name;
	__u32 anchor;
	__u32 anchor_at;
	__u32 above;
	__u32 above_at;
	__u32 truncated;
};

struct lw_walked_path {
	__u32 off;       /* first byte of the path in the buffer */
	__u32 len;       /* bytes, without the NUL at LW_PATH_MAX - 1 */
	__u32 truncated; /* deeper than LW_WALK_MAX_DEPTH or longer than LW_PATH_MAX: a suffix only */
	__u32 anchor;    /* id of the nearest dentry on the path the agent marked (0: none) */
	__u32 anchor_off; /* bytes of the path that name that dentry */
};

/* What lw_walk_name found (path.bpf.h). */
struct lw_walk {
	struct lw_walked_path path; /* the name, as reached (mounts crossed) */
	__u32 self;         /* verdict of the inode at the name: its own marks count */
	__u32 name;         /* verdict of the name alone: the inode at it does not count */
	__u32 unknown;      /* the walk ran out before deciding: watched to be safe (rule 7) */
	__u32 anchor_above; /* like path.anchor, the name's own inode left out (a rename's new name) */
	__u32 anchor_above_off;
};

/* The tracepoint sensor's dcache resolver (resolve.bpf.h). */
struct lw_resolve {
	struct dentry *dentry;
	struct mount *mnt;
	struct dentry *root;  /* the process's root: ".." stops and absolute links start there */
	struct mount *root_mnt;
	void *cursor;         /* the child list node being looked at, or the child mount */
	struct dentry *found; /* the child that matched */
	__u32 pos;            /* next byte of the path to parse */
	__u32 len;            /* bytes of the path */
	__u32 stop;           /* components start before this (parent mode: the last one is left) */
	__u32 comp;           /* the component being looked up: offset and length */
	__u32 comp_len;
	__u32 phase;
	__u32 links;
	__u32 _pad0;
};

/* Per-CPU scratch space: BPF stacks are 512 bytes, paths are up to 4 KiB. */
struct lw_scratch {
	char walk[2 * LW_PATH_MAX];   /* dentry walk writes the path backwards, ending at LW_PATH_MAX - 1 */
	char join[2 * LW_PATH_MAX];   /* a second path (rename target, user path joined to its base) */
	struct lw_watch_key key;
	__u32 walk_off;  /* lw_walk_dentries' write offset (kept in memory on purpose, see there) */
	__u32 prev_off;  /* the walk's offset one level down (wildcard entries) */
	struct lw_walk_state ws; /* lw_walk_name's variables (in memory on purpose, see there) */
	struct lw_walk wres;     /* lw_walk_name's result */
	char name[LW_NAME_BUF]; /* the tracepoint resolver's current dentry name */
	struct lw_resolve res;   /* the tracepoint resolver's state */
	__u64 res_dentry;        /* the tracepoint resolver's result */
	__u64 res_mnt;
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
