/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Operations that change names (renames, links, mounts) between their start and their end, for
 * the verdict state (verdict.bpf.h, rule 4): the start raises in_flight, the end bumps the
 * generation where needed and lowers it again. A thread has at most one such syscall at a time;
 * the entry per thread makes an end without a seen start (programs attached mid-syscall) harmless. */
#ifndef LSMWATCH_INFLIGHT_BPF_H
#define LSMWATCH_INFLIGHT_BPF_H

#include "maps.bpf.h"

struct lw_op_marker {
	__u64 dentry;  /* LSM: the renamed dentry, to match the fexit of this very operation */
	__u32 bump;    /* bump the generation at the end (set once a directory or mount is involved) */
	__u32 _pad0;
};

/* An entry lost to LRU eviction would leave in_flight raised: cached negative verdicts are then
 * not trusted (slower, never blind). 10240 threads renaming at once is far beyond practice. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct lw_op_marker);
} lw_ops_in_flight SEC(".maps");

static __always_inline void lw_op_begin(__u64 dentry, bool bump)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_op_marker marker = { .dentry = dentry, .bump = bump };

	if (bpf_map_update_elem(&lw_ops_in_flight, &tid, &marker, BPF_NOEXIST) == 0)
		lw_in_flight_add(1);
}

/* Ends this thread's operation (if dentry is non-zero, only if it is the one that began). */
static __always_inline void lw_op_end(__u64 dentry, bool bump)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_op_marker *marker = bpf_map_lookup_elem(&lw_ops_in_flight, &tid);

	if (!marker || (dentry && marker->dentry && marker->dentry != dentry))
		return;
	if (bump || marker->bump) {
		lw_bump_generation(); /* first the bump, then in_flight falls: no gap between them */
		lw_count(LW_STAT_GENERATIONS);
	}
	bpf_map_delete_elem(&lw_ops_in_flight, &tid);
	lw_in_flight_add(-1);
}

/* Mount changes give existing inodes new names: both sensors follow them through the syscalls
 * (mount, umount2, move_mount, pivot_root). */
#define LW_MOUNT_SYSCALL(name)                                                              \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                         \
	int lw_tp_enter_##name(struct trace_event_raw_sys_enter *ctx)                       \
	{                                                                                   \
		lw_op_begin(0, true);                                                       \
		return 0;                                                                   \
	}                                                                                   \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                          \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)                         \
	{                                                                                   \
		lw_op_end(0, true);                                                         \
		return 0;                                                                   \
	}

#endif
