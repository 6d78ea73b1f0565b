// SPDX-License-Identifier: GPL-2.0-only
/* The tracepoint sensor, for kernels that cannot run BPF LSM programs. It observes the same
 * operations through syscall tracepoints and resolves what the kernel resolved: opened and written
 * files through the fd table (so relative names, dirfds and inherited fds all give absolute paths),
 * renames and unlinks by joining the user path to the cwd or dirfd. It can observe, not deny. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "record.bpf.h"
#include "process.bpf.h"

#define LW_PTRACE_TRACEME 0
#define LW_PTRACE_ATTACH 16
#define LW_PTRACE_SEIZE 0x4206

char LICENSE[] SEC("license") = "GPL";

/* Rename and unlink records wait here between syscall entry and exit: only successful ones are sent. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct lw_record_buf);
} lw_pending_path_op SEC(".maps");

struct lw_pending_ptrace {
	__u32 request;
	__u32 target_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lw_pending_ptrace);
} lw_pending_ptrace_map SEC(".maps");

/* ---- opens: the fd returned by the syscall leads to the struct file the kernel opened ---- */

static __always_inline int lw_on_open_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0)
		lw_handle_open(lw_file_from_fd(ctx->ret));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int lw_tp_exit_open(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat")
int lw_tp_exit_openat(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat2")
int lw_tp_exit_openat2(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_creat")
int lw_tp_exit_creat(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

/* close(2): report what this process wrote through the fd. Other fds to the same file may still
 * write, so the entry stays (the flush program forgets it once idle). */
SEC("tracepoint/syscalls/sys_enter_close")
int lw_tp_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	if (!lw_is_agent())
		lw_handle_close(lw_file_from_fd(ctx->args[0]), false);
	return 0;
}

/* Not attached: the agent runs it (BPF_PROG_TEST_RUN) to flush quiet files; args[0] = lw_flush_mode. */
SEC("raw_tp")
int lw_flush_writes_prog(struct bpf_raw_tracepoint_args *ctx)
{
	return lw_flush_writes(ctx->args[0]);
}

/* ---- writes: args[0] is the fd; write and pwrite64 also tell the byte count ---- */

SEC("tracepoint/syscalls/sys_enter_write")
int lw_tp_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	lw_handle_write(lw_file_from_fd(ctx->args[0]), ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwrite64")
int lw_tp_enter_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	lw_handle_write(lw_file_from_fd(ctx->args[0]), ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_writev")
int lw_tp_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	lw_handle_write(lw_file_from_fd(ctx->args[0]), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwritev")
int lw_tp_enter_pwritev(struct trace_event_raw_sys_enter *ctx)
{
	lw_handle_write(lw_file_from_fd(ctx->args[0]), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwritev2")
int lw_tp_enter_pwritev2(struct trace_event_raw_sys_enter *ctx)
{
	lw_handle_write(lw_file_from_fd(ctx->args[0]), 0);
	return 0;
}

/* ---- renames and unlinks: resolved at entry, sent at exit if the syscall succeeded ---- */

static __always_inline void lw_path_op_enter(__u16 type, long dirfd, const char *upath, long dirfd2,
					     const char *upath2)
{
	__u32 truncated = 0;

	if (type == LW_REC_RENAME)
		lw_bump_generation(); /* paths below the renamed name change, whoever renames */
	if (lw_is_agent())
		return;
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return;
	lw_count(LW_STAT_SEEN);
	int len = lw_resolve_user_path(dirfd, upath, s, &truncated);
	if (len < 0) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	__u32 watch = lw_watch_flags(s->join, len, &s->key);
	__u32 end = lw_file_record_begin(r, type, truncated ? LW_F_PATH_TRUNCATED : 0, NULL, 0, s->join, len);

	if (upath2) {
		len = lw_resolve_user_path(dirfd2, upath2, s, &truncated);
		if (len < 0) {
			lw_count(LW_STAT_FILTERED);
			return;
		}
		watch |= lw_watch_flags(s->join, len, &s->key);
		if (truncated)
			((struct lw_header *)r->data)->flags |= LW_F_PATH2_TRUNCATED;
		end = lw_file_record_add_path2(r, end, s->join, len);
	}
	if (!(watch & LW_WATCH_WRITE)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	lw_record_finish(r, end);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&lw_pending_path_op, &tid, r, BPF_ANY);
}

static __always_inline int lw_path_op_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_record_buf *r = bpf_map_lookup_elem(&lw_pending_path_op, &tid);

	if (!r)
		return 0;
	if (ctx->ret == 0)
		lw_emit(r, ((struct lw_header *)r->data)->size);
	else
		lw_count(LW_STAT_FILTERED); /* the rename or unlink failed: nothing changed */
	bpf_map_delete_elem(&lw_pending_path_op, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rename")
int lw_tp_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RENAME, LW_AT_FDCWD, (const char *)ctx->args[0], LW_AT_FDCWD,
			 (const char *)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int lw_tp_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RENAME, (int)ctx->args[0], (const char *)ctx->args[1], (int)ctx->args[2],
			 (const char *)ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int lw_tp_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RENAME, (int)ctx->args[0], (const char *)ctx->args[1], (int)ctx->args[2],
			 (const char *)ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int lw_tp_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_UNLINK, LW_AT_FDCWD, (const char *)ctx->args[0], 0, NULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int lw_tp_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_UNLINK, (int)ctx->args[0], (const char *)ctx->args[1], 0, NULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int lw_tp_exit_rename(struct trace_event_raw_sys_exit *ctx) { return lw_path_op_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_renameat")
int lw_tp_exit_renameat(struct trace_event_raw_sys_exit *ctx) { return lw_path_op_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_renameat2")
int lw_tp_exit_renameat2(struct trace_event_raw_sys_exit *ctx) { return lw_path_op_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_unlink")
int lw_tp_exit_unlink(struct trace_event_raw_sys_exit *ctx) { return lw_path_op_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int lw_tp_exit_unlinkat(struct trace_event_raw_sys_exit *ctx) { return lw_path_op_exit(ctx); }

/* ---- ptrace: attach-type requests, and any request aimed at the agent ---- */

SEC("tracepoint/syscalls/sys_enter_ptrace")
int lw_tp_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	__u32 request = ctx->args[0];
	__u32 target = ctx->args[1];

	if (lw_is_agent())
		return 0;
	if (request == LW_PTRACE_TRACEME) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		target = BPF_CORE_READ(task, real_parent, tgid);
	} else if (request != LW_PTRACE_ATTACH && request != LW_PTRACE_SEIZE &&
		   !(lw_agent_tgid != 0 && target == lw_agent_tgid)) {
		return 0;
	}
	struct lw_pending_ptrace pending = { .request = request, .target_pid = target };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&lw_pending_ptrace_map, &tid, &pending, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int lw_tp_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_ptrace *pending = bpf_map_lookup_elem(&lw_pending_ptrace_map, &tid);

	if (!pending)
		return 0;
	lw_count(LW_STAT_SEEN);
	struct lw_record_buf *r = lw_get_record();
	if (!r) {
		bpf_map_delete_elem(&lw_pending_ptrace_map, &tid);
		return 0;
	}
	struct lw_ptrace_record *pr = (void *)r->data;
	long ret = ctx->ret;

	__builtin_memset(pr, 0, sizeof(*pr));
	pr->hdr.type = LW_REC_PTRACE;
	pr->hdr.size = sizeof(*pr);
	pr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&pr->tracer);
	pr->target_pid = pending->target_pid; /* a pid in the tracer's namespace; comm and uid: user space */
	pr->request = pending->request;
	pr->result = ret < 0 ? (__s32)ret : 0;
	pr->kind = LW_PTRACE_REQUEST;
	pr->decision = ret == 0 ? LW_DECISION_ALLOW : (ret == -1 ? LW_DECISION_DENY : LW_DECISION_ERROR);
	bpf_map_delete_elem(&lw_pending_ptrace_map, &tid);
	lw_emit(pr, sizeof(*pr));
	return 0;
}
