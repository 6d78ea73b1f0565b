/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* --protect (LSM sensor only): the guard around the agent. A run-time flag in lw_settings_map, off
 * unless asked for. Its hooks deny what would tamper with the agent or stop it: writing, renaming or
 * unlinking its files (also through fds opened before the guard went up), signals that would end or
 * stop it, changes to its limits and scheduling, freezing, killing or limiting a cgroup that holds
 * it, an fd to its BPF objects. (Ptrace in any mode: lw_lsm_ptrace_access_check.) Each denial is a
 * record. */
#ifndef LSMWATCH_GUARD_BPF_H
#define LSMWATCH_GUARD_BPF_H

#include "record.bpf.h"
#include "lsm_common.bpf.h"
#include "agent_events.bpf.h"

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

	lw_count(LW_STAT_SEEN);
	lw_count(LW_STAT_DENIED);
	if (!s || !r)
		return;
	lw_walk_dentries(dentry, mnt, s, &wp);
	__u32 flags = LW_F_DENIED | (wp.truncated ? LW_F_PATH_TRUNCATED : 0);
	__u32 end = lw_file_record_begin(r, type, flags, inode, open_flags, &s->walk[wp.off & LW_PATH_MASK], wp.len);
	lw_emit(r, lw_record_finish(r, end));
}

/* ---- cgroup v2 files that stop, kill or starve what a cgroup holds ---- */

#define LW_KN_NAME_LEN 16

enum lw_cgroup_file_kind {
	LW_CGFILE_NONE = 0,
	LW_CGFILE_STOPS = 1, /* freeze, kill, limits: denied on the agent's cgroup and its ancestors */
	LW_CGFILE_MOVES = 2, /* cgroup.procs, cgroup.threads: denied into a frozen cgroup */
};

/* name (NUL-padded, LW_KN_NAME_LEN bytes) == lit; unrolled, so lit folds into immediates */
static __always_inline bool lw_name_is(const char *name, const char *lit)
{
#pragma unroll
	for (int i = 0; i < LW_KN_NAME_LEN; i++) {
		if (name[i] != lit[i])
			return false;
		if (name[i] == 0)
			return true;
	}
	return false;
}

static __always_inline int lw_cgroup_file_kind(const char *name)
{
	if (lw_name_is(name, "cgroup.procs") || lw_name_is(name, "cgroup.threads"))
		return LW_CGFILE_MOVES;
	if (lw_name_is(name, "cgroup.freeze") || lw_name_is(name, "cgroup.kill") || lw_name_is(name, "memory.max") ||
	    lw_name_is(name, "memory.high") || lw_name_is(name, "pids.max") || lw_name_is(name, "cpu.max") ||
	    lw_name_is(name, "cpu.idle") || lw_name_is(name, "cpu.weight") || lw_name_is(name, "cpu.weight.nice") ||
	    lw_name_is(name, "io.max"))
		return LW_CGFILE_STOPS;
	return LW_CGFILE_NONE;
}

/* --protect: a write to a cgroup v2 file that would freeze, kill or starve the agent, or move a
 * process into a frozen cgroup (the hooks cannot see which process a cgroup.procs write moves, so a
 * move of the agent itself is only reported: lw_cgroup_attach). Checked at open and at each write,
 * so an fd opened before the agent was moved into that cgroup does not help. */
static __always_inline bool lw_guard_cgroup_write(struct file *file, struct inode *inode)
{
	if (BPF_CORE_READ(inode, i_sb, s_magic) != LW_CGROUP2_SUPER_MAGIC)
		return false;
	struct kernfs_node *kn = (struct kernfs_node *)BPF_CORE_READ(inode, i_private);
	char name[LW_KN_NAME_LEN] = {};
	if (!kn || bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(kn, name)) <= 0)
		return false;
	int kind = lw_cgroup_file_kind(name);
	if (kind == LW_CGFILE_NONE)
		return false;
	struct kernfs_node *dir = lw_kernfs_parent(kn);
	struct cgroup *cg = dir ? (struct cgroup *)BPF_CORE_READ(dir, priv) : NULL;
	bool deny = kind == LW_CGFILE_STOPS ? lw_cgroup_holds_agent(cg) : lw_cgroup_frozen(cg);
	if (!deny)
		return false;

	struct lw_walked_path wp = {};
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	lw_count_guard_denied();
	if (s && r) {
		lw_walk_dentries(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), s, &wp);
		lw_emit_cgroup_walked(r, LW_CGROUP_WRITE, BPF_CORE_READ(dir, id), cg ? BPF_CORE_READ(cg, level) : -1,
				      &s->walk[wp.off & LW_PATH_MASK], wp.len, wp.truncated, true);
	}
	return true;
}

/* --protect: opening one of the agent's files for writing is denied (and reported), and so is
 * opening for writing a cgroup file that would stop the agent. */
static __always_inline bool lw_guard_file_open(struct file *file)
{
	if (!lw_protecting())
		return false;
	__u32 f_flags = BPF_CORE_READ(file, f_flags);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	bool writing = (f_flags & LW_O_ACCMODE) != LW_O_RDONLY || (f_flags & LW_O_TRUNC);
	if (!writing || !inode)
		return false;
	if (lw_inode_protected(inode)) {
		lw_report_denied_file(LW_REC_OPEN, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
				      inode, f_flags);
		return true;
	}
	return lw_guard_cgroup_write(file, inode);
}

/* --protect: a write through an fd opened before the guard went up (or before the agent moved into
 * a cgroup) is denied too. */
static __always_inline bool lw_guard_file_write(struct file *file)
{
	if (!lw_protecting())
		return false;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return false;
	if (lw_inode_protected(inode)) {
		lw_report_denied_file(LW_REC_WRITE, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
				      inode, BPF_CORE_READ(file, f_flags));
		return true;
	}
	return lw_guard_cgroup_write(file, inode);
}

/* ---- signals ---- */

/* --protect: SIGTERM and SIGINT stop the agent cleanly and SIGHUP is handled (it will mean "reload
 * the policy"); the signals ignored by default change nothing. Every other signal would end or stop
 * the agent (SIGKILL, SIGSTOP, SIGSEGV, the real-time signals, ...) or is one it only logs: denied. */
static __always_inline bool lw_signal_allowed_under_protect(int sig)
{
	switch (sig) {
	case LW_SIGHUP:
	case LW_SIGINT:
	case LW_SIGTERM:
	case LW_SIGCHLD:
	case LW_SIGCONT:
	case LW_SIGURG:
	case LW_SIGWINCH:
		return true;
	}
	return false;
}

SEC("lsm/task_kill")
int BPF_PROG(lw_lsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (lw_agent_tgid == 0 || sig == 0 || BPF_CORE_READ(p, tgid) != lw_agent_tgid || lw_is_agent())
		return 0;
	bool deny = lw_protecting() && !lw_signal_allowed_under_protect(sig);
	unsigned long si = (unsigned long)info;
	__s32 code = si == LW_SEND_SIG_NOINFO ? 0 : si == LW_SEND_SIG_PRIV ? LW_SI_KERNEL : BPF_CORE_READ(info, si_code);

	if (deny)
		lw_count_guard_denied();
	else
		lw_signal_note_checked(sig); /* signal_generate follows: one record is enough */
	lw_emit_signal(sig, code, deny);
	return lw_verdict(deny ? -LW_EPERM : 0);
}

/* ---- limits and scheduling of the agent's process ---- */

/* Another process changing the agent's limits or scheduling: reported, and denied under --protect
 * (RLIMIT_CPU makes the kernel kill it; nice 19, SCHED_IDLE or one busy CPU starve it). */
static __always_inline int lw_guard_task(struct task_struct *p, __u32 op, __u64 arg, __u64 value, __u64 value2)
{
	if (lw_agent_tgid == 0 || BPF_CORE_READ(p, tgid) != lw_agent_tgid || lw_is_agent())
		return 0;
	bool deny = lw_protecting();
	if (deny)
		lw_count_guard_denied();
	lw_emit_task(op, arg, value, value2, deny);
	return deny ? -LW_EPERM : 0;
}

SEC("lsm/task_setrlimit")
int BPF_PROG(lw_lsm_task_setrlimit, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_verdict(lw_guard_task(p, LW_TASK_SETRLIMIT, resource, BPF_CORE_READ(new_rlim, rlim_cur),
					BPF_CORE_READ(new_rlim, rlim_max)));
}

SEC("lsm/task_setnice")
int BPF_PROG(lw_lsm_task_setnice, struct task_struct *p, int nice, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_verdict(lw_guard_task(p, LW_TASK_SETNICE, 0, (__u64)(__s64)nice, 0));
}

SEC("lsm/task_setioprio")
int BPF_PROG(lw_lsm_task_setioprio, struct task_struct *p, int ioprio, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_verdict(lw_guard_task(p, LW_TASK_SETIOPRIO, 0, (__u64)(__s64)ioprio, 0));
}

SEC("lsm/task_setscheduler")
int BPF_PROG(lw_lsm_task_setscheduler, struct task_struct *p, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_verdict(lw_guard_task(p, LW_TASK_SETSCHEDULER, 0, 0, 0));
}

/* ---- the agent's BPF objects ---- */

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
