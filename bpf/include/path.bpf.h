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

struct lw_walked_path {
	__u32 off;       /* first byte of the path in the buffer */
	__u32 len;       /* bytes, without the NUL at LW_PATH_MAX - 1 */
	__u32 truncated; /* deeper than LW_WALK_MAX_DEPTH or longer than LW_PATH_MAX: a suffix only */
};

/* Writes the absolute path of (dentry, vfsmnt) backwards into s->walk so that it ends at
 * s->walk[LW_PATH_MAX - 1] = '\0'. The write offset lives in map memory, not in a register: the
 * verifier then treats it as an unknown (masked) scalar and can prune loop states, instead of
 * exploring every offset range separately (which exceeds the 1M-instruction limit). */
static __always_inline void lw_walk_dentries(struct dentry *dentry, struct vfsmount *vfsmnt,
					     struct lw_scratch *s, struct lw_walked_path *out)
{
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	__u32 truncated = 1;

	s->walk[LW_PATH_MAX - 1] = '\0';
	s->walk_off = LW_PATH_MAX - 1;
	for (int i = 0; i < LW_WALK_MAX_DEPTH; i++) {
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
			truncated = 0; /* reached the root */
			break;
		}

		__u32 name_len = BPF_CORE_READ(dentry, d_name.len);
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		__u32 off = s->walk_off & LW_PATH_MASK;

		if (name_len > LW_NAME_MAX)
			name_len = LW_NAME_MAX;
		if (name_len + 1 > off)
			break; /* longer than LW_PATH_MAX: keep the suffix */
		off -= name_len + 1;
		bpf_probe_read_kernel(&s->walk[(off + 1) & LW_PATH_MASK], name_len & LW_NAME_MAX, name);
		s->walk[off & LW_PATH_MASK] = '/';
		s->walk_off = off;
		dentry = parent;
	}
	__u32 off = s->walk_off & LW_PATH_MASK;
	if (off == LW_PATH_MAX - 1) {
		off = LW_PATH_MAX - 2;
		s->walk[off] = '/';
	}
	out->off = off;
	out->len = (LW_PATH_MAX - 1 - off) & LW_PATH_MASK;
	out->truncated = truncated;
	if (truncated)
		lw_count(LW_STAT_PATH_TRUNCATED);
}

static __always_inline void lw_walk_file(struct file *file, struct lw_scratch *s, struct lw_walked_path *out)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *mnt = BPF_CORE_READ(file, f_path.mnt);

	lw_walk_dentries(dentry, mnt, s, out);
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

/* Watch flags for a path: longest-prefix match in lw_watch. An LW_WATCH_IGNORE entry wins over a
 * shorter watched prefix. path points at len bytes followed by a NUL. */
static __always_inline __u32 lw_watch_flags(const char *path, __u32 len, struct lw_watch_key *key)
{
	__u32 n = len + 1; /* the NUL takes part so that exact-file entries match only themselves */

	if (n > LW_WATCH_KEY_MAX)
		n = LW_WATCH_KEY_MAX;
	/* Checked again on the register passed as the size: with alu32 code the verifier may not
	 * carry the bound of the clamp above over to it. */
	barrier_var(n);
	if (n > LW_WATCH_KEY_MAX)
		return 0;
	bpf_probe_read_kernel(key->path, n, path);
	key->prefixlen = n * 8;

	struct lw_watch_value *v = bpf_map_lookup_elem(&lw_watch, key);
	if (!v || (v->flags & LW_WATCH_IGNORE))
		return 0;
	return v->flags;
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
