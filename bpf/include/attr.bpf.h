/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Metadata changes of watched files and directories: chmod, chown, utimes, truncate (one
 * LW_REC_SETATTR record per operation, with the new values) and extended attributes (LW_REC_XATTR,
 * with the attribute's name). Both sensors call lw_handle_attr / lw_handle_xattr with the name the
 * operation acted on; an unwatched inode costs one verdict lookup. */
#ifndef LSMWATCH_ATTR_BPF_H
#define LSMWATCH_ATTR_BPF_H

#include "record.bpf.h"

/* UTIME_NOW / UTIME_OMIT in a timespec's tv_nsec (utimensat) */
#define LW_UTIME_NOW ((1l << 30) - 1l)
#define LW_UTIME_OMIT ((1l << 30) - 2l)

struct lw_timespec {
	__s64 sec;
	__s64 nsec;
};

/* The two timespecs utimensat and vfs_utimes take (NULL: both now) into attr. */
static __always_inline void lw_attr_times(struct lw_attr *a, const struct lw_timespec *t)
{
	a->op = LW_ATTR_UTIMES;
	if (!t) {
		a->valid |= LW_ATTR_V_ATIME_NOW | LW_ATTR_V_MTIME_NOW;
		return;
	}
	if (t[0].nsec == LW_UTIME_NOW) {
		a->valid |= LW_ATTR_V_ATIME_NOW;
	} else if (t[0].nsec != LW_UTIME_OMIT) {
		a->valid |= LW_ATTR_V_ATIME;
		a->atime_sec = t[0].sec;
		a->atime_nsec = t[0].nsec;
	}
	if (t[1].nsec == LW_UTIME_NOW) {
		a->valid |= LW_ATTR_V_MTIME_NOW;
	} else if (t[1].nsec != LW_UTIME_OMIT) {
		a->valid |= LW_ATTR_V_MTIME;
		a->mtime_sec = t[1].sec;
		a->mtime_nsec = t[1].nsec;
	}
}

/* What a metadata change sets: new attributes (LW_REC_SETATTR: attr), or one extended attribute
 * (LW_REC_XATTR: xattr, and its name in kernel memory; the value is never read); or a shared
 * writable mapping (LW_REC_MMAP: mmap), which is no metadata but is judged and named the same way. */
struct lw_meta_change {
	const struct lw_attr *attr;
	const struct lw_xattr *xattr;
	const char *xattr_name;
	const struct lw_mmap *mmap;
};

/* Emits the record of a metadata change whose path is already known (s->walk from w, or a string
 * of the tracepoint sensor's fallback). */
static __always_inline void lw_emit_meta(struct lw_record_buf *r, __u32 flags, struct inode *inode, const char *path,
					 __u32 path_len, const struct lw_walked_path *wp, const struct lw_meta_change *c)
{
	__u32 fixed = c->xattr  ? sizeof(struct lw_xattr_record)
		      : c->mmap ? sizeof(struct lw_mmap_record)
				: sizeof(struct lw_attr_record);
	__u16 type = c->xattr ? LW_REC_XATTR : c->mmap ? LW_REC_MMAP : LW_REC_SETATTR;
	__u32 end = lw_file_record_begin_at(r, fixed, type, flags, inode, 0, path, path_len);

	if (wp)
		lw_file_record_anchor(r, wp, false);
	if (c->mmap) {
		struct lw_mmap_record *mr = (void *)r->data;
		__builtin_memcpy(&mr->mmap, c->mmap, sizeof(mr->mmap));
		mr->mmap._pad0 = 0;
	} else if (c->xattr) {
		struct lw_xattr_record *xr = (void *)r->data;
		__builtin_memcpy(&xr->xattr, c->xattr, sizeof(xr->xattr));
		xr->xattr._pad0 = 0;
		end = lw_file_record_add_xattr_name(r, end, c->xattr_name);
	} else {
		struct lw_attr_record *ar = (void *)r->data;
		__builtin_memcpy(&ar->attr, c->attr, sizeof(ar->attr));
		ar->attr._pad0 = 0;
	}
	lw_emit(r, lw_record_finish(r, end));
}

/* A metadata change of inode, the one behind (dentry, mnt); under LSM a pointer the verifier trusts
 * (read by direct access from the hook's arguments: inode storage needs one). Reported where its
 * verdict says watched: the cached one if it can be trusted (the unwatched path ends there), else
 * a walk. mnt may be NULL (inode_setxattr has none): a mount of its superblock is found for the
 * name (lw_mount_for_naming, else the file system's root names it), and the verdict is the same, because every watch entry has an anchor (a
 * marked ancestor) inside its own file system, which the walk meets before it could leave it. */
static __always_inline void lw_handle_meta(struct dentry *dentry, struct inode *inode, struct vfsmount *mnt,
					   const struct lw_meta_change *c, __u32 flags)
{
	struct lw_walk w = {};
	__u32 watch = 0;

	if (!inode || lw_is_agent())
		return;
	lw_count(LW_STAT_SEEN);
	struct lw_verdict_state *st = lw_verdict_state();
	__u64 generation = st ? st->generation : 0;
	bool trusted = lw_trusted_verdict(inode, st, &watch);
	if (trusted && !(watch & LW_WATCH_WRITE)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return;
	if (!mnt)
		mnt = lw_mount_for_naming(dentry); /* past the unwatched fast path: only for what may be reported */
	lw_walk_name(dentry, mnt, s, &w, false);
	if (!trusted)
		watch = lw_learn_verdict(inode, &w, generation);
	if (!(watch & LW_WATCH_WRITE)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	flags |= (w.path.truncated ? LW_F_PATH_TRUNCATED : 0) | (!trusted && w.unknown ? LW_F_DEPTH_UNKNOWN : 0);
	lw_emit_meta(r, flags, inode, &s->walk[w.path.off & LW_PATH_MASK], w.path.len, &w.path, c);
}

static __always_inline void lw_handle_attr(struct dentry *dentry, struct inode *inode, struct vfsmount *mnt,
					   const struct lw_attr *a, __u32 flags)
{
	struct lw_meta_change c = { .attr = a };
	lw_handle_meta(dentry, inode, mnt, &c, flags);
}

static __always_inline void lw_handle_xattr(struct dentry *dentry, struct inode *inode, struct vfsmount *mnt,
					    const struct lw_xattr *x, const char *name, __u32 flags)
{
	struct lw_meta_change c = { .xattr = x, .xattr_name = name };
	lw_handle_meta(dentry, inode, mnt, &c, flags);
}

/* PROT_WRITE, and MAP_SHARED's bit (MAP_SHARED_VALIDATE has it too; MAP_PRIVATE does not) */
#define LW_PROT_WRITE 0x2
#define LW_MAP_SHARED 0x1
#define LW_MAP_ANONYMOUS 0x20

/* A shared writable mapping of a file (m: the mapping as asked for). A read-only or private
 * mapping returns before any lookup; a writable shared one of an unwatched inode costs the
 * verdict lookup. */
static __always_inline void lw_handle_mmap(struct file *file, struct inode *inode, const struct lw_mmap *m)
{
	if (!(m->prot & LW_PROT_WRITE) || !(m->flags & LW_MAP_SHARED) || !file)
		return;
	struct lw_meta_change c = { .mmap = m };
	lw_handle_meta(BPF_CORE_READ(file, f_path.dentry), inode, BPF_CORE_READ(file, f_path.mnt), &c, 0);
}

#endif
