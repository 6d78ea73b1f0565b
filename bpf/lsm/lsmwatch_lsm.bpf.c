// SPDX-License-Identifier: GPL-2.0-only
/* The LSM sensor: sees file opens, writes, renames, unlinks and ptrace access checks, and can deny
 * ptrace (forbid-ptrace, a run-time flag in lw_settings_map). Every program returns early when an
 * earlier LSM already denied (ret != 0) and never changes a decision except to deny ptrace. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "record.bpf.h"

#define LW_EPERM 1
#define LW_MAY_WRITE 0x2
#define LW_MAY_APPEND 0x8
#define LW_PTRACE_MODE_READ 0x01
#define LW_PTRACE_MODE_ATTACH 0x02
#define LW_PTRACE_MODE_NOAUDIT 0x04
#define LW_SIGKILL 9
#define LW_SIGSTOP 19

char LICENSE[] SEC("license") = "GPL";

#define LW_MAX_ERRNO 4095

/* A verdict the verifier can prove is 0 or an errno: 6.12 checks the return range of LSM programs,
 * and clang may compute a verdict in ways (e.g. negation) whose range the verifier does not track.
 * Used for an earlier LSM's verdict (passed on) and for our own computed ones. */
static __always_inline int lw_verdict(long verdict)
{
	barrier_var(verdict); /* keep the explicit 64-bit range check below */
	if (verdict < -LW_MAX_ERRNO || verdict > 0)
		return -LW_EPERM;
	return verdict;
}

/* ---- --protect: the guard around the agent (a run-time flag; off unless asked for) ---- */

static __always_inline bool lw_protecting(void)
{
	struct lw_settings *settings = lw_get_settings();
	return settings && settings->protect && !lw_is_agent();
}

static __always_inline bool lw_inode_protected(struct inode *inode)
{
	if (!inode)
		return false;
	struct lw_protected_inode key = {
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
		.ino = BPF_CORE_READ(inode, i_ino),
	};
	return bpf_map_lookup_elem(&lw_protected_inodes, &key) != NULL;
}

static __always_inline bool lw_id_protected(__u32 kind, __u32 id)
{
	struct lw_protected_id key = { .kind = kind, .id = id };
	return bpf_map_lookup_elem(&lw_protected_ids, &key) != NULL;
}

/* Reports an operation on a file that the guard denied, with its path. */
static __always_inline void lw_report_denied_file(__u16 type, struct dentry *dentry, struct vfsmount *mnt,
						  struct inode *inode, __u32 open_flags)
{
	struct lw_walked_path wp = {};
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();

	lw_count(LW_STAT_DENIED);
	if (!s || !r)
		return;
	lw_walk_dentries(dentry, mnt, s, &wp);
	__u32 flags = LW_F_DENIED | (wp.truncated ? LW_F_PATH_TRUNCATED : 0);
	__u32 end = lw_file_record_begin(r, type, flags, inode, open_flags, &s->walk[wp.off & LW_PATH_MASK], wp.len);
	lw_emit(r, lw_record_finish(r, end));
}

SEC("lsm/file_open")
int BPF_PROG(lw_lsm_file_open, struct file *file, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (lw_protecting()) {
		__u32 f_flags = BPF_CORE_READ(file, f_flags);
		struct inode *inode = BPF_CORE_READ(file, f_inode);
		bool writing = (f_flags & LW_O_ACCMODE) != LW_O_RDONLY || (f_flags & LW_O_TRUNC);
		if (writing && lw_inode_protected(inode)) {
			lw_report_denied_file(LW_REC_OPEN, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
					      inode, f_flags);
			return -LW_EPERM;
		}
	}
	lw_handle_open(file);
	return 0;
}

SEC("lsm/task_kill")
int BPF_PROG(lw_lsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (lw_agent_tgid == 0 || sig == 0 || BPF_CORE_READ(p, tgid) != lw_agent_tgid || lw_is_agent())
		return 0;
	/* SIGTERM and the rest stay allowed (the agent reports who sent them); KILL and STOP cannot be
	 * handled by the agent, so under --protect they are denied. */
	int decision = (sig == LW_SIGKILL || sig == LW_SIGSTOP) && lw_protecting() ? -LW_EPERM : 0;
	struct lw_record_buf *r = lw_get_record();

	lw_count(LW_STAT_SEEN);
	if (decision)
		lw_count(LW_STAT_DENIED);
	if (!r)
		return lw_verdict(decision);
	struct lw_signal_record *sr = (void *)r->data;
	__builtin_memset(sr, 0, sizeof(*sr));
	sr->hdr.type = LW_REC_SIGNAL;
	sr->hdr.size = sizeof(*sr);
	sr->hdr.flags = decision ? LW_F_DENIED : 0;
	sr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&sr->sender);
	sr->target_pid = lw_agent_tgid;
	sr->signal = sig;
	sr->decision = decision ? LW_DECISION_DENY : LW_DECISION_ALLOW;
	lw_emit(sr, sizeof(*sr));
	return lw_verdict(decision);
}

/* Another process asking for an fd to one of the agent's maps or programs (bpftool map update ...). */
static __always_inline int lw_guard_bpf_object(__u32 kind, __u32 id)
{
	if (!lw_protecting() || !lw_id_protected(kind, id))
		return 0;
	lw_count(LW_STAT_SEEN);
	lw_count(LW_STAT_DENIED);
	struct lw_record_buf *r = lw_get_record();
	if (!r)
		return -LW_EPERM;
	struct lw_bpf_access_record *br = (void *)r->data;
	__builtin_memset(br, 0, sizeof(*br));
	br->hdr.type = LW_REC_BPF_ACCESS;
	br->hdr.size = sizeof(*br);
	br->hdr.flags = LW_F_DENIED;
	br->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&br->proc);
	br->object_id = id;
	br->kind = kind;
	br->decision = LW_DECISION_DENY;
	lw_emit(br, sizeof(*br));
	return -LW_EPERM;
}

SEC("lsm/bpf_map")
int BPF_PROG(lw_lsm_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_guard_bpf_object(LW_OBJECT_MAP, BPF_CORE_READ(map, id));
}

SEC("lsm/bpf_prog")
int BPF_PROG(lw_lsm_bpf_prog, struct bpf_prog *prog, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_guard_bpf_object(LW_OBJECT_PROG, BPF_CORE_READ(prog, aux, id));
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
