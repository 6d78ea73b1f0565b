// SPDX-License-Identifier: GPL-2.0-only
/* The LSM sensor: sees file opens, writes, renames, unlinks and ptrace access checks, and can deny
 * ptrace (forbid-ptrace, a run-time flag in lw_settings_map). Every program returns early when an
 * earlier LSM already denied (ret != 0) and never changes a decision except to deny ptrace. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "record.bpf.h"
#include "process.bpf.h"

#include "lsm_common.bpf.h"
#include "guard.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(lw_lsm_file_open, struct file *file, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (lw_guard_file_open(file))
		return -LW_EPERM;
	lw_handle_open(file);
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(lw_lsm_file_permission, struct file *file, int mask, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (!(mask & (LW_MAY_WRITE | LW_MAY_APPEND)))
		return 0;
	lw_handle_write(file, 0);
	return 0;
}

/* The last reference to a file is gone: report the writes still pending for it. No one can write
 * through it any more, so the entry is dropped too. A void hook: the return value is ignored. */
SEC("lsm/file_free_security")
int BPF_PROG(lw_lsm_file_free, struct file *file)
{
	lw_handle_close(file, true);
	return 0;
}

/* Not attached: the agent runs it (BPF_PROG_TEST_RUN) to flush quiet files; args[0] = lw_flush_mode. */
SEC("raw_tp")
int lw_flush_writes_prog(struct bpf_raw_tracepoint_args *ctx)
{
	return lw_flush_writes(ctx->args[0]);
}

/* Rename and unlink of a watched name (path hooks: the operation is about to happen). */
static __always_inline int lw_handle_path_op(__u16 type, const struct path *dir, struct dentry *dentry,
					     const struct path *dir2, struct dentry *dentry2)
{
	struct lw_walked_path wp = {};

	if (lw_is_agent())
		return 0;
	/* --protect: the agent's files may not be renamed, replaced by a rename, or unlinked */
	if (lw_protecting() &&
	    (lw_inode_protected(BPF_CORE_READ(dentry, d_inode)) ||
	     (dentry2 && lw_inode_protected(BPF_CORE_READ(dentry2, d_inode))))) {
		lw_report_denied_file(type, dentry, BPF_CORE_READ(dir, mnt), BPF_CORE_READ(dentry, d_inode), 0);
		return -LW_EPERM;
	}
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return 0;
	lw_count(LW_STAT_SEEN);
	lw_walk_dentries(dentry, BPF_CORE_READ(dir, mnt), s, &wp);
	__u32 watch = lw_watch_flags(&s->walk[wp.off & LW_PATH_MASK], wp.len, &s->key);
	__u32 flags = wp.truncated ? LW_F_PATH_TRUNCATED : 0;
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	__u32 end = lw_file_record_begin(r, type, flags, inode, 0, &s->walk[wp.off & LW_PATH_MASK], wp.len);

	if (dentry2) {
		lw_walk_dentries(dentry2, BPF_CORE_READ(dir2, mnt), s, &wp);
		watch |= lw_watch_flags(&s->walk[wp.off & LW_PATH_MASK], wp.len, &s->key);
		if (wp.truncated)
			((struct lw_header *)r->data)->flags |= LW_F_PATH2_TRUNCATED;
		end = lw_file_record_add_path2(r, end, &s->walk[wp.off & LW_PATH_MASK], wp.len);
	}
	if (!(watch & LW_WATCH_WRITE)) {
		lw_count(LW_STAT_FILTERED);
		return 0;
	}
	lw_emit(r, lw_record_finish(r, end));
	return 0;
}

SEC("lsm/path_rename")
int BPF_PROG(lw_lsm_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_bump_generation(); /* paths below the renamed name change */
	return lw_handle_path_op(LW_REC_RENAME, old_dir, old_dentry, new_dir, new_dentry);
}

SEC("lsm/path_unlink")
int BPF_PROG(lw_lsm_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_handle_path_op(LW_REC_UNLINK, dir, dentry, NULL, NULL);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(lw_lsm_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);

	__u32 tracer_tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 target_tgid = BPF_CORE_READ(child, tgid);
	if (target_tgid == tracer_tgid || lw_is_agent())
		return 0; /* a process looking at itself, or the agent reading /proc */

	bool attach = mode & LW_PTRACE_MODE_ATTACH;
	bool on_agent = lw_agent_tgid != 0 && target_tgid == lw_agent_tgid;
	int decision = 0;
	struct lw_settings *settings = lw_get_settings();

	if (settings && settings->forbid_ptrace != LW_FORBID_PTRACE_OFF) {
		bool applies = settings->forbid_ptrace == LW_FORBID_PTRACE_ALL || on_agent;
		if (applies && (attach || settings->deny_ptrace_read))
			decision = -LW_EPERM;
	}
	/* Report attaches, denials and anything aimed at the agent. Read-mode NOAUDIT checks are what
	 * ps and top make for every process to decide which /proc fields to show: not reported. */
	bool report = attach || decision != 0 || (on_agent && !(mode & LW_PTRACE_MODE_NOAUDIT));
	if (!report)
		return lw_verdict(decision);

	lw_count(LW_STAT_SEEN);
	if (decision)
		lw_count(LW_STAT_DENIED);
	struct lw_record_buf *r = lw_get_record();
	if (!r)
		return lw_verdict(decision);
	struct lw_ptrace_record *pr = (void *)r->data;
	pr->hdr.type = LW_REC_PTRACE;
	pr->hdr.size = sizeof(*pr);
	pr->hdr.flags = decision ? LW_F_DENIED : 0;
	pr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&pr->tracer);
	pr->target_pid = target_tgid;
	pr->target_tid = BPF_CORE_READ(child, pid);
	pr->target_uid = BPF_CORE_READ(child, cred, uid.val);
	pr->mode = mode;
	pr->request = 0;
	pr->result = decision;
	pr->kind = LW_PTRACE_ACCESS_CHECK;
	pr->decision = decision ? LW_DECISION_DENY : LW_DECISION_ALLOW;
	pr->_pad0 = 0;
	BPF_CORE_READ_STR_INTO(&pr->target_comm, child, comm);
	lw_emit(pr, sizeof(*pr));
	return lw_verdict(decision);
}
