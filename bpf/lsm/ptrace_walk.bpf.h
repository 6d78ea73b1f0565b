/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Whether a read-mode ptrace access check comes from a walk of /proc: root's find, ps, top and lsof
 * stat, readlink and list every process's entries, and the kernel checks ptrace read access for
 * several of them (fdinfo/ on lookup, map_files/ on readdir, fd/, cwd, exe and ns/ links on
 * readlink or when a stat follows them). Those walks show names and numbers, not the agent's memory,
 * environment or files; opening such an entry for reading does not count as a walk (environ, fd/N
 * followed by open, maps). The kernel does not say which entry it checks, so the syscall decides:
 * the tracer's own, read from its saved user registers (pt_regs), which it cannot change while the
 * syscall runs. */
#ifndef LSMWATCH_PTRACE_WALK_BPF_H
#define LSMWATCH_PTRACE_WALK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* x86-64 and arm64 (4 KiB pages, no KASAN): the kernel stack is 16 KiB and pt_regs sits at its top
 * (task_pt_regs). Only used where bpf_task_pt_regs (5.15) is missing. */
#define LW_KERNEL_STACK_SIZE 16384

#if defined(__TARGET_ARCH_x86)
#define LW_O_DIRECTORY 0200000
#define LW_O_PATH 010000000
static __always_inline bool lw_syscall_is_walk(struct pt_regs *regs)
{
	unsigned long flags;

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
	case 2: /* open(path, flags) */
		flags = BPF_CORE_READ(regs, si);
		break;
	case 257: /* openat(dfd, path, flags) */
		flags = BPF_CORE_READ(regs, dx);
		break;
	default: /* openat2 (flags behind a pointer), kcmp, process_madvise, …: not a walk */
		return false;
	}
	return flags & (LW_O_DIRECTORY | LW_O_PATH);
}
#elif defined(__TARGET_ARCH_arm64)
#define LW_O_DIRECTORY 040000
#define LW_O_PATH 010000000
static __always_inline bool lw_syscall_is_walk(struct pt_regs *regs)
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
	case 56: /* openat(dfd, path, flags) */
		return BPF_CORE_READ(regs, regs[2]) & (LW_O_DIRECTORY | LW_O_PATH);
	default:
		return false;
	}
}
#else
static __always_inline bool lw_syscall_is_walk(struct pt_regs *regs)
{
	return false; /* unknown syscall numbers: every check is reported */
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

static __always_inline bool lw_ptrace_check_is_walk(bool by_helper)
{
	struct pt_regs *regs = lw_current_regs(by_helper);
	return regs && lw_syscall_is_walk(regs);
}

#endif
