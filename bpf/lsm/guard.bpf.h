/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* --protect (LSM sensor only): the guard around the agent. A run-time flag in lw_settings_map, off
 * unless asked for. Its hooks deny what would tamper with the agent: writing, renaming or unlinking
 * its files, SIGKILL/SIGSTOP, an fd to its BPF objects. Each denial is a record. */
#ifndef LSMWATCH_GUARD_BPF_H
#define LSMWATCH_GUARD_BPF_H

#include "record.bpf.h"
#include "lsm_common.bpf.h"

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

/* --protect: opening one of the agent's files for writing is denied (and reported). */
static __always_inline bool lw_guard_file_open(struct file *file)
{
	if (!lw_protecting())
		return false;
	__u32 f_flags = BPF_CORE_READ(file, f_flags);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	bool writing = (f_flags & LW_O_ACCMODE) != LW_O_RDONLY || (f_flags & LW_O_TRUNC);
	if (!writing || !lw_inode_protected(inode))
		return false;
	lw_report_denied_file(LW_REC_OPEN, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), inode,
			      f_flags);
	return true;
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

#endif
