/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Mounts, for both sensors: a mount, move or unmount changes what every name below its mount
 * point shows (a tmpfs over /etc/cron.d hides the real files and shows others), so it is judged at
 * the mount point, the name in the mount below: reported if that name is watched, lies in a watched
 * tree, or is an ancestor of watch entries (a mount over /etc hides /etc/shadow). */
#ifndef LSMWATCH_MOUNT_BPF_H
#define LSMWATCH_MOUNT_BPF_H

#include "record.bpf.h"

/* Mounts stacked on one name that the step down below follows (each is one mount deeper). */
#define LW_MOUNT_STACK_MAX 8

/* If dentry is the root of a mount, the name that mount sits on, down through stacked mounts to
 * the first name that is not a mount root (or the namespace's root). The target a hook or a
 * lookup hands over is the top of the stack: mounting on /etc twice gives the first one's root. */
static __always_inline void lw_mount_point_of(struct dentry **dentry, struct vfsmount **vfsmnt)
{
	for (int i = 0; i < LW_MOUNT_STACK_MAX; i++) {
		struct mount *m = container_of(*vfsmnt, struct mount, mnt);
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);

		if (*dentry != BPF_CORE_READ(*vfsmnt, mnt_root) || parent == m)
			return;
		*dentry = BPF_CORE_READ(m, mnt_mountpoint);
		*vfsmnt = &parent->mnt;
	}
}

/* The watch flags a mount at this mount point is judged by (walked into s, the name in w). */
static __always_inline __u32 lw_mount_watch(struct dentry *dentry, struct vfsmount *mnt, struct lw_scratch *s,
					    struct lw_walk *w)
{
	struct lw_inode_key key;
	struct lw_mark *m;

	lw_walk_name(dentry, mnt, s, w, false);
	m = lw_agent_mark(dentry, &key);
	return w->self | w->name | (m && (m->flags & (LW_MARK_ANCHOR | LW_MARK_WILDCARD)) ? LW_WATCH_NAME : 0);
}

/* Children of one mount looked at, newest first, to find the one a mount just attached. */
#define LW_MOUNT_CHILD_SCAN 16

/* The mount most recently attached on dentry of parent, or NULL: attaching adds a mount at the tail
 * of its parent's mnt_mounts (__attach_mnt), so the newest is found first. */
static __always_inline struct mount *lw_mount_child_on(struct mount *parent, struct dentry *dentry)
{
	struct list_head *head = __builtin_preserve_access_index(&parent->mnt_mounts);
	struct list_head *pos = BPF_CORE_READ(parent, mnt_mounts.prev);

	for (int i = 0; i < LW_MOUNT_CHILD_SCAN; i++) {
		if (!pos || pos == head)
			return NULL;
		struct mount *c = container_of(pos, struct mount, mnt_child);
		if (BPF_CORE_READ(c, mnt_mountpoint) == dentry)
			return c;
		pos = BPF_CORE_READ(pos, prev);
	}
	return NULL;
}

/*
 * After a bind or a move succeeded: the watch flags of what is now mounted on (vfsmnt, dentry), the
 * mount point as it was before the operation. A bind's root is its source's dentry and a moved
 * mount keeps its root, so a watched tree bound or moved to an unwatched name is found by its
 * marks (every watched directory is marked), whatever name the caller gave, and after the kernel
 * resolved it: no string is judged and there is no window between a check and the use. Every
 * mount stacked on the mount point is judged (one mounted beneath the others is not the top).
 * If nothing is found there (more mounts were attached to the same parent since, or it is gone
 * already), it is judged watched to be safe: a race cannot hide it.
 */
static __always_inline __u32 lw_mounted_source_watch(struct vfsmount *vfsmnt, struct dentry *dentry,
						     struct lw_scratch *s)
{
	struct mount *m = container_of(vfsmnt, struct mount, mnt);
	struct lw_walk w = {};
	__u32 watch = 0;

	for (int i = 0; i < LW_MOUNT_STACK_MAX; i++) {
		struct mount *c = lw_mount_child_on(m, dentry);

		if (!c) {
			if (i == 0)
				return LW_WATCH_NAME;
			break;
		}
		dentry = BPF_CORE_READ(c, mnt.mnt_root);
		watch |= lw_mount_watch(dentry, __builtin_preserve_access_index(&c->mnt), s, &w);
		m = c;
	}
	return watch;
}

/* mount(2) flags that put a tree that already has a name somewhere else (not with MS_REMOUNT,
 * which changes a bind's flags only) */
#define LW_MS_REMOUNT 0x20
#define LW_MS_BIND 0x1000
#define LW_MS_MOVE 0x2000

static __always_inline bool lw_mount_moves_a_tree(__u32 op, __u32 flags)
{
	if (op == LW_MOUNT_MOVE)
		return true;
	return op == LW_MOUNT_MOUNT && (flags & (LW_MS_BIND | LW_MS_MOVE)) && !(flags & LW_MS_REMOUNT);
}

/* Begins an LW_REC_MOUNT record at the mount point's name; fstype: a kernel string or NULL. */
static __always_inline __u32 lw_mount_record_begin(struct lw_record_buf *r, __u32 flags, struct dentry *dentry,
						   const struct lw_walk *w, struct lw_scratch *s, __u32 op,
						   __u32 mount_flags, const char *fstype)
{
	struct lw_mount_record *mr = (void *)r->data;
	__u32 end = lw_file_record_begin_at(r, sizeof(*mr), LW_REC_MOUNT,
					    flags | (w->path.truncated ? LW_F_PATH_TRUNCATED : 0),
					    BPF_CORE_READ(dentry, d_inode), 0, &s->walk[w->path.off & LW_PATH_MASK],
					    w->path.len);

	lw_file_record_anchor(r, &w->path, false);
	mr->mount.op = op;
	mr->mount.flags = mount_flags;
	__builtin_memset(mr->mount.fstype, 0, LW_FSTYPE_LEN);
	if (fstype)
		bpf_probe_read_kernel_str(mr->mount.fstype, LW_FSTYPE_LEN, fstype);
	return end;
}

/* The type of the file system a mount holds ("tmpfs", "ext4"). */
static __always_inline const char *lw_fstype_of(struct vfsmount *mnt)
{
	return BPF_CORE_READ(mnt, mnt_sb, s_type, name);
}

#endif
