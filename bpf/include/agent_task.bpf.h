/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The agent's own task and its cgroup, for hooks that act on another task or a cgroup file and must
 * know whether that reaches the agent. Both sensors. */
#ifndef LSMWATCH_AGENT_TASK_BPF_H
#define LSMWATCH_AGENT_TASK_BPF_H

#include "maps.bpf.h"

#define LW_CGROUP2_SUPER_MAGIC 0x63677270
/* cgroup depth walked at most (systemd hierarchies are 3-5 deep) */
#define LW_CGROUP_MAX_LEVEL 32

/* The agent's thread-group leader, noted the first time the agent itself passes a hook (its first
 * open or write: the agent reads /proc/self/cgroup right after attaching). The leader's task_struct
 * lives as long as the process, and these programs die with the process (their links are the
 * agent's fds), so the pointer never outlives its object. 0 until noted. */
__u64 lw_agent_leader = 0;

static __always_inline void lw_note_agent_task(void)
{
	if (lw_agent_leader)
		return;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	lw_agent_leader = (__u64)(unsigned long)BPF_CORE_READ(task, group_leader);
}

/* The agent's cgroup in the default (v2) hierarchy, or NULL while its task is not noted. */
static __always_inline struct cgroup *lw_agent_cgroup(void)
{
	struct task_struct *agent = (struct task_struct *)(unsigned long)lw_agent_leader;
	if (!agent)
		return NULL;
	return BPF_CORE_READ(agent, cgroups, dfl_cgrp);
}

/* Does cg hold the agent: is it the agent's cgroup or one of its ancestors? */
static __always_inline bool lw_cgroup_holds_agent(struct cgroup *cg)
{
	struct cgroup *cur = lw_agent_cgroup();
	if (!cur || !cg)
		return false;
	int level = BPF_CORE_READ(cg, level);
	for (int i = 0; i < LW_CGROUP_MAX_LEVEL; i++) {
		if (cur == cg)
			return true;
		if (!cur || BPF_CORE_READ(cur, level) <= level)
			return false;
		/* self is the first member of struct cgroup: a css parent pointer is its cgroup */
		cur = (struct cgroup *)BPF_CORE_READ(cur, self.parent);
	}
	return false;
}

/* The same, for a cgroup known by its kernfs id and level (cgroup tracepoints). */
static __always_inline bool lw_cgroup_id_holds_agent(__u64 id, int level)
{
	struct cgroup *cur = lw_agent_cgroup();
	if (!cur)
		return false;
	for (int i = 0; i < LW_CGROUP_MAX_LEVEL; i++) {
		if (!cur)
			return false;
		int cur_level = BPF_CORE_READ(cur, level);
		if (cur_level < level)
			return false;
		if (cur_level == level)
			return BPF_CORE_READ(cur, kn, id) == id;
		cur = (struct cgroup *)BPF_CORE_READ(cur, self.parent);
	}
	return false;
}

/* Is cg frozen, by its own cgroup.freeze or an ancestor's? (A task moved into it stops at once.) */
static __always_inline bool lw_cgroup_frozen(struct cgroup *cg)
{
	for (int i = 0; i < LW_CGROUP_MAX_LEVEL; i++) {
		if (!cg)
			return false;
		if (BPF_CORE_READ(cg, freezer.freeze))
			return true;
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return false;
}

/* kernfs_node's parent is "__parent" since 6.13, "parent" before: both flavours, so this builds
 * against either vmlinux.h and relocates to either kernel */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));
struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *lw_kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(((struct kernfs_node___old *)kn)->parent))
		return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
	return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
}

#endif
