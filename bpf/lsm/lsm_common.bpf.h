/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Constants and the verdict helper every LSM program uses. */
#ifndef LSMWATCH_LSM_COMMON_BPF_H
#define LSMWATCH_LSM_COMMON_BPF_H

#define LW_EPERM 1
#define LW_MAY_WRITE 0x2
#define LW_MAY_APPEND 0x8
#define LW_PTRACE_MODE_READ 0x01
#define LW_PTRACE_MODE_ATTACH 0x02
#define LW_PTRACE_MODE_NOAUDIT 0x04
#define LW_SIGHUP 1
#define LW_SIGINT 2
#define LW_SIGTERM 15
#define LW_SIGCHLD 17
#define LW_SIGCONT 18
#define LW_SIGURG 23
#define LW_SIGWINCH 28

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

#endif
