/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Whether a read-mode ptrace access check on the agent is an inspection of /proc rather than an
 * access to its memory or files. Root's find, ps, top and lsof stat, readlink, list and open every
 * process's entries, and the kernel checks ptrace read access for several of them: fdinfo/ on
 * lookup, map_files/ on readdir, the fd/, cwd, exe and ns/ links on readlink or when a stat follows
 * them, environ (ps aux opens it for every process), maps, auxv and fdinfo/N on open, io on read.
 * They show names, numbers and the environment, which root may see. What is not an inspection:
 * opening one of the agent's files through /proc/<agent>/fd/N (a new handle to its state database,
 * its pipes), and the read-mode checks outside procfs (kcmp, get_robust_list: real credentials).
 * Attach-mode checks (mem, ptrace, process_vm_readv, pidfd_getfd) are never inspections.
 * The kernel does not say which entry it checks, so the tracer's syscall (from its saved user
 * registers, which it cannot change while the syscall runs) and the path walk in progress
 * (current->nameidata: the directory whose link is followed) decide. */
#ifndef LSMWATCH_PTRACE_WALK_BPF_H
#define LSMWATCH_PTRACE_WALK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* x86-64 and arm64 (4 KiB pages, no KASAN): the kernel stack is 16 KiB and pt_regs sits at its top
 * (task_pt_regs). Only used where bpf_task_pt_regs (5.15) is missing. */
#define LW_KERNEL_STACK_SIZE 16384

/* Syscalls that only look: stat, readlink, list, access, change directory. */
#if defined(__TARGET_ARCH_x86)
static __always_inline bool lw_syscall_only_looks(struct pt_regs *regs)
{
	switch (BPF_CORE_READ(regs, orig_ax)) {
	case 4:   /* stat */
	case 5:   /* fstat */
	case 6:   /* lstat */
	case 21:  /* access */
	case 78:  /* getdents */
	case 80:  /* chdir */
	case 81:  /* fchdir */
	case 89:  /* readlink */
	case 217: /* getdents64 */
	case 262: /* newfstatat */
	case 267: /* readlinkat */
	case 269: /* faccessat */
	case 332: /* statx */
	case 439: /* faccessat2 */
		return true;
	default:
		return false;
	}
}
#elif defined(__TARGET_ARCH_arm64)
static __always_inline bool lw_syscall_only_looks(struct pt_regs *regs)
{
	switch (BPF_CORE_READ(regs, syscallno)) {
	case 48:  /* faccessat */
	case 49:  /* chdir */
	case 50:  /* fchdir */
	case 61:  /* getdents64 */
	case 78:  /* readlinkat */
	case 79:  /* newfstatat */
	case 80:  /* fstat */
	case 291: /* statx */
	case 439: /* faccessat2 */
		return true;
	default:
		return false;
	}
}
#else
static __always_inline bool lw_syscall_only_looks(struct pt_regs *regs)
{
	return false; /* unknown syscall numbers: every fd/ link followed is reported */
}
#endif

/* The current task's user registers: bpf_task_pt_regs where the kernel has it (5.15), else the top
 * of its kernel stack (the __stack_regs program variant). */
static __always_inline struct pt_regs *lw_current_regs(bool by_helper)
{
	if (by_helper)
		return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	void *stack = BPF_CORE_READ(task, stack);
	if (!stack)
		return NULL;
	return (struct pt_regs *)(stack + LW_KERNEL_STACK_SIZE) - 1;
}

/* The path walk in progress follows a link in a directory named "fd": /proc/<pid>/fd/N or
 * /proc/<pid>/task/<tid>/fd/N (the check is aimed at the agent, so the directory is its own). */
static __always_inline bool lw_walk_follows_fd_link(void)
{
	if (!bpf_core_type_exists(struct nameidata))
		return true; /* cannot tell: count it as an access */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct nameidata *nd = BPF_CORE_READ(task, nameidata);
	if (!nd)
		return false;
	const unsigned char *name = BPF_CORE_READ(nd, path.dentry, d_name.name);
	char buf[3] = {};
	if (!name || bpf_probe_read_kernel(buf, sizeof(buf), name) != 0)
		return true;
	return buf[0] == 'f' && buf[1] == 'd' && buf[2] == '\0';
}

#define LW_PTRACE_MODE_FSCREDS 0x08

/* A read-mode check (not NOAUDIT) is an inspection of /proc: from procfs (FSCREDS), and either a
 * syscall that only looks, or not a walk through one of the agent's fd/ links (open, also O_PATH,
 * whose descriptor reopens the file through /proc/self; execve; linkat of a deleted file; …). */
static __always_inline bool lw_ptrace_check_is_walk(unsigned int mode, bool by_helper)
{
	if (!(mode & LW_PTRACE_MODE_FSCREDS))
		return false; /* kcmp, get_robust_list, …: not a /proc entry */
	struct pt_regs *regs = lw_current_regs(by_helper);
	if (regs && lw_syscall_only_looks(regs))
		return true; /* stat (also through a link), readlink, getdents, access, chdir */
	return !lw_walk_follows_fd_link();
}

#endif
