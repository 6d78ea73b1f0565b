/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Process lifecycle records for the agent's process cache (both sensors): exec, fork, exit. Raw
 * tracepoints, because they load on every kernel lsmwatch runs on (the host's refuses tp_btf) and
 * hand over the task structs. They are not events: their own counters (LW_STAT_PROC_*). */
#ifndef LSMWATCH_PROCESS_BPF_H
#define LSMWATCH_PROCESS_BPF_H

#include "record.bpf.h"

#define LW_ARGS_MASK (LW_ARGS_MAX - 1)

static __always_inline void lw_emit_process(void *rec, __u32 size)
{
	/* Keep lw_output's bound check: clang may prove the exec record's size bounded and drop it,
	 * but the 6.1 verifier does not follow that proof and refuses the ring buffer call. */
	barrier_var(size);
	lw_count(lw_output(rec, size) ? LW_STAT_PROC_EMITTED : LW_STAT_PROC_LOST);
}

static __always_inline void lw_process_header(struct lw_header *h, __u16 type, __u16 size)
{
	h->type = type;
	h->size = size;
	h->flags = 0;
	h->time_ns = bpf_ktime_get_ns();
}

/* sched_process_exec(p, old_pid, bprm), after the new program is loaded: current is p, its mm the
 * new one, so the executable and the arguments are the new program's. */
SEC("raw_tracepoint/sched_process_exec")
int lw_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct lw_walked_path wp = {};
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();

	if (!s || !r) {
		lw_count(LW_STAT_PROC_LOST);
		return 0;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct lw_exec_record *er = (void *)r->data;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	__u32 flags = 0;

	__builtin_memset(er, 0, sizeof(*er));
	lw_fill_process(&er->proc);
	if (exe) {
		struct inode *inode = BPF_CORE_READ(exe, f_inode);

		er->exe_ino = BPF_CORE_READ(inode, i_ino);
		er->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
		if (BPF_CORE_READ(inode, i_nlink) == 0)
			flags |= LW_F_EXE_DELETED;
		lw_walk_dentries(BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt), s, &wp);
		if (wp.truncated)
			flags |= LW_F_PATH_TRUNCATED;
	}
	__u32 exe_len = wp.len & LW_PATH_MASK;
	er->exe_len = exe_len;
	if (exe)
		bpf_probe_read_kernel(&r->data[sizeof(*er)], exe_len + 1, &s->walk[wp.off & LW_PATH_MASK]);
	else
		r->data[sizeof(*er)] = 0;

	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	if (tty)
		BPF_CORE_READ_STR_INTO(&er->tty, tty, name);

	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u64 args_len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (args_len > LW_ARGS_MASK) {
		args_len = LW_ARGS_MASK;
		flags |= LW_F_ARGS_TRUNCATED;
	}
	__u32 at = (sizeof(*er) + exe_len + 1) & (2 * LW_PATH_MAX - 1);
	if (args_len > 0 && bpf_probe_read_user(&r->data[at], args_len & LW_ARGS_MASK, (void *)arg_start) != 0)
		args_len = 0; /* not readable (it should always be, the pages were just written): no arguments */
	er->args_len = args_len;
	er->hdr.type = LW_REC_EXEC;
	er->hdr.flags = flags;
	er->hdr.time_ns = bpf_ktime_get_ns();
	lw_emit_process(r, lw_record_finish(r, at + (args_len & LW_ARGS_MASK)));
	return 0;
}

/* sched_process_fork(parent, child), before the child first runs: its record precedes all of the
 * child's. Threads (CLONE_THREAD) are part of their process and give no record. */
SEC("raw_tracepoint/sched_process_fork")
int lw_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	struct lw_fork_record rec = {};

	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	lw_process_header(&rec.hdr, LW_REC_FORK, sizeof(rec));
	lw_fill_process(&rec.parent);
	rec.child_pid = BPF_CORE_READ(child, tgid);
	rec.child_ppid = BPF_CORE_READ(child, real_parent, tgid);
	rec.child_start_ns = BPF_CORE_READ(child, start_boottime);
	lw_emit_process(&rec, sizeof(rec));
	return 0;
}

/* sched_process_exit(task) runs for every thread; signal->live has already dropped to 0 when the
 * last one of the process exits (do_exit decrements it before the tracepoint). */
SEC("raw_tracepoint/sched_process_exit")
int lw_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct lw_exit_record rec = {};

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	lw_process_header(&rec.hdr, LW_REC_EXIT, sizeof(rec));
	lw_fill_process(&rec.proc);
	rec.exit_code = BPF_CORE_READ(task, exit_code);
	lw_emit_process(&rec, sizeof(rec));
	return 0;
}

#endif
