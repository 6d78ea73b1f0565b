/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Tracepoint sensor: a path string resolved the way the kernel resolved it, through the dcache.
 * At the exit of a rename, unlink or link the kernel has just looked up every component of the
 * path, so each one is a cached dentry: starting from the process's root, cwd or dirfd, each
 * component is found among its directory's children (by name), mounts are crossed, ".." goes up
 * (across mounts, not above the process's root), and symbolic links are followed: plain ones
 * through inode->i_link, /proc/<pid>/root and /proc/<pid>/cwd through that task's fs_struct,
 * /proc/self by the caller's pid. So `..`, `//`, symlinked directories and /proc/self/root name
 * the real file. What cannot be followed this way (a symlink whose target lives in the page cache,
 * other magic links, a dentry evicted in between) fails, and the caller falls back to the string.
 *
 * One bpf_loop step does one unit of work (parse a component, look at one child, cross one mount),
 * so the verifier sees each step once; the budget bounds the whole resolution.
 */
#ifndef LSMWATCH_RESOLVE_BPF_H
#define LSMWATCH_RESOLVE_BPF_H

#include "record.bpf.h"

#define LW_RESOLVE_STEPS 8192
#define LW_RESOLVE_LINKS 8
#define LW_PROC_MAGIC 0x9fa0
#define LW_S_IFLNK 0120000
#define LW_DCACHE_MOUNTED_OLD 0x00010000 /* before enum dentry_flags (6.15) */

/* Children of a dentry: an hlist (d_children, d_sib) since 6.8, a list (d_subdirs, d_child)
 * before. The agent finds the offsets in the kernel's BTF and sets these before loading (CO-RE
 * cannot name fields that only one of the layouts has without poisoning the other's code). */
const volatile __u32 lw_dentry_children_off = 0;
const volatile __u32 lw_dentry_sib_off = 0;
const volatile __u32 lw_dentry_children_hlist = 1;

enum lw_resolve_phase {
	LW_PH_COMPONENT = 0, /* parse the next component */
	LW_PH_CHILD = 1,     /* compare one child of the current directory */
	LW_PH_MOUNT = 2,     /* look for a mount on the dentry just found */
	LW_PH_UP = 3,        /* "..": leave mount roots, then go to the parent */
	LW_PH_DONE = 4,
	LW_PH_FAILED = 5,
	LW_PH_SCAN = 6,      /* find where the component ends */
};


static __always_inline struct dentry *lw_child_at(void *dir, void *node)
{
	if (!node || (!lw_dentry_children_hlist && node == dir + lw_dentry_children_off))
		return NULL; /* an hlist ends in NULL, a list at its head */
	return node - lw_dentry_sib_off;
}

static __always_inline struct dentry *lw_first_child(struct dentry *dir, void **cursor)
{
	void *node = NULL;

	/* hlist_head.first and list_head.next both come first */
	bpf_probe_read_kernel(&node, sizeof(node), (void *)dir + lw_dentry_children_off);
	*cursor = node;
	return lw_child_at(dir, node);
}

static __always_inline struct dentry *lw_next_child(struct dentry *dir, void **cursor)
{
	void *node = NULL;

	bpf_probe_read_kernel(&node, sizeof(node), *cursor); /* hlist_node.next, list_head.next */
	*cursor = node;
	return lw_child_at(dir, node);
}

static __always_inline bool lw_is_mountpoint(struct dentry *dentry)
{
	__u32 flags = BPF_CORE_READ(dentry, d_flags);
	if (bpf_core_enum_value_exists(enum dentry_flags, DCACHE_MOUNTED))
		return flags & bpf_core_enum_value(enum dentry_flags, DCACHE_MOUNTED);
	return flags & LW_DCACHE_MOUNTED_OLD;
}

/* Does child's name equal the component? Compared 8 bytes at a time (few jumps for the verifier). */
static __always_inline bool lw_name_is(struct lw_scratch *s, struct lw_resolve *st, struct dentry *child)
{
	__u32 len = BPF_CORE_READ(child, d_name.len);

	if (len != st->comp_len || len == 0 || len > LW_NAME_MAX)
		return false;
	/* the mask in asm: clang drops a C mask it can prove redundant, and the 6.1 verifier then loses
	 * the bound ("R2 unbounded memory access") */
	__u64 n = len;
	asm volatile("%0 &= %1" : "+r"(n) : "i"(LW_NAME_MAX));
	bpf_probe_read_kernel(s->name, n, BPF_CORE_READ(child, d_name.name));
	__u32 comp = st->comp & LW_PATH_MASK;
	for (__u32 i = 0; i < LW_NAME_BUF / 8; i++) {
		__u32 at = i * 8;
		if (at >= len)
			break;
		__u32 rest = len - at;
		__u64 mask = rest >= 8 ? ~0ULL : ((1ULL << (rest * 8)) - 1);
		__u64 a = *(__u64 *)&s->name[at & (LW_NAME_BUF - 8)];
		__u64 b = *(__u64 *)&s->join[(comp + at) & LW_PATH_MASK]; /* join is 2 * LW_PATH_MAX long */
		if ((a ^ b) & mask)
			return false;
	}
	return true;
}

/* Replaces the path's unparsed part by target + "/" + the rest (s->walk is the spare buffer). */
static __always_inline bool lw_splice_link(struct lw_scratch *s, struct lw_resolve *st, const char *target)
{
	long n = bpf_probe_read_kernel_str(s->walk, LW_PATH_MAX, target);

	if (n <= 1)
		return false;
	__u32 tlen = (__u32)n - 1;
	__u32 rest = st->len - st->pos;
	if (tlen + 1 + rest + 1 > LW_PATH_MAX || rest > LW_PATH_MAX - 1)
		return false;
	s->walk[tlen & LW_PATH_MASK] = '/';
	bpf_probe_read_kernel(&s->walk[(tlen + 1) & LW_PATH_MASK], (rest + 1) & LW_PATH_MASK,
			      &s->join[st->pos & LW_PATH_MASK]);
	__u32 total = tlen + 1 + rest;
	bpf_probe_read_kernel(s->join, (total + 1) & LW_PATH_MASK, s->walk);
	s->join[total & LW_PATH_MASK] = '\0';
	/* the part left in parent mode keeps its distance to the end */
	st->stop = total - (st->len - st->stop);
	st->len = total;
	st->pos = 0;
	if (s->join[0] == '/') {
		st->dentry = st->root;
		st->mnt = st->root_mnt;
	}
	return true;
}

/* The task behind a /proc/<pid> entry (its inode is a proc_inode holding the pid). */
static __always_inline struct task_struct *lw_proc_task(struct inode *inode)
{
	struct proc_inode *pi = container_of(inode, struct proc_inode, vfs_inode);
	struct pid *pid = BPF_CORE_READ(pi, pid);
	struct hlist_node *first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);

	if (!first)
		return NULL;
	return (void *)first - bpf_core_field_offset(struct task_struct, pid_links[PIDTYPE_PID]);
}

/* The caller's pid as its own pid namespace numbers it, as decimal text in s->name. */
static __always_inline void lw_self_pid_text(struct lw_scratch *s)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	__u32 level = BPF_CORE_READ(pid, level);
	__u32 nr = BPF_CORE_READ(pid, numbers[level & 31].nr);
	__u32 digits = 1;

	for (__u32 v = nr; v >= 10 && digits < 10; v /= 10)
		digits++;
	s->name[digits & 15] = '\0';
	for (int i = 0; i < 10; i++) {
		if ((__u32)i >= digits)
			break;
		s->name[(digits - 1 - i) & 15] = '0' + nr % 10;
		nr /= 10;
	}
}

/* A symbolic link met on the way: follow it, or fail. */
static __always_inline bool lw_follow_link(struct lw_scratch *s, struct lw_resolve *st, struct dentry *link, struct inode *inode)
{
	if (++st->links > LW_RESOLVE_LINKS)
		return false;
	const char *target = BPF_CORE_READ(inode, i_link);
	if (target)
		return lw_splice_link(s, st, target);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != LW_PROC_MAGIC)
		return false; /* the target is in the page cache: not reachable from here */
	char name[8] = {};
	bpf_probe_read_kernel(name, sizeof(name) - 1, BPF_CORE_READ(link, d_name.name));
	if (name[0] == 's' && name[1] == 'e' && name[2] == 'l' && name[3] == 'f' && name[4] == 0) {
		lw_self_pid_text(s);
		return lw_splice_link(s, st, s->name);
	}
	bool root = name[0] == 'r' && name[1] == 'o' && name[2] == 'o' && name[3] == 't' && name[4] == 0;
	bool cwd = name[0] == 'c' && name[1] == 'w' && name[2] == 'd' && name[3] == 0;
	if (!root && !cwd)
		return false;
	struct task_struct *task = lw_proc_task(inode);
	if (!task)
		return false;
	struct path where;
	if (root)
		where = BPF_CORE_READ(task, fs, root);
	else
		where = BPF_CORE_READ(task, fs, pwd);
	if (!where.dentry)
		return false;
	st->dentry = where.dentry;
	st->mnt = container_of(where.mnt, struct mount, mnt);
	return true;
}

static long lw_resolve_step(__u32 index, void *unused)
{
	struct lw_scratch *s = lw_get_scratch();

	if (!s)
		return 1;
	/* the state is in map memory, not on the stack: the verifier then sees unknown values and
	 * the callback's states converge after a few rounds */
	struct lw_resolve *st = &s->res;
	switch (st->phase) {
	case LW_PH_COMPONENT: {
		__u32 pos = st->pos;
		if (pos >= st->stop) {
			st->phase = LW_PH_DONE;
			return 1;
		}
		if (s->join[pos & LW_PATH_MASK] == '/') {
			st->pos = pos + 1; /* one slash per step */
			return 0;
		}
		st->comp = pos;
		st->comp_len = 0;
		st->phase = LW_PH_SCAN;
		return 0;
	}
	case LW_PH_SCAN: {
		/* the component's end, up to 32 bytes per step */
		__u32 end = st->comp + st->comp_len;
		bool ended = false;
		for (int i = 0; i < 32; i++) {
			if (end >= st->len || s->join[end & LW_PATH_MASK] == '/' || s->join[end & LW_PATH_MASK] == '\0') {
				ended = true;
				break;
			}
			end++;
		}
		st->comp_len = end - st->comp;
		if (st->comp_len > LW_NAME_MAX) {
			st->phase = LW_PH_FAILED;
			return 1;
		}
		if (!ended)
			return 0;
		__u32 pos = st->comp, clen = st->comp_len;
		st->pos = end;
		if (clen == 1 && s->join[pos & LW_PATH_MASK] == '.') {
			st->phase = LW_PH_COMPONENT;
			return 0;
		}
		if (clen == 2 && s->join[pos & LW_PATH_MASK] == '.' && s->join[(pos + 1) & LW_PATH_MASK] == '.') {
			st->phase = LW_PH_UP;
			return 0;
		}
		st->found = lw_first_child(st->dentry, &st->cursor);
		st->phase = LW_PH_CHILD;
		return 0;
	}
	case LW_PH_CHILD: {
		struct dentry *child = st->found;
		if (!child) {
			st->phase = LW_PH_FAILED; /* not in the dcache */
			return 1;
		}
		struct inode *inode = BPF_CORE_READ(child, d_inode);
		if (inode && lw_name_is(s, st, child)) {
			bool last = st->pos >= st->stop; /* the name itself: a symlink there is not followed */
			if (!last && (BPF_CORE_READ(inode, i_mode) & LW_S_IFMT) == LW_S_IFLNK) {
				if (!lw_follow_link(s, st, child, inode)) {
					st->phase = LW_PH_FAILED;
					return 1;
				}
				st->phase = LW_PH_COMPONENT;
				return 0;
			}
			st->dentry = child;
			st->phase = !last && lw_is_mountpoint(child) ? LW_PH_MOUNT : LW_PH_COMPONENT;
			st->cursor = NULL;
			return 0;
		}
		st->found = lw_next_child(st->dentry, &st->cursor);
		return 0;
	}
	case LW_PH_MOUNT: {
		/* one child mount per step; a mount found starts over on its root (stacked mounts) */
		struct mount *cur = st->mnt;
		struct list_head *head = &cur->mnt_mounts;
		struct list_head *at = st->cursor;
		struct list_head *node = at ? BPF_CORE_READ(at, next) : BPF_CORE_READ(head, next);
		if (!node || node == head) {
			st->phase = LW_PH_COMPONENT; /* mounted in another namespace only */
			return 0;
		}
		st->cursor = node;
		struct mount *child = container_of(node, struct mount, mnt_child);
		if (BPF_CORE_READ(child, mnt_mountpoint) == st->dentry) {
			st->mnt = child;
			st->dentry = BPF_CORE_READ(child, mnt.mnt_root);
			st->cursor = NULL;
		}
		return 0;
	}
	case LW_PH_UP: {
		if (st->dentry == st->root && st->mnt == st->root_mnt) {
			st->phase = LW_PH_COMPONENT;
			return 0;
		}
		struct mount *cur = st->mnt;
		struct dentry *here = st->dentry;
		struct mount *parent = BPF_CORE_READ(cur, mnt_parent);
		if (here == BPF_CORE_READ(cur, mnt.mnt_root) && parent != cur) {
			st->dentry = BPF_CORE_READ(cur, mnt_mountpoint);
			st->mnt = parent;
			return 0; /* again: the mountpoint may be a mount root too */
		}
		st->dentry = BPF_CORE_READ(here, d_parent);
		st->phase = LW_PH_COMPONENT;
		return 0;
	}
	default:
		return 1;
	}
}

/* The last component of the path in s->join (len bytes), trailing slashes left out: returns
 * start | end << 16, or -1 for "/" or an empty path. Global: verified once. */
__noinline int lw_last_component(__u32 len)
{
	struct lw_scratch *s = lw_get_scratch();
	__u32 e = len & LW_PATH_MASK;

	if (!s)
		return -1;
	for (int i = 0; i < 64; i++) {
		if (e <= 1 || s->join[(e - 1) & LW_PATH_MASK] != '/')
			break;
		e--;
	}
	__u32 b = e;
	for (int i = 0; i <= LW_NAME_MAX; i++) {
		if (b == 0 || s->join[(b - 1) & LW_PATH_MASK] == '/')
			break;
		b--;
	}
	if (b >= e || e - b > LW_NAME_MAX)
		return -1;
	return (int)(b | (e << 16));
}

/* Resolves the path in s->join (len bytes) from (base, base_mnt), or from the process's root if
 * it is absolute; parent: only up to the directory holding the last component (else the last
 * component too, a symlink there not followed). The result goes to s->res_dentry, s->res_mnt.
 * Returns 1 if resolved. Global, scalar arguments: verified once. */
__noinline int lw_resolve_path(__u32 len, __u64 base, __u64 base_mnt, __u32 parent)
{
	struct lw_scratch *s = lw_get_scratch();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (!s)
		return 0;
	int leaf = lw_last_component(len);
	if (leaf < 0)
		return 0;
	struct lw_resolve *st = &s->res;
	st->len = len & LW_PATH_MASK;
	st->root = BPF_CORE_READ(task, fs, root.dentry);
	st->root_mnt = container_of(BPF_CORE_READ(task, fs, root.mnt), struct mount, mnt);
	st->phase = LW_PH_COMPONENT;
	st->pos = 0;
	st->links = 0;
	st->cursor = NULL;
	st->found = NULL;
	st->comp = 0;
	st->comp_len = 0;
	st->stop = parent ? (leaf & 0xffff) : ((__u32)leaf >> 16);
	if (s->join[0] == '/') {
		st->dentry = st->root;
		st->mnt = st->root_mnt;
	} else {
		st->dentry = (struct dentry *)(unsigned long)base;
		st->mnt = container_of((struct vfsmount *)(unsigned long)base_mnt, struct mount, mnt);
	}
	bpf_loop(LW_RESOLVE_STEPS, lw_resolve_step, NULL, 0);
	if (st->phase != LW_PH_DONE)
		return 0;
	s->res_dentry = (__u64)(unsigned long)st->dentry;
	struct mount *found_mnt = st->mnt;
	s->res_mnt = (__u64)(unsigned long)&found_mnt->mnt;
	return 1;
}

#endif
