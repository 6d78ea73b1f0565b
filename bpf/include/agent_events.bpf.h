/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Tracepoint programs both sensors attach: every signal the agent receives (also those the kernel
 * sends: a tty, a timer, a resource limit, cgroup.kill) and every move of the agent to another
 * cgroup. They observe; the LSM guard is what denies. Each returns at its first test for everything
 * that is not about the agent. */
#ifndef LSMWATCH_AGENT_EVENTS_BPF_H
#define LSMWATCH_AGENT_EVENTS_BPF_H

#include "guard_records.bpf.h"
#include "agent_task.bpf.h"

#define LW_SEND_SIG_NOINFO 0
#define LW_SEND_SIG_PRIV 1

/* LSM sensor: the signal task_kill just reported on this CPU, so that signal_generate, which follows
 * it for the same signal, does not report it twice. */
struct lw_signal_checked {
	__u64 pid_tgid;
	__u32 sig;
	__u32 _pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_signal_checked);
} lw_signal_checked_map SEC(".maps");

static __always_inline void lw_signal_note_checked(__u32 sig)
{
	__u32 zero = 0;
	struct lw_signal_checked *c = bpf_map_lookup_elem(&lw_signal_checked_map, &zero);
	if (c) {
		c->pid_tgid = bpf_get_current_pid_tgid();
		c->sig = sig;
	}
}

static __always_inline bool lw_signal_was_checked(__u32 sig)
{
	__u32 zero = 0;
	struct lw_signal_checked *c = bpf_map_lookup_elem(&lw_signal_checked_map, &zero);
	if (!c || c->pid_tgid != bpf_get_current_pid_tgid() || c->sig != sig)
		return false;
	c->pid_tgid = 0;
	return true;
}

/* signal_generate(sig, info, task, group, result): raw, so the target's tgid can be read (a signal
 * to one of the agent's threads counts), and no trampoline is needed (the host kernel has none). */
SEC("raw_tracepoint/signal_generate")
int lw_signal_generate(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[2];
	if (lw_agent_tgid == 0 || BPF_CORE_READ(task, tgid) != lw_agent_tgid)
		return 0;
	__u32 sig = (__u32)ctx->args[0];
	unsigned long info = (unsigned long)ctx->args[1];
	__s32 code = 0; /* SI_USER, what SEND_SIG_NOINFO stands for */
	if (info == LW_SEND_SIG_PRIV)
		code = LW_SI_KERNEL;
	else if (info != LW_SEND_SIG_NOINFO)
		code = BPF_CORE_READ((struct kernel_siginfo *)info, si_code);
	/* the agent signalling itself (glibc's thread signals) is its own business */
	if (lw_is_agent() && code <= 0)
		return 0;
	if (lw_signal_was_checked(sig))
		return 0;
	lw_emit_signal(sig, code, false);
	return 0;
}

/* The agent's main thread moved to another cgroup (any hierarchy). One record per move: moving a
 * process moves each thread, and only the main thread's tid equals the agent's pid. */
SEC("tracepoint/cgroup/cgroup_attach_task")
int lw_cgroup_attach(struct trace_event_raw_cgroup_migrate *ctx)
{
	if (lw_agent_tgid == 0 || (__u32)ctx->pid != lw_agent_tgid)
		return 0;
	__u32 loc = ctx->__data_loc_dst_path;
	lw_emit_cgroup_kstr(LW_CGROUP_ATTACH, ctx->dst_id, ctx->dst_level, ctx->dst_root,
			    (void *)((unsigned long)ctx + (loc & 0xffff)));
	return 0;
}

#endif
