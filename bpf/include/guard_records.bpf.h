/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Records about the agent's own process: signals to it, changes to its limits and scheduling, its
 * cgroup. The LSM guard emits them with its verdict, the tracepoint programs (both sensors) as
 * observations. Each call is one seen event: counted SEEN, then EMITTED or LOST_RINGBUF. */
#ifndef LSMWATCH_GUARD_RECORDS_BPF_H
#define LSMWATCH_GUARD_RECORDS_BPF_H

#include "record.bpf.h"

#define LW_SI_KERNEL 0x80

/* Counts a --protect denial of an operation on the agent's process or cgroup. */
static __always_inline void lw_count_guard_denied(void)
{
	lw_count(LW_STAT_DENIED);
	lw_count(LW_STAT_GUARD_DENIED);
}

static __always_inline void lw_emit_signal(__u32 sig, __s32 code, bool denied)
{
	struct lw_record_buf *r = lw_get_record();

	lw_count(LW_STAT_SEEN);
	if (!r)
		return;
	struct lw_signal_record *sr = (void *)r->data;
	__builtin_memset(sr, 0, sizeof(*sr));
	sr->hdr.type = LW_REC_SIGNAL;
	sr->hdr.size = sizeof(*sr);
	/* positive codes (SI_KERNEL, fault and child codes) come from the kernel, not from a sender */
	sr->hdr.flags = (denied ? LW_F_DENIED : 0) | (code > 0 ? LW_F_SIGNAL_FROM_KERNEL : 0);
	sr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&sr->sender);
	sr->target_pid = lw_agent_tgid;
	sr->signal = sig;
	sr->decision = denied ? LW_DECISION_DENY : LW_DECISION_ALLOW;
	sr->code = code;
	lw_emit(sr, sizeof(*sr));
}

static __always_inline void lw_emit_task(__u32 op, __u64 arg, __u64 value, __u64 value2, bool denied)
{
	struct lw_record_buf *r = lw_get_record();

	lw_count(LW_STAT_SEEN);
	if (!r)
		return;
	struct lw_task_record *tr = (void *)r->data;
	__builtin_memset(tr, 0, sizeof(*tr));
	tr->hdr.type = LW_REC_TASK;
	tr->hdr.size = sizeof(*tr);
	tr->hdr.flags = denied ? LW_F_DENIED : 0;
	tr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&tr->actor);
	tr->target_pid = lw_agent_tgid;
	tr->op = op;
	tr->arg = arg;
	tr->value = value;
	tr->value2 = value2;
	tr->decision = denied ? LW_DECISION_DENY : LW_DECISION_ALLOW;
	lw_emit(tr, sizeof(*tr));
}

/* Fills a cgroup record's fixed part in r; the path follows (lw_cgroup_record_path_*). */
static __always_inline struct lw_cgroup_record *lw_cgroup_record_begin(struct lw_record_buf *r, __u32 op, __u64 id,
								       __s32 level, __s32 root, bool denied)
{
	struct lw_cgroup_record *cr = (void *)r->data;
	__builtin_memset(cr, 0, sizeof(*cr));
	cr->hdr.type = LW_REC_CGROUP;
	cr->hdr.flags = denied ? LW_F_DENIED : 0;
	cr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&cr->actor);
	cr->target_pid = lw_agent_tgid;
	cr->op = op;
	cr->cgroup_id = id;
	cr->level = level;
	cr->root = root;
	cr->decision = denied ? LW_DECISION_DENY : LW_DECISION_ALLOW;
	return cr;
}

/* Emits a cgroup record whose path is a kernel string (a tracepoint's __data_loc field). */
static __always_inline void lw_emit_cgroup_kstr(__u32 op, __u64 id, __s32 level, __s32 root, const void *path)
{
	struct lw_record_buf *r = lw_get_record();

	lw_count(LW_STAT_SEEN);
	if (!r)
		return;
	struct lw_cgroup_record *cr = lw_cgroup_record_begin(r, op, id, level, root, false);
	long n = bpf_probe_read_kernel_str(&r->data[sizeof(*cr)], LW_PATH_MAX, path);
	__u32 len = n > 0 ? (__u32)(n - 1) & LW_PATH_MASK : 0;
	if (n <= 0)
		r->data[sizeof(*cr)] = 0;
	cr->path_len = len;
	lw_emit(r, lw_record_finish(r, sizeof(*cr) + len + 1));
}

/* Emits a cgroup record whose path was walked into s->walk (a file of cgroupfs). */
static __always_inline void lw_emit_cgroup_walked(struct lw_record_buf *r, __u32 op, __u64 id, __s32 level,
						  const char *path, __u32 path_len, bool truncated, bool denied)
{
	lw_count(LW_STAT_SEEN);
	struct lw_cgroup_record *cr = lw_cgroup_record_begin(r, op, id, level, 0, denied);
	if (truncated)
		cr->hdr.flags |= LW_F_PATH_TRUNCATED;
	path_len &= LW_PATH_MASK;
	cr->path_len = path_len;
	bpf_probe_read_kernel(&r->data[sizeof(*cr)], path_len + 1, path);
	lw_emit(r, lw_record_finish(r, sizeof(*cr) + path_len + 1));
}

#endif
