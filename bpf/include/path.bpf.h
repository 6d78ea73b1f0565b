/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Path resolution without bpf_d_path: a bounded dentry walk that crosses mounts. It works in every
 * hook (file_permission and tracepoints cannot call bpf_d_path; 5.10 refuses it even in file_open)
 * and reports host-absolute paths, also for processes inside a chroot or a container. */
#ifndef LSMWATCH_PATH_BPF_H
#define LSMWATCH_PATH_BPF_H

#include "maps.bpf.h"

#define LW_WALK_MAX_DEPTH 64
#define LW_NAME_MAX 255
#define LW_PATH_MASK (LW_PATH_MAX - 1)
#define LW_AT_FDCWD -100


static __always_inline void lw_inode_key_of(struct inode *inode, struct lw_inode_key *key)
{
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->generation = BPF_CORE_READ(inode, i_generation);
	key->ino = BPF_CORE_READ(inode, i_ino);
}

/* The agent's mark of the inode behind a dentry, or NULL (negative dentries have none). */
static __always_inline struct lw_mark *lw_agent_mark(struct dentry *dentry, struct lw_inode_key *key)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	if (!inode)
		return NULL;
	lw_inode_key_of(inode, key);
	return bpf_map_lookup_elem(&lw_inode_marks, key);
}

/* Resets the backwards path buffer: empty path, NUL at LW_PATH_MAX - 1. */
static __always_inline void lw_walk_reset(struct lw_scratch *s)
{
	s->walk[LW_PATH_MAX - 1] = '\0';
	s->walk_off = LW_PATH_MAX - 1;
	s->prev_off = LW_PATH_MAX - 1;
}

/* Prepends "/name" (name_len bytes read from kernel memory at name). False if it does not fit. */
static __always_inline bool lw_walk_prepend(struct lw_scratch *s, const unsigned char *name, __u32 name_len)
{
	__u32 off = s->walk_off & LW_PATH_MASK;

	if (name_len > LW_NAME_MAX)
		name_len = LW_NAME_MAX;
	barrier_var(name_len); /* keep the mask below on the register the helper gets */
	name_len &= LW_NAME_MAX;
	if (name_len + 1 > off)
		return false; /* longer than LW_PATH_MAX: keep the suffix */
	s->prev_off = off;
	off -= name_len + 1;
	bpf_probe_read_kernel(&s->walk[(off + 1) & LW_PATH_MASK], name_len, name);
	s->walk[off & LW_PATH_MASK] = '/';
	s->walk_off = off;
	return true;
}

/* Watch flags of the entries stored under anchor for the path below it: s->walk from off (a '/')
 * to its NUL. Longest prefix wins; an LW_WATCH_IGNORE entry gives 0. False if no entry matches. */
static __always_inline bool lw_anchor_lookup(__u32 anchor, struct lw_scratch *s, __u32 off, __u32 *watch)
{
	off &= LW_PATH_MASK;
	__u32 n = LW_PATH_MAX - 1 - off; /* the bytes after the '/', the NUL included */

	if (n > LW_WATCH_KEY_MAX)
		n = LW_WATCH_KEY_MAX; /* a longer suffix can only match a directory entry, a prefix */
	/* Checked again on the register passed as the size: with alu32 code the verifier may not
	 * carry the bound of the clamp above over to it. */
	barrier_var(n);
	if (n == 0 || n > LW_WATCH_KEY_MAX)
		return false;
	bpf_probe_read_kernel(s->key.path, n, &s->walk[(off + 1) & LW_PATH_MASK]);
	s->key.anchor = anchor;
	s->key.prefixlen = 32 + n * 8;

	struct lw_watch_value *v = bpf_map_lookup_elem(&lw_watch, &s->key);
	if (!v)
		return false;
	*watch = (v->flags & LW_WATCH_IGNORE) ? (v->flags & LW_WATCH_NAME) : v->flags;
	return true;
}

/* Does the inode at this level of a walk decide the verdict of the name being walked? at_leaf:
 * the level is the name itself (nothing prepended yet); otherwise an ancestor, with the path below
 * it in s->walk from s->walk_off. Order: entries under an anchor are longer than the anchor itself,
 * so they come first; then the agent's root mark; then a positive verdict the kernel computed. */
static __always_inline bool lw_level_decides(struct lw_mark *m, struct lw_inode_key *key, struct lw_scratch *s,
					     bool at_leaf, __u32 *watch)
{
	if (m) {
		if (!at_leaf && (m->flags & LW_MARK_ANCHOR) && lw_anchor_lookup(m->id, s, s->walk_off, watch))
			return true;
		/* prev_off: the path below the child the wildcard stands for; the child itself is an
		 * ancestor of the wildcard's entries (its own name is watched) */
		if (!at_leaf && (m->flags & LW_MARK_WILDCARD)) {
			if ((s->prev_off & LW_PATH_MASK) == LW_PATH_MAX - 1) {
				*watch = LW_WATCH_NAME | ((m->flags & LW_MARK_ROOT) ? m->watch : 0);
				return true;
			}
			if (lw_anchor_lookup(m->id | LW_WILDCARD_ID, s, s->prev_off, watch))
				return true;
		}
		if (m->flags & LW_MARK_ROOT) {
			*watch = m->watch;
			return true;
		}
	}
	struct lw_mark *st = bpf_map_lookup_elem(&lw_sticky_marks, key);
	/* a directory whose own name only is watched (LW_WATCH_NAME) says nothing about its contents */
	if (st && (st->flags & LW_MARK_STICKY) && st->epoch == lw_policy_epoch() &&
	    (at_leaf || (st->watch & (LW_WATCH_WRITE | LW_WATCH_READ)))) {
		*watch = st->watch;
		return true;
	}
	return false;
}

#define LW_DECIDED_SELF 1u
#define LW_DECIDED_NAME 2u
#define LW_DECIDED_BOTH 3u


/* One level of lw_walk_name: the marks of the inode behind dentry, in s->ws. A global function
 * (verified once, on its own): the walk's loop then stays small enough for the verifier to follow
 * all its iterations. Scalars only as arguments, as kernels before 5.12 require. */
__noinline int lw_walk_level(__u64 dentry_ptr, __u32 at_leaf)
{
	struct lw_scratch *s = lw_get_scratch();
	struct dentry *dentry = (struct dentry *)(unsigned long)dentry_ptr;
	struct lw_inode_key key;
	__u32 watch = 0;

	if (!s || !dentry)
		return 0;
	struct lw_walk_state *ws = &s->ws;
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	if (!inode)
		return 0;
	lw_inode_key_of(inode, &key);
	struct lw_mark *m = bpf_map_lookup_elem(&lw_inode_marks, &key);
	if (m && m->id && !ws->anchor) {
		ws->anchor = m->id;
		ws->anchor_at = s->walk_off;
	}
	if (m && m->id && !ws->above && !at_leaf) {
		ws->above = m->id;
		ws->above_at = s->walk_off;
	}
	if (ws->decided != LW_DECIDED_BOTH && lw_level_decides(m, &key, s, at_leaf, &watch)) {
		if (!(ws->decided & LW_DECIDED_SELF))
			ws->self = watch;
		if (!at_leaf && !(ws->decided & LW_DECIDED_NAME))
			ws->name = watch;
		ws->decided |= at_leaf ? LW_DECIDED_SELF : LW_DECIDED_BOTH;
	}
	return 0;
}

/*
 * The one walk: from a name up to the root, crossing mounts, building its path backwards in
 * s->walk (ending at s->walk[LW_PATH_MAX - 1] = '\0'), finding the nearest mark or anchor entry
 * that decides its verdict (for the inode at the name, and for the name alone) and the nearest
 * dentry the agent gave an id. Marks are found through the dentries' inodes, so every name and
 * mount of a marked inode gives the same verdict. seeded: the caller has reset s and prepended a
 * last component that has no dentry (the walk starts at its parent). The walk's variables live in
 * scratch memory so that the verifier can prune loop states (each iteration's offsets differ).
 * A global function: verified once per program, whatever the number of callers; its result is in
 * s->wres (the wrapper lw_walk_name copies it out).
 */
__noinline int lw_walk_run(__u64 dentry_ptr, __u64 vfsmnt_ptr, __u32 seeded)
{
	struct lw_scratch *s = lw_get_scratch();
	struct dentry *dentry = (struct dentry *)(unsigned long)dentry_ptr;
	struct vfsmount *vfsmnt = (struct vfsmount *)(unsigned long)vfsmnt_ptr;

	if (!s)
		return 0;
	struct lw_walk *out = &s->wres;
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	struct lw_walk_state *ws = &s->ws;

	if (!seeded)
		lw_walk_reset(s);
	ws->decided = seeded ? LW_DECIDED_SELF : 0;
	ws->self = 0;
	ws->name = 0;
	ws->anchor = 0;
	ws->anchor_at = 0;
	ws->above = 0;
	ws->above_at = 0;
	ws->truncated = 1;
	for (int i = 0; i < LW_WALK_MAX_DEPTH; i++) {
		__u32 at_leaf = !seeded && (s->walk_off & LW_PATH_MASK) == LW_PATH_MAX - 1;

		lw_walk_level((__u64)(unsigned long)dentry, at_leaf);
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (dentry == mnt_root || dentry == parent) {
			struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

			if (dentry == mnt_root && mnt != mnt_parent) {
				/* top of a mount: continue from where it is mounted */
				dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
				mnt = mnt_parent;
				vfsmnt = &mnt->mnt;
				continue;
			}
			ws->truncated = 0; /* reached the root */
			break;
		}
		if (!lw_walk_prepend(s, BPF_CORE_READ(dentry, d_name.name), BPF_CORE_READ(dentry, d_name.len)))
			break;
		dentry = parent;
	}
	__u32 off = s->walk_off & LW_PATH_MASK;
	__u32 root_at = off;
	if (off == LW_PATH_MAX - 1) {
		off = LW_PATH_MAX - 2;
		s->walk[off] = '/';
		root_at = off + 1; /* the root itself: "/" names it */
	}
	__u32 truncated = ws->truncated;
	out->path.off = off;
	out->path.len = (LW_PATH_MAX - 1 - off) & LW_PATH_MASK;
	out->path.truncated = truncated;
	out->path.anchor = ws->anchor;
	out->path.anchor_off = ws->anchor ? ((ws->anchor_at > root_at ? ws->anchor_at : root_at) - off) & LW_PATH_MASK : 0;
	out->anchor_above = ws->above;
	out->anchor_above_off = ws->above ? ((ws->above_at > root_at ? ws->above_at : root_at) - off) & LW_PATH_MASK : 0;
	/* nothing decided: unwatched if the walk reached the root, watched if it was cut short */
	__u32 undecided = truncated ? LW_WATCH_WRITE : 0;
	out->self = (ws->decided & LW_DECIDED_SELF) ? ws->self : undecided;
	out->name = (ws->decided & LW_DECIDED_NAME) ? ws->name : undecided;
	if (seeded)
		out->self = out->name;
	out->unknown = truncated && (ws->decided & LW_DECIDED_BOTH) != LW_DECIDED_BOTH;
	if (truncated)
		lw_count(LW_STAT_PATH_TRUNCATED);
	if (out->unknown)
		lw_count(LW_STAT_DEPTH_UNKNOWN);
	return 0;
}

/* A kernel pointer as a plain number. A global function takes scalars only, and the verifier keeps
 * the type of a pointer the program got from its context (the path hooks' dentries) through any
 * cast ("R1 is not a scalar" on 6.1): copied through the stack by a helper, it is a number. */
static __always_inline __u64 lw_as_scalar(const void *ptr)
{
	__u64 value = 0;

	bpf_probe_read_kernel(&value, sizeof(value), &ptr);
	return value;
}

static __always_inline void lw_walk_name(struct dentry *dentry, struct vfsmount *vfsmnt, struct lw_scratch *s,
					 struct lw_walk *out, bool seeded)
{
	lw_walk_run(lw_as_scalar(dentry), lw_as_scalar(vfsmnt), seeded);
	*out = s->wres;
}

/* The two layouts of a superblock's mounts: a list through mnt_instance (oldest first) before
 * Linux 6.16, a chain through mnt_next_for_sb (newest first) since. */
struct super_block___lw_list {
	struct list_head s_mounts;
} __attribute__((preserve_access_index));
struct mount___lw_list {
	struct list_head mnt_instance;
} __attribute__((preserve_access_index));
struct mount___lw_chain {
	struct mount___lw_chain *mnt_next_for_sb;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));
struct super_block___lw_chain {
	struct mount___lw_chain *s_mounts;
} __attribute__((preserve_access_index));

#define LW_SB_MOUNTS_MAX 16

/* A mount to name a dentry through where the hook has none (inode_setxattr): the task's root mount when the dentry
 * is on its file system (/etc, /usr, /root on most systems), else the superblock's first mount.
 * Only the record's name depends on the choice, not the verdict (lw_handle_meta); the agent's
 * watched name (the anchor) is exact either way. NULL: named from its file system's root. */
static __always_inline struct vfsmount *lw_mount_for_naming(struct dentry *dentry)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct vfsmount *root = BPF_CORE_READ(task, fs, root.mnt);
	struct super_block *sb = BPF_CORE_READ(dentry, d_sb);

	if (root && BPF_CORE_READ(root, mnt_sb) == sb)
		return root;
	if (bpf_core_field_exists(struct mount___lw_list, mnt_instance)) {
		struct super_block___lw_list *l = (void *)sb;
		struct list_head *first = BPF_CORE_READ(l, s_mounts.next);
		if (!first || first == &l->s_mounts)
			return NULL;
		struct mount *m = (void *)first - bpf_core_field_offset(struct mount___lw_list, mnt_instance);
		return &m->mnt;
	}
	if (bpf_core_field_exists(struct super_block___lw_chain, s_mounts)) {
		struct mount___lw_chain *m = BPF_CORE_READ((struct super_block___lw_chain *)sb, s_mounts);
		for (int i = 0; i < LW_SB_MOUNTS_MAX && m; i++) {
			struct mount___lw_chain *older = BPF_CORE_READ(m, mnt_next_for_sb);
			if (!older)
				break;
			m = older;
		}
		return m ? &m->mnt : NULL;
	}
	return NULL;
}

/* The path only (the guard's denial records, the tracepoint sensor's string fallback). */
static __always_inline void lw_walk_dentries(struct dentry *dentry, struct vfsmount *vfsmnt, struct lw_scratch *s,
					     struct lw_walked_path *out)
{
	struct lw_walk w = {};

	lw_walk_name(dentry, vfsmnt, s, &w, false);
	*out = w.path;
}

/* The struct file behind a descriptor of the current task, or NULL. */
static __always_inline struct file *lw_file_from_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if (fd < 0 || fd >= max_fds)
		return NULL;
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	return file;
}

/* Absolute path for a (dirfd, user pathname) pair, as the kernel would resolve it, written to
 * s->join starting at offset 0. Relative names are joined to the cwd or to dirfd's path; "." and
 * ".." components are left for user space to normalise. Returns the length, or -1. */
static __always_inline int lw_resolve_user_path(long dirfd, const char *upath, struct lw_scratch *s,
						__u32 *truncated)
{
	char first = 0;
	__u32 base_len = 0;

	*truncated = 0;
	if (bpf_probe_read_user(&first, 1, upath) < 0)
		return -1;
	if (first != '/') {
		struct lw_walked_path base = {};
		struct dentry *dentry;
		struct vfsmount *mnt;

		if (dirfd == LW_AT_FDCWD) {
			struct task_struct *task = (struct task_struct *)bpf_get_current_task();

			dentry = BPF_CORE_READ(task, fs, pwd.dentry);
			mnt = BPF_CORE_READ(task, fs, pwd.mnt);
		} else {
			struct file *dir = lw_file_from_fd(dirfd);

			if (!dir)
				return -1;
			dentry = BPF_CORE_READ(dir, f_path.dentry);
			mnt = BPF_CORE_READ(dir, f_path.mnt);
		}
		lw_walk_dentries(dentry, mnt, s, &base);
		*truncated = base.truncated;
		base_len = base.len;
		if (base_len > LW_PATH_MAX - 2)
			return -1;
		bpf_probe_read_kernel(s->join, base_len & LW_PATH_MASK, &s->walk[base.off & LW_PATH_MASK]);
		if (base_len != 1) /* not "/" */
			s->join[base_len++ & LW_PATH_MASK] = '/';
	}
	long n = bpf_probe_read_user_str(&s->join[base_len & LW_PATH_MASK], LW_PATH_MAX, upath);
	if (n <= 0)
		return -1;
	__u32 len = base_len + (__u32)n - 1;
	if (len > LW_PATH_MAX - 1) {
		len = LW_PATH_MAX - 1;
		*truncated = 1;
		s->join[LW_PATH_MAX - 1] = '\0';
	}
	return len;
}

#endif
