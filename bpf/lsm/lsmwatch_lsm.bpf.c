// SPDX-License-Identifier: GPL-2.0-only
/* The LSM sensor: sees file opens, writes, renames, unlinks and ptrace access checks, and can deny
 * ptrace (forbid-ptrace, a run-time flag in lw_settings_map) and, under --protect, what would tamper
 * with the agent (guard.bpf.h). Every program returns early when an earlier LSM already denied
 * (ret != 0) and never changes a decision except to deny. Signals to the agent and its cgroup moves
 * are also observed by tracepoints (agent_events.bpf.h, via guard.bpf.h). */
#define LW_INODE_STORAGE 1 /* marks and cached verdicts live in BPF inode storage (verdict.bpf.h) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "record.bpf.h"
#include "inflight.bpf.h"
#include "process.bpf.h"
#include "attr.bpf.h"
#include "mount.bpf.h"

#include "lsm_common.bpf.h"
#include "guard.bpf.h"
#include "ptrace_walk.bpf.h"
#include "variants.bpf.h"

#define LW_RENAME_EXCHANGE (1 << 1)

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(lw_lsm_file_open, struct file *file, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (lw_guard_file_open(file))
		return -LW_EPERM;
	lw_handle_open(file, LW_FILE_INODE(file));
	return 0;
}

/* aggregate: fold writes in the kernel (BPF atomics); false in the __no_atomics variant */
static __always_inline int lw_file_permission(struct file *file, int mask, int ret, const bool aggregate)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (!(mask & (LW_MAY_WRITE | LW_MAY_APPEND)))
		return 0;
	if (lw_guard_file_write(file))
		return -LW_EPERM;
	if (aggregate)
		lw_handle_write(file, LW_FILE_INODE(file), 0);
	else
		lw_handle_write_each(file, LW_FILE_INODE(file), 0);
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(lw_lsm_file_permission, struct file *file, int mask, int ret)
{
	return lw_file_permission(file, mask, ret, true);
}

/* The variant for kernels without BPF atomic fetch/xchg (before 5.12), picked by the agent at load
 * time: no write aggregation, so lw_lsm_file_free and lw_flush_writes_prog are left out there too. */
SEC("lsm/file_permission")
int BPF_PROG(lw_lsm_file_permission__no_atomics, struct file *file, int mask, int ret)
{
	return lw_file_permission(file, mask, ret, false);
}

/* The last reference to a file is gone: report the writes still pending for it. No one can write
 * through it any more, so the entry is dropped too. A void hook: the return value is ignored. */
SEC("lsm/file_free_security")
int BPF_PROG(lw_lsm_file_free, struct file *file)
{
	lw_handle_close(file, true);
	return 0;
}

/* Not attached: the agent runs it (BPF_PROG_TEST_RUN) to flush quiet files; args[0] = lw_flush_mode. */
/* Not attached: the agent runs it (BPF_PROG_TEST_RUN) to mark an inode; args: enum lw_mark_arg. */
SEC("raw_tp")
int lw_mark_fd_prog(struct bpf_raw_tracepoint_args *ctx)
{
	return lw_mark_fd(ctx->args);
}

SEC("raw_tp")
int lw_flush_writes_prog(struct bpf_raw_tracepoint_args *ctx)
{
	return lw_flush_writes(ctx->args[0]);
}

/* Kernels without BPF atomic fetch (before 5.12) load lw_lsm_file_permission__no_atomics, which
 * aggregates nothing: nothing to flush or to report at the last close there. */
LW_OPTIONAL_PROGRAM(lw_lsm_file_free)
LW_OPTIONAL_PROGRAM(lw_flush_writes_prog)

/* ---- renames, unlinks, rmdirs, links: names of watched inodes and of their ancestors ----
 *
 * The path hooks run before the operation. They mark what the operation makes watched (rule 5 of
 * verdict.bpf.h) and build the record; on kernels with bpf_get_func_ret (5.17+) the record waits
 * for the fexit of vfs_rename / vfs_unlink / vfs_rmdir and goes out only if the operation
 * succeeded, so a refused rename (EACCES, ENOTEMPTY) is not reported as done.
 *
 * A plain hash, not an LRU: an LRU evicts entries of other threads (early, from its per-CPU free
 * lists, under concurrency) and a record evicted there is lost uncounted. Here a record that
 * finds the map full goes out at once instead, as on kernels without the fexit programs. An entry
 * whose fexit never comes (a later LSM refused the operation) is replaced by its thread's next one. */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lw_record_buf);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lw_pending_path_op SEC(".maps");

/* Load-time: the fexit programs below are loaded (bpf_get_func_arg/ret exist, 5.17+, and so do
 * vfs_rename, vfs_unlink and vfs_rmdir). Otherwise records go out from the path hooks. */
const volatile __u32 lw_post_op_records = 0;

static __always_inline bool lw_post_op(void)
{
	return lw_post_op_records != 0;
}

/* The agent's mark says this inode is an ancestor of watch entries (or a wildcard's parent). */
static __always_inline bool lw_is_anchor(struct dentry *dentry)
{
	struct lw_inode_key key;
	struct lw_mark *m = lw_agent_mark(dentry, &key);
	return m && (m->flags & (LW_MARK_ANCHOR | LW_MARK_WILDCARD));
}

static __always_inline bool lw_is_dir(struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	return inode && (BPF_CORE_READ(inode, i_mode) & LW_S_IFMT) == LW_S_IFDIR;
}

/* Marks the inode behind moving as watched (rule 5 of verdict.bpf.h), before the operation. */
static __always_inline void lw_mark_moving(struct dentry *moving, __u32 watch, __u64 generation)
{
	struct inode *inode = moving->d_inode;

	if (watch && inode)
		lw_remember_verdict(inode, watch, generation);
}

static __always_inline int lw_handle_path_op(__u16 type, const struct path *dir, struct dentry *dentry,
					     const struct path *dir2, struct dentry *dentry2, __u32 rename_flags)
{
	struct lw_walk w = {};

	if (lw_is_agent())
		return 0;
	/* --protect: the agent's files may not be renamed, replaced by a rename, or unlinked */
	if (lw_protecting() &&
	    (lw_inode_protected(BPF_CORE_READ(dentry, d_inode)) ||
	     (dentry2 && lw_inode_protected(BPF_CORE_READ(dentry2, d_inode))))) {
		lw_report_denied_file(type, dentry, BPF_CORE_READ(dir, mnt), BPF_CORE_READ(dentry, d_inode), 0);
		return -LW_EPERM;
	}
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return 0;
	lw_count(LW_STAT_SEEN);
	struct lw_verdict_state *st = lw_verdict_state();
	__u64 generation = st ? st->generation : 0;

	/* the existing name: what is there (its identity) and the name itself (an anchor's too) */
	lw_walk_name(dentry, BPF_CORE_READ(dir, mnt), s, &w, false);
	__u32 watch = w.self | w.name | (lw_is_anchor(dentry) ? LW_WATCH_NAME : 0);
	__u32 old_name = w.name;
	__u32 unknown = w.unknown;
	__u32 flags = (w.path.truncated ? LW_F_PATH_TRUNCATED : 0) | ((rename_flags & LW_RENAME_EXCHANGE) ? LW_F_EXCHANGE : 0);
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	__u32 end = lw_file_record_begin(r, type, flags, inode, rename_flags, &s->walk[w.path.off & LW_PATH_MASK],
					 w.path.len);
	lw_file_record_anchor(r, &w.path, false);

	if (dentry2) {
		/* the new name: what it makes of the moving inode, and what it replaces */
		lw_walk_name(dentry2, BPF_CORE_READ(dir2, mnt), s, &w, false);
		watch |= w.self | w.name | (lw_is_anchor(dentry2) ? LW_WATCH_NAME : 0);
		unknown |= w.unknown;
		lw_mark_moving(dentry, w.name, generation);
		if (rename_flags & LW_RENAME_EXCHANGE)
			lw_mark_moving(dentry2, old_name, generation);
		if (w.path.truncated)
			((struct lw_header *)r->data)->flags |= LW_F_PATH2_TRUNCATED;
		end = lw_file_record_add_path2(r, end, &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
		struct lw_walked_path above = { .anchor = w.anchor_above, .anchor_off = w.anchor_above_off };
		lw_file_record_anchor(r, &above, true);
	}
	if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		lw_count(LW_STAT_FILTERED);
		return 0;
	}
	if (unknown)
		((struct lw_header *)r->data)->flags |= LW_F_DEPTH_UNKNOWN;
	lw_record_finish(r, end);
	if (!lw_post_op()) {
		lw_emit(r, ((struct lw_header *)r->data)->size);
		return 0;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	((struct lw_file_record *)r->data)->bytes = lw_as_scalar(dentry); /* matched at fexit, cleared then */
	if (bpf_map_update_elem(&lw_pending_path_op, &tid, r, BPF_ANY) != 0)
		lw_emit(r, ((struct lw_header *)r->data)->size); /* cannot wait: report now */
	return 0;
}

/* The operation on dentry finished with ret: report it if it succeeded. */
static __always_inline void lw_path_op_done(struct dentry *dentry, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_record_buf *r = bpf_map_lookup_elem(&lw_pending_path_op, &tid);
	struct lw_file_record *fr;

	if (!r)
		return;
	fr = (void *)r->data;
	if (fr->bytes != lw_as_scalar(dentry))
		return; /* an inner operation (overlayfs on its upper layer): the outer one ends later */
	fr->bytes = 0;
	if (ret == 0)
		lw_emit(r, fr->hdr.size);
	else
		lw_count(LW_STAT_FILTERED); /* refused or failed: nothing changed */
	bpf_map_delete_elem(&lw_pending_path_op, &tid);
}

SEC("lsm/path_rename")
int BPF_PROG(lw_lsm_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	/* A directory gets new ancestors for its whole subtree: rule 4 (ends at fexit or sys_exit). */
	lw_op_begin(lw_as_scalar(old_dentry), lw_is_dir(old_dentry) || lw_is_dir(new_dentry));
	return lw_verdict(lw_handle_path_op(LW_REC_RENAME, old_dir, old_dentry, new_dir, new_dentry, flags));
}

/* Before Linux 5.19 the hook has no flags argument (ret is then the fifth): loaded where the verifier
 * refuses the one above. */
SEC("lsm/path_rename")
int BPF_PROG(lw_lsm_path_rename__no_flags, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_op_begin(lw_as_scalar(old_dentry), lw_is_dir(old_dentry) || lw_is_dir(new_dentry));
	return lw_verdict(lw_handle_path_op(LW_REC_RENAME, old_dir, old_dentry, new_dir, new_dentry, 0));
}

SEC("lsm/path_unlink")
int BPF_PROG(lw_lsm_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_verdict(lw_handle_path_op(LW_REC_UNLINK, dir, dentry, NULL, NULL, 0));
}

SEC("lsm/path_rmdir")
int BPF_PROG(lw_lsm_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_verdict(lw_handle_path_op(LW_REC_RMDIR, dir, dentry, NULL, NULL, 0));
}

/* ---- names made where a watch entry covers them: link, symlink, mknod, mkdir. The path hooks run
 * once the kernel found the name free (filename_create) and before the operation; the record goes
 * out from the hook (LW_F_BEFORE_OP), since what can still refuse it then (a permission or quota
 * check of the file system) is rare and the fexits of vfs_mkdir and friends change signature
 * across the kernels we load on. path = the new name; a link's path2 = the existing name, a
 * symlink's = its target text. ---- */

#define LW_S_IFLNK 0120000

/* existing: a link's inode, which also becomes watched if its new name is (rule 5 of verdict.bpf.h) */
static __always_inline void lw_handle_create(__u16 type, const struct path *dir, struct dentry *dentry,
					     struct dentry *existing, const char *target, __u32 mode, __u32 rdev)
{
	struct lw_walk w = {};

	if (lw_is_agent())
		return;
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return;
	lw_count(LW_STAT_SEEN);
	struct lw_verdict_state *st = lw_verdict_state();
	__u64 generation = st ? st->generation : 0;
	struct vfsmount *mnt = BPF_CORE_READ(dir, mnt);
	struct lw_file_record *fr = (void *)r->data;

	lw_walk_name(dentry, mnt, s, &w, false);
	__u32 watch = w.name | (lw_is_anchor(dentry) ? LW_WATCH_NAME : 0);
	__u32 unknown = w.unknown;
	__u32 end = lw_file_record_begin(r, type, LW_F_BEFORE_OP | (w.path.truncated ? LW_F_PATH_TRUNCATED : 0), NULL, 0,
					 &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
	lw_file_record_anchor(r, &w.path, false);
	fr->mode = mode;
	fr->rdev = rdev;
	if (existing) {
		struct inode *inode = existing->d_inode;
		lw_mark_moving(existing, w.name, generation);
		/* its existing name: a watched file linked to an unwatched name is reported too */
		lw_walk_name(existing, mnt, s, &w, false);
		watch |= w.self | w.name;
		unknown |= w.unknown;
		if (inode) {
			fr->ino = BPF_CORE_READ(inode, i_ino);
			fr->dev = BPF_CORE_READ(inode, i_sb, s_dev);
			fr->mode = BPF_CORE_READ(inode, i_mode);
		}
		if (w.path.truncated)
			fr->hdr.flags |= LW_F_PATH2_TRUNCATED;
		end = lw_file_record_add_path2(r, end, &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
		lw_file_record_anchor(r, &w.path, true);
	} else if (target) {
		long n = bpf_probe_read_kernel_str(s->join, LW_PATH_MAX, target);
		end = lw_file_record_add_path2(r, end, s->join, n > 0 ? n - 1 : 0);
	}
	if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	if (unknown)
		fr->hdr.flags |= LW_F_DEPTH_UNKNOWN;
	lw_emit(r, lw_record_finish(r, end));
}

SEC("lsm/path_link")
int BPF_PROG(lw_lsm_path_link, struct dentry *old_dentry, const struct path *new_dir, struct dentry *new_dentry,
	     int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_handle_create(LW_REC_LINK, new_dir, new_dentry, old_dentry, NULL, 0, 0);
	return 0;
}

SEC("lsm/path_symlink")
int BPF_PROG(lw_lsm_path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_handle_create(LW_REC_SYMLINK, dir, dentry, NULL, old_name, LW_S_IFLNK | 0777, 0);
	return 0;
}

/* Also called for every open(O_CREAT) that makes a file (may_o_create), with S_IFREG: regular
 * files are left to the open (a mknod(2) of one is seen at its first open). */
SEC("lsm/path_mknod")
int BPF_PROG(lw_lsm_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode, unsigned int dev,
	     int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (!lw_is_special_mode(mode))
		return 0;
	lw_handle_create(LW_REC_MKNOD, dir, dentry, NULL, NULL, mode, dev);
	return 0;
}

SEC("lsm/path_mkdir")
int BPF_PROG(lw_lsm_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_handle_create(LW_REC_MKDIR, dir, dentry, NULL, NULL, LW_S_IFDIR | (mode & 07777), 0);
	return 0;
}

/* ---- metadata: chmod, chown, truncate (path hooks, before the operation: LW_F_BEFORE_OP) and
 * utimes (inode_setattr, before the operation too) ---- */

SEC("lsm/path_chmod")
int BPF_PROG(lw_lsm_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	struct lw_attr a = { .op = LW_ATTR_CHMOD, .valid = LW_ATTR_V_MODE, .mode = mode };
	lw_handle_attr(path->dentry, path->dentry->d_inode, path->mnt, &a, LW_F_BEFORE_OP);
	return 0;
}

/* truncate(2); before Linux 6.2 also ftruncate and open with O_TRUNC (file_truncate since) */
SEC("lsm/path_truncate")
int BPF_PROG(lw_lsm_path_truncate, const struct path *path, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	struct lw_attr a = { .op = LW_ATTR_TRUNCATE };
	lw_handle_attr(path->dentry, path->dentry->d_inode, path->mnt, &a, LW_F_BEFORE_OP);
	return 0;
}

SEC("lsm/file_truncate")
int BPF_PROG(lw_lsm_file_truncate, struct file *file, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	struct lw_attr a = { .op = LW_ATTR_TRUNCATE };
	lw_handle_attr(file->f_path.dentry, file->f_inode, file->f_path.mnt, &a, LW_F_BEFORE_OP);
	return 0;
}

/* chown and utimes: inode_setattr (notify_change, before the change; no mount, so one is found to
 * name the file). An owner or group given is a chown (with ATTR_MODE too where it clears setuid);
 * a change of times alone is a utimes; chmod and truncate reach this hook too (ATTR_MODE,
 * ATTR_SIZE) and their path hooks report them. (path_chown took kuid_t/kgid_t by value, which 5.10's
 * trampolines refuse; a fexit of vfs_utimes had the path, but tracing programs cannot use inode
 * storage, so it loaded nowhere.) */
#define LW_IA_MODE 0x1
#define LW_IA_UID 0x2
#define LW_IA_GID 0x4
#define LW_IA_SIZE 0x8
#define LW_IA_ATIME 0x10
#define LW_IA_MTIME 0x20
#define LW_IA_ATIME_SET 0x80
#define LW_IA_MTIME_SET 0x100

static __always_inline int lw_setattr_hook(struct dentry *dentry, struct iattr *attr)
{
	unsigned int valid = BPF_CORE_READ(attr, ia_valid);
	struct lw_attr a = { .op = LW_ATTR_UTIMES };

	if (valid & (LW_IA_UID | LW_IA_GID)) {
		/* (uid_t)-1: left as it is, as chown(2) says it */
		struct lw_attr c = { .op = LW_ATTR_CHOWN, .uid = (__u32)-1, .gid = (__u32)-1 };
		if (valid & LW_IA_UID) {
			c.valid |= LW_ATTR_V_UID;
			c.uid = BPF_CORE_READ(attr, ia_uid.val);
		}
		if (valid & LW_IA_GID) {
			c.valid |= LW_ATTR_V_GID;
			c.gid = BPF_CORE_READ(attr, ia_gid.val);
		}
		lw_handle_attr(dentry, dentry->d_inode, NULL, &c, LW_F_BEFORE_OP);
		return 0;
	}
	if (!(valid & (LW_IA_ATIME | LW_IA_MTIME)) || (valid & (LW_IA_SIZE | LW_IA_MODE)))
		return 0;
	if (valid & LW_IA_ATIME_SET) {
		a.valid |= LW_ATTR_V_ATIME;
		a.atime_sec = BPF_CORE_READ(attr, ia_atime.tv_sec);
		a.atime_nsec = BPF_CORE_READ(attr, ia_atime.tv_nsec);
	} else if (valid & LW_IA_ATIME) {
		a.valid |= LW_ATTR_V_ATIME_NOW;
	}
	if (valid & LW_IA_MTIME_SET) {
		a.valid |= LW_ATTR_V_MTIME;
		a.mtime_sec = BPF_CORE_READ(attr, ia_mtime.tv_sec);
		a.mtime_nsec = BPF_CORE_READ(attr, ia_mtime.tv_nsec);
	} else if (valid & LW_IA_MTIME) {
		a.valid |= LW_ATTR_V_MTIME_NOW;
	}
	lw_handle_attr(dentry, dentry->d_inode, NULL, &a, LW_F_BEFORE_OP);
	return 0;
}

SEC("lsm/inode_setattr")
int BPF_PROG(lw_lsm_inode_setattr, void *idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_setattr_hook(dentry, attr);
}

/* Before Linux 6.8 the hook has no idmap argument. */
SEC("lsm/inode_setattr")
int BPF_PROG(lw_lsm_inode_setattr__no_idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_setattr_hook(dentry, attr);
}

/* ---- extended attributes: inode_setxattr and inode_removexattr (file capabilities, security
 * labels, user attributes; ACLs before Linux 6.2), inode_set_acl and inode_remove_acl (ACLs since
 * 6.2). Reported from the hook (before_op), with the attribute's name and the value's size only.
 * Returning 0 leaves the capability checks in place: the trampoline then runs the hook's default
 * (1 before 6.10: "let the capability module decide"), and 6.10+ checks capabilities first. ---- */

static __always_inline int lw_xattr_hook(struct dentry *dentry, const char *name, __u32 op, __u64 size, __u32 flags)
{
	struct lw_xattr x = { .op = op, .flags = flags, .size = size > 0xffffffffu ? 0xffffffffu : size };
	lw_handle_xattr(dentry, dentry->d_inode, NULL, &x, name, LW_F_BEFORE_OP);
	return 0;
}

SEC("lsm/inode_setxattr")
int BPF_PROG(lw_lsm_inode_setxattr, void *idmap, struct dentry *dentry, const char *name, const void *value,
	     size_t size, int flags, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_xattr_hook(dentry, name, LW_XATTR_SET, size, flags);
}

/* Before Linux 5.12 the hook has no idmap (user namespace) argument. */
SEC("lsm/inode_setxattr")
int BPF_PROG(lw_lsm_inode_setxattr__no_idmap, struct dentry *dentry, const char *name, const void *value, size_t size,
	     int flags, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_xattr_hook(dentry, name, LW_XATTR_SET, size, flags);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(lw_lsm_inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_xattr_hook(dentry, name, LW_XATTR_REMOVE, 0, 0);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(lw_lsm_inode_removexattr__no_idmap, struct dentry *dentry, const char *name, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_xattr_hook(dentry, name, LW_XATTR_REMOVE, 0, 0);
}

/* The size of an ACL's xattr form (posix_acl_xattr_size): a 4-byte header, 8 bytes per entry. A
 * NULL ACL removes it. */
SEC("lsm/inode_set_acl")
int BPF_PROG(lw_lsm_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name, struct posix_acl *kacl,
	     int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (!kacl)
		return lw_xattr_hook(dentry, acl_name, LW_XATTR_REMOVE, 0, 0);
	return lw_xattr_hook(dentry, acl_name, LW_XATTR_SET, 4 + 8 * (__u64)BPF_CORE_READ(kacl, a_count), 0);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(lw_lsm_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	return lw_xattr_hook(dentry, acl_name, LW_XATTR_REMOVE, 0, 0);
}

/* ---- shared writable mappings: stores through them change the file without a write call, so
 * the mapping is the event (the agent compares the baseline file while it may still be written).
 * mmap_file with PROT_WRITE and MAP_SHARED, and file_mprotect making a shared mapping writable
 * (a shared mapping of a file opened for writing has VM_SHARED; one of a read-only fd cannot become
 * writable). Read-only and private mappings return before any lookup. ---- */

#define LW_VM_WRITE 0x2
#define LW_VM_SHARED 0x8

SEC("lsm/mmap_file")
int BPF_PROG(lw_lsm_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot, unsigned long flags,
	     int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (!file || !(prot & LW_PROT_WRITE) || !(flags & LW_MAP_SHARED))
		return 0;
	struct lw_mmap m = { .op = LW_MMAP_MAP, .prot = prot, .flags = flags };
	lw_handle_mmap(file, LW_FILE_INODE(file), &m);
	return 0;
}

SEC("lsm/file_mprotect")
int BPF_PROG(lw_lsm_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	if (!(prot & LW_PROT_WRITE))
		return 0;
	unsigned long vm_flags = BPF_CORE_READ(vma, vm_flags);
	if (!(vm_flags & LW_VM_SHARED) || (vm_flags & LW_VM_WRITE))
		return 0;
	struct file *file = vma->vm_file;
	if (!file)
		return 0;
	struct lw_mmap m = { .op = LW_MMAP_MPROTECT, .prot = prot, .flags = LW_MAP_SHARED };
	lw_handle_mmap(file, LW_FILE_INODE(file), &m);
	return 0;
}

/* the ACL hooks exist since Linux 6.2 (ACLs go through inode_setxattr before) */
LW_OPTIONAL_PROGRAM(lw_lsm_inode_set_acl)
LW_OPTIONAL_PROGRAM(lw_lsm_inode_remove_acl)

/* file_truncate exists since Linux 6.2 (path_truncate covers ftruncate and O_TRUNC before) */
LW_OPTIONAL_PROGRAM(lw_lsm_file_truncate)

/* Where bpf_get_func_arg/ret exist (5.17+), the path operations end here; the arguments are read
 * by position so one program fits every signature: vfs_rename(struct renamedata *) since 5.12,
 * vfs_unlink(idmap, dir, dentry, delegated) and vfs_rmdir(idmap, dir, dentry) since 5.12. */
SEC("fexit/vfs_rename")
int BPF_PROG(lw_fexit_vfs_rename)
{
	__u64 arg = 0, ret = 0;

	if (!lw_post_op())
		return 0;
	bpf_get_func_arg(ctx, 0, &arg);
	bpf_get_func_ret(ctx, &ret);
	struct dentry *dentry = BPF_CORE_READ((struct renamedata *)arg, old_dentry);
	lw_path_op_done(dentry, (long)ret);
	lw_op_end(lw_as_scalar(dentry), false);
	return 0;
}

SEC("fexit/vfs_unlink")
int BPF_PROG(lw_fexit_vfs_unlink)
{
	__u64 arg = 0, ret = 0;

	if (!lw_post_op())
		return 0;
	bpf_get_func_arg(ctx, 2, &arg);
	bpf_get_func_ret(ctx, &ret);
	lw_path_op_done((struct dentry *)arg, (long)ret);
	return 0;
}

SEC("fexit/vfs_rmdir")
int BPF_PROG(lw_fexit_vfs_rmdir)
{
	__u64 arg = 0, ret = 0;

	if (!lw_post_op())
		return 0;
	bpf_get_func_arg(ctx, 2, &arg);
	bpf_get_func_ret(ctx, &ret);
	lw_path_op_done((struct dentry *)arg, (long)ret);
	return 0;
}

/* Backstop for renames whose fexit did not end them (kernels without bpf_get_func_arg, or a
 * rename refused between the path hook and vfs_rename). */
#define LW_RENAME_EXIT(name)                                           \
	SEC("tracepoint/syscalls/sys_exit_" #name)                     \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)    \
	{                                                              \
		lw_op_end(0, false);                                   \
		return 0;                                              \
	}
LW_RENAME_EXIT(rename)
LW_RENAME_EXIT(renameat)
LW_RENAME_EXIT(renameat2)

/* ---- mounts (mount.bpf.h): reported from the hooks, before the operation (LW_F_BEFORE_OP), at
 * the mount point. A bind or move (mount(2)) onto an unwatched mount point waits in
 * lw_pending_mount for sys_exit_mount: sb_mount has only the source's text, so what was mounted is
 * judged once it is attached (lw_mounted_source_watch). move_mount's hook has the source itself.
 * The syscall tracepoints below retire cached verdicts once the mount is done. ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32); /* tid */
	__type(value, struct lw_record_buf);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lw_pending_mount SEC(".maps");

/* Holds a bind or move onto an unwatched mount point until sys_exit_mount (lw_mount_done), with
 * where the tree will be attached in its count and bytes (restored there). */
static __always_inline void lw_mount_hold(struct lw_record_buf *r, __u32 size, struct dentry *on,
					  struct vfsmount *on_mnt)
{
	struct lw_file_record *fr = (void *)r->data;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	fr->bytes = lw_as_scalar(on);
	fr->count = lw_as_scalar(on_mnt);
	if (bpf_map_update_elem(&lw_pending_mount, &tid, r, BPF_ANY) == 0)
		return;
	/* cannot wait: report it now, as if its source were watched */
	fr->bytes = 0;
	fr->count = 1;
	fr->hdr.flags |= LW_F_SOURCE_WATCHED;
	lw_emit(r, size);
}

/* target: the mount point as the hook has it; from: move_mount's source, else the source text
 * (a kernel string) */
static __always_inline void lw_handle_mount(struct dentry *dentry, struct vfsmount *mnt, __u32 op, __u32 mount_flags,
					    const char *fstype, const struct path *from, const char *source)
{
	struct dentry *on = dentry;
	struct vfsmount *on_mnt = mnt;
	struct lw_walk w = {};
	__u32 from_watch = 0;

	if (lw_is_agent())
		return;
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return;
	lw_count(LW_STAT_SEEN);
	lw_mount_point_of(&dentry, &mnt);
	__u32 watch = lw_mount_watch(dentry, mnt, s, &w);
	__u32 flags = LW_F_BEFORE_OP | (w.unknown ? LW_F_DEPTH_UNKNOWN : 0);
	__u32 end = lw_mount_record_begin(r, flags, dentry, &w, s, op, mount_flags, fstype);
	struct lw_header *h = (void *)r->data;
	if (from) {
		from_watch = lw_mount_watch(BPF_CORE_READ(from, dentry), BPF_CORE_READ(from, mnt), s, &w);
		if (w.path.truncated)
			h->flags |= LW_F_PATH2_TRUNCATED;
		end = lw_file_record_add_path2(r, end, &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
	} else if (source) {
		long n = bpf_probe_read_kernel_str(s->join, LW_PATH_MAX, source);
		end = lw_file_record_add_path2(r, end, s->join, n > 0 ? n - 1 : 0);
	}
	if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		if (!from && lw_mount_moves_a_tree(op, mount_flags)) {
			lw_mount_hold(r, lw_record_finish(r, end), on, on_mnt);
			return;
		}
		if (!(from_watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
			lw_count(LW_STAT_FILTERED);
			return;
		}
		h->flags |= LW_F_SOURCE_WATCHED;
	}
	lw_emit(r, lw_record_finish(r, end));
}

/* sys_exit_mount: a bind or move held by lw_handle_mount goes out if it succeeded and what it
 * attached is watched (the record keeps the hook's view: path, source text, flags). */
static __always_inline void lw_mount_done(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_record_buf *r = bpf_map_lookup_elem(&lw_pending_mount, &tid);
	struct lw_scratch *s = lw_get_scratch();

	if (!r)
		return;
	struct lw_file_record *fr = (void *)r->data;
	struct dentry *on = (struct dentry *)(unsigned long)fr->bytes;
	struct vfsmount *on_mnt = (struct vfsmount *)(unsigned long)fr->count;
	fr->bytes = 0;
	fr->count = 1;
	if (ret == 0 && s && (lw_mounted_source_watch(on_mnt, on, s) & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		fr->hdr.flags = (fr->hdr.flags & ~LW_F_BEFORE_OP) | LW_F_SOURCE_WATCHED;
		lw_emit(r, fr->hdr.size);
	} else {
		lw_count(LW_STAT_FILTERED);
	}
	bpf_map_delete_elem(&lw_pending_mount, &tid);
}

/* mount(2): new mounts, binds, moves, remounts and propagation changes (flags say which) */
SEC("lsm/sb_mount")
int BPF_PROG(lw_lsm_sb_mount, const char *dev_name, const struct path *path, const char *type, unsigned long flags,
	     void *data, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_handle_mount(path->dentry, path->mnt, LW_MOUNT_MOUNT, (__u32)flags, type, NULL, dev_name);
	return 0;
}

/* move_mount(2): from_path's mount (a detached one from fsmount(2), or an attached one) onto to_path */
SEC("lsm/move_mount")
int BPF_PROG(lw_lsm_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	lw_handle_mount(to_path->dentry, to_path->mnt, LW_MOUNT_MOVE, 0, lw_fstype_of(from_path->mnt), from_path, NULL);
	return 0;
}

/* umount2(2): what the mount hid is visible again */
SEC("lsm/sb_umount")
int BPF_PROG(lw_lsm_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret != 0)
		return lw_verdict(ret);
	struct mount *m = container_of(mnt, struct mount, mnt);
	lw_handle_mount(mnt->mnt_root, mnt, LW_MOUNT_UMOUNT, (__u32)flags, lw_fstype_of(mnt), NULL,
			BPF_CORE_READ(m, mnt_devname));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int lw_tp_enter_mount(struct trace_event_raw_sys_enter *ctx)
{
	lw_op_begin(0, true);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mount")
int lw_tp_exit_mount(struct trace_event_raw_sys_exit *ctx)
{
	lw_mount_done(ctx->ret);
	lw_op_end(0, true);
	return 0;
}

LW_MOUNT_SYSCALL(umount)
LW_MOUNT_SYSCALL(move_mount)
LW_MOUNT_SYSCALL(pivot_root)

/* by_helper: the tracer's syscall comes from bpf_task_pt_regs (5.15), else from the top of its
 * kernel stack (the __stack_regs variant, 5.10). */
static __always_inline int lw_ptrace_access_check(struct task_struct *child, unsigned int mode, int ret, bool by_helper)
{
	if (ret != 0)
		return lw_verdict(ret);

	__u32 tracer_tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 target_tgid = BPF_CORE_READ(child, tgid);
	if (target_tgid == tracer_tgid || lw_is_agent())
		return 0; /* a process looking at itself, or the agent reading /proc */

	bool attach = mode & LW_PTRACE_MODE_ATTACH;
	bool on_agent = lw_agent_tgid != 0 && target_tgid == lw_agent_tgid;
	int decision = 0;
	struct lw_settings *settings = lw_get_settings();

	if (settings && settings->forbid_ptrace != LW_FORBID_PTRACE_OFF) {
		bool applies = settings->forbid_ptrace == LW_FORBID_PTRACE_ALL || on_agent;
		if (applies && (attach || settings->deny_ptrace_read))
			decision = -LW_EPERM;
	}
	/* --protect closes the agent's process whatever forbid_ptrace says: every attach-mode check
	 * (ptrace attach and seize, pidfd_getfd, process_vm_readv/writev, /proc/<pid>/mem, stack,
	 * syscall) and every read-mode check that is not NOAUDIT (environ, maps, auxv, pagemap, fd and
	 * exe links, perf_event_open, kcmp, setns through /proc/<pid>/ns). NOAUDIT read checks are how
	 * ps and top decide which /proc fields to show: they stay allowed. */
	if (on_agent && settings && settings->protect && (attach || !(mode & LW_PTRACE_MODE_NOAUDIT)))
		decision = -LW_EPERM;
	if (on_agent && decision)
		lw_count(LW_STAT_GUARD_DENIED);
	/* Report attaches, denials and read-mode checks aimed at the agent, except NOAUDIT ones (ps and
	 * top make them for every process to decide which /proc fields to show) and inspections of its
	 * /proc entries (ptrace_walk.bpf.h: find, ps, top, lsof), unless denied. */
	bool walk = false;
	if (on_agent && !attach && !(mode & LW_PTRACE_MODE_NOAUDIT))
		walk = lw_ptrace_check_is_walk(mode, by_helper);
	bool report = attach || decision != 0 || (on_agent && !(mode & LW_PTRACE_MODE_NOAUDIT) && !walk);
	if (!report)
		return lw_verdict(decision);

	lw_count(LW_STAT_SEEN);
	if (decision)
		lw_count(LW_STAT_DENIED);
	struct lw_record_buf *r = lw_get_record();
	if (!r)
		return lw_verdict(decision);
	struct lw_ptrace_record *pr = (void *)r->data;
	pr->hdr.type = LW_REC_PTRACE;
	pr->hdr.size = sizeof(*pr);
	pr->hdr.flags = (decision ? LW_F_DENIED : 0) | (walk ? LW_F_PTRACE_WALK : 0);
	pr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&pr->tracer);
	pr->target_pid = target_tgid;
	pr->target_tid = BPF_CORE_READ(child, pid);
	pr->target_uid = BPF_CORE_READ(child, cred, uid.val);
	pr->mode = mode;
	pr->request = 0;
	pr->result = decision;
	pr->kind = LW_PTRACE_ACCESS_CHECK;
	pr->decision = decision ? LW_DECISION_DENY : LW_DECISION_ALLOW;
	pr->_pad0 = 0;
	BPF_CORE_READ_STR_INTO(&pr->target_comm, child, comm);
	lw_emit(pr, sizeof(*pr));
	return lw_verdict(decision);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(lw_lsm_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	return lw_ptrace_access_check(child, mode, ret, true);
}

/* Kernels without bpf_task_pt_regs (before 5.15). */
SEC("lsm/ptrace_access_check")
int BPF_PROG(lw_lsm_ptrace_access_check__stack_regs, struct task_struct *child, unsigned int mode, int ret)
{
	return lw_ptrace_access_check(child, mode, ret, false);
}
