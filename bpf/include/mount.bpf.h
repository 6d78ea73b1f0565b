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
