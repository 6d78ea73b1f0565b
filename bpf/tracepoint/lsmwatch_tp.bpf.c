// SPDX-License-Identifier: GPL-2.0-only
/* The tracepoint sensor, for kernels that cannot run BPF LSM programs. It observes the same
 * operations through syscall tracepoints and resolves what the kernel resolved: opened and written
 * files through the fd table (so relative names, dirfds and inherited fds all give absolute paths),
 * renames and unlinks by joining the user path to the cwd or dirfd. It can observe, not deny. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "record.bpf.h"
#include "agent_events.bpf.h"
#include "variants.bpf.h"
#include "inflight.bpf.h"
#include "resolve.bpf.h"
#include "attr.bpf.h"
#include "mount.bpf.h"

#define LW_RENAME_EXCHANGE_TP (1 << 1)
#include "process.bpf.h"

#define LW_PTRACE_TRACEME 0
#define LW_PTRACE_ATTACH 16
#define LW_PTRACE_SEIZE 0x4206

char LICENSE[] SEC("license") = "GPL";


struct lw_pending_ptrace {
	__u32 request;
	__u32 target_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lw_pending_ptrace);
} lw_pending_ptrace_map SEC(".maps");

/* ---- opens: the fd returned by the syscall leads to the struct file the kernel opened ---- */

/* The kernel clears O_CREAT, O_EXCL and O_TRUNC from f_flags once the file is open: the flags
 * come from the syscall's arguments, kept at entry (only for opens that carry one of them, so a
 * plain open costs one failed lookup at exit). */
#define LW_O_CREAT 00000100
#define LW_O_EXCL 00000200
#define LW_OPEN_CLEARED (LW_O_CREAT | LW_O_EXCL | LW_O_TRUNC)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u32);
} lw_pending_open_flags SEC(".maps");

static __always_inline void lw_on_open_enter(__u64 flags)
{
	__u32 kept = (__u32)flags & LW_OPEN_CLEARED;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (kept)
		bpf_map_update_elem(&lw_pending_open_flags, &tid, &kept, BPF_ANY);
}

static __always_inline int lw_on_open_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *kept = bpf_map_lookup_elem(&lw_pending_open_flags, &tid);
	__u32 cleared = 0;

	if (kept) {
		cleared = *kept;
		bpf_map_delete_elem(&lw_pending_open_flags, &tid);
	}
	if (ctx->ret >= 0) {
		struct file *file = lw_file_from_fd(ctx->ret);
		lw_handle_open_as(file, file ? LW_FILE_INODE(file) : NULL, cleared);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int lw_tp_enter_open(struct trace_event_raw_sys_enter *ctx) { lw_on_open_enter(ctx->args[1]); return 0; }

SEC("tracepoint/syscalls/sys_enter_openat")
int lw_tp_enter_openat(struct trace_event_raw_sys_enter *ctx) { lw_on_open_enter(ctx->args[2]); return 0; }

/* openat2(dfd, path, struct open_how *how, size): how->flags is its first member */
SEC("tracepoint/syscalls/sys_enter_openat2")
int lw_tp_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;
	bpf_probe_read_user(&flags, sizeof(flags), (const void *)ctx->args[2]);
	lw_on_open_enter(flags);
	return 0;
}

/* creat(path, mode) is open(path, O_CREAT | O_WRONLY | O_TRUNC, mode) */
SEC("tracepoint/syscalls/sys_enter_creat")
int lw_tp_enter_creat(struct trace_event_raw_sys_enter *ctx) { lw_on_open_enter(LW_O_CREAT | LW_O_TRUNC); return 0; }

SEC("tracepoint/syscalls/sys_exit_open")
int lw_tp_exit_open(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat")
int lw_tp_exit_openat(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat2")
int lw_tp_exit_openat2(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_creat")
int lw_tp_exit_creat(struct trace_event_raw_sys_exit *ctx) { return lw_on_open_exit(ctx); }

/* close(2): report what this process wrote through the fd. Other fds to the same file may still
 * write, so the entry stays (the flush program forgets it once idle). */
SEC("tracepoint/syscalls/sys_enter_close")
int lw_tp_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	/* no write pending anywhere (lw_agg_entries): nothing to report, no fd to look up */
	if (lw_agg_entries && !lw_is_agent())
		lw_handle_close(lw_file_from_fd(ctx->args[0]), false);
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

/* Kernels without BPF atomic fetch (before 5.12) load the __no_atomics write variants below, which
 * aggregate nothing: nothing to flush or to report at close there. */
LW_OPTIONAL_PROGRAM(lw_tp_enter_close)
LW_OPTIONAL_PROGRAM(lw_flush_writes_prog)

/* ---- writes: args[0] is the fd; write and pwrite64 also tell the byte count. Each has a
 * __no_atomics variant for kernels without BPF atomic fetch/xchg (before 5.12), picked by the agent
 * at load time: a record per write, no aggregation (lw_tp_enter_close and the flush program are then
 * left out). ---- */

/* A syscall that writes to the file at args[fd_arg], and its __no_atomics variant; bytes: what the
 * syscall says it writes, or 0. */
#define LW_WRITE_SYSCALL_AT(name, fd_arg, bytes)                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                     \
	int lw_tp_enter_##name(struct trace_event_raw_sys_enter *ctx)                   \
	{                                                                               \
		struct file *file = lw_file_from_fd(ctx->args[fd_arg]);                 \
		lw_handle_write(file, file ? LW_FILE_INODE(file) : NULL, bytes);        \
		return 0;                                                               \
	}                                                                               \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                     \
	int lw_tp_enter_##name##__no_atomics(struct trace_event_raw_sys_enter *ctx)     \
	{                                                                               \
		struct file *file = lw_file_from_fd(ctx->args[fd_arg]);                 \
		lw_handle_write_each(file, file ? LW_FILE_INODE(file) : NULL, bytes);   \
		return 0;                                                               \
	}
#define LW_WRITE_SYSCALL(name, bytes) LW_WRITE_SYSCALL_AT(name, 0, bytes)

LW_WRITE_SYSCALL(write, ctx->args[2])
LW_WRITE_SYSCALL(pwrite64, ctx->args[2])
LW_WRITE_SYSCALL(writev, 0)
LW_WRITE_SYSCALL(pwritev, 0)
LW_WRITE_SYSCALL(pwritev2, 0)
/* Writes that bypass write(2) (coreutils cp, install, sendfile servers, splice): the file written
 * to is the fd_out argument. An fd that is a pipe or socket costs the verdict lookup only. */
LW_WRITE_SYSCALL_AT(copy_file_range, 2, ctx->args[4]) /* (fd_in, off_in, fd_out, off_out, len, flags) */
LW_WRITE_SYSCALL_AT(sendfile64, 0, ctx->args[3])      /* (out_fd, in_fd, offset, count) */
LW_WRITE_SYSCALL_AT(splice, 2, ctx->args[4])          /* (fd_in, off_in, fd_out, off_out, len, flags) */
LW_WRITE_SYSCALL_AT(fallocate, 0, 0)                  /* (fd, mode, offset, len): no bytes written as such */

/* ---- Linux AIO: io_submit(ctx, nr, iocbpp) writes through each IOCB_CMD_PWRITE/PWRITEV iocb's
 * fd. The iocbs are read at entry, one per bpf_loop step (5.17+: where bpf_loop is missing the
 * program is left out and the ready line declares linux-aio); the kernel takes at most the ring's
 * size (aio-max-nr bounds it), so LW_AIO_MAX covers every call. Rewriting an iocb while the call
 * runs is the declared syscall-argument-race. ---- */

#define LW_IOCB_CMD_PWRITE 1
#define LW_IOCB_CMD_PWRITEV 8
#define LW_AIO_MAX 65536
#define LW_IOCB_OPCODE_OFF 16 /* struct iocb: aio_data (8), aio_key and aio_rw_flags (8), then these */

struct lw_iocb_part {
	__u16 aio_lio_opcode;
	__s16 aio_reqprio;
	__u32 aio_fildes;
	__u64 aio_buf;
	__u64 aio_nbytes;
};

static long lw_aio_iocb(__u32 i, void *data)
{
	const __u64 *iocbpp = *(const __u64 **)data;
	struct lw_iocb_part part = {};
	__u64 iocb = 0;

	if (bpf_probe_read_user(&iocb, sizeof(iocb), &iocbpp[i]) != 0 || iocb == 0)
		return 1; /* the kernel stops at the same place (EFAULT) */
	if (bpf_probe_read_user(&part, sizeof(part), (const void *)(iocb + LW_IOCB_OPCODE_OFF)) != 0)
		return 1;
	if (part.aio_lio_opcode != LW_IOCB_CMD_PWRITE && part.aio_lio_opcode != LW_IOCB_CMD_PWRITEV)
		return 0;
	struct file *file = lw_file_from_fd(part.aio_fildes);
	lw_handle_write(file, file ? LW_FILE_INODE(file) : NULL,
			part.aio_lio_opcode == LW_IOCB_CMD_PWRITE ? part.aio_nbytes : 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_io_submit")
int lw_tp_enter_io_submit(struct trace_event_raw_sys_enter *ctx)
{
	long nr = ctx->args[1];
	const __u64 *iocbpp = (const __u64 *)ctx->args[2];

	if (nr <= 0 || !iocbpp)
		return 0;
	bpf_loop(nr < LW_AIO_MAX ? nr : LW_AIO_MAX, lw_aio_iocb, &iocbpp, 0);
	return 0;
}
LW_OPTIONAL_PROGRAM(lw_tp_enter_io_submit)

/* ---- shared writable mappings: mmap(addr, len, prot, flags, fd, off) with PROT_WRITE and
 * MAP_SHARED of a file opened for writing (the kernel refuses it otherwise, so what is reported
 * succeeds but for a lack of memory). At entry, like the writes: an fd swapped by another thread
 * during the call is the declared syscall-argument-race. mprotect(2) names no file (a declared blind
 * spot). ---- */

#define LW_FMODE_WRITE 0x2

SEC("tracepoint/syscalls/sys_enter_mmap")
int lw_tp_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u32 prot = ctx->args[2], flags = ctx->args[3];

	if (!(prot & LW_PROT_WRITE) || !(flags & LW_MAP_SHARED) || (flags & LW_MAP_ANONYMOUS))
		return 0;
	struct file *file = lw_file_from_fd(ctx->args[4]);
	if (!file || !(BPF_CORE_READ(file, f_mode) & LW_FMODE_WRITE))
		return 0;
	struct lw_mmap m = { .op = LW_MMAP_MAP, .prot = prot, .flags = flags };
	lw_handle_mmap(file, LW_FILE_INODE(file), &m);
	return 0;
}

/* ---- renames, unlinks, rmdirs, links: the strings are kept at entry; at exit, if the syscall
 * succeeded, the names are resolved through the dcache (resolve.bpf.h) and judged by the marks.
 * Renames and links are operations in flight between the two (verdict.bpf.h, rules 4 and 5). ---- */

#define LW_AT_REMOVEDIR 0x200
#define LW_S_IFLNK 0120000
#define LW_ROOT_ANCHOR LW_ROOT_ANCHOR_ID

struct lw_pending_names {
	__u32 type;   /* enum lw_record_type */
	__u32 flags;  /* renameat2 flags */
	__s32 dfd;
	__s32 dfd2;
	__u32 len;
	__u32 len2;
	__u32 mode;   /* LW_REC_MKDIR, LW_REC_MKNOD: the mode asked for */
	__u32 rdev;   /* LW_REC_MKNOD: the device number as mknod(2) takes it */
	char fstype[LW_FSTYPE_LEN]; /* LW_REC_MOUNT: the file system type given (flags: the mount flags, mode: the op) */
	struct lw_attr attr; /* LW_REC_SETATTR: the new values */
	struct lw_xattr xattr; /* LW_REC_XATTR: the operation (name2: the attribute's name) */
	char name[LW_PATH_MAX];
	char name2[LW_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct lw_pending_names);
} lw_pending_names_map SEC(".maps");

/* Exit handlers tail-call the one that does the work (one copy to verify, not one per syscall):
 * slot LW_HANDLER_PATH_OP (renames, unlinks, rmdirs, metadata by name), LW_HANDLER_CREATE
 * (mkdir, mknod, symlink, link) and LW_HANDLER_MOUNT (mount, move_mount, umount2) each hold the resolving handler where bpf_loop exists (5.17+),
 * else the string-only one. */
#define LW_HANDLER_PATH_OP 0
#define LW_HANDLER_CREATE 1
#define LW_HANDLER_MOUNT 2
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u32);
} lw_path_op_handler SEC(".maps");

/* The two handlers of a slot, tail-called from the exits, never attached: the resolving one and
 * the string-only one (the addon installs one of them). */
#define LW_TAIL_HANDLERS(name, finish)                                     \
	SEC("tracepoint")                                                  \
	int lw_tail_##name##_resolve(struct trace_event_raw_sys_exit *ctx) \
	{                                                                  \
		return finish(ctx, true);                                  \
	}                                                                  \
	SEC("tracepoint")                                                  \
	int lw_tail_##name##_string(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                  \
		return finish(ctx, false);                                 \
	}

static __always_inline void lw_path_op_enter_attr(__u32 type, long dfd, const char *upath, long dfd2,
						  const char *upath2, __u32 flags, const struct lw_attr *attr)
{
	if (lw_is_agent())
		return;
	if (type == LW_REC_RENAME || type == LW_REC_LINK)
		lw_op_begin(0, false);
	struct lw_record_buf *staging = lw_get_record(); /* 16 KiB of per-CPU memory for the copy */
	if (!staging)
		return;
	struct lw_pending_names *p = (void *)staging->data;
	p->type = type;
	p->flags = flags;
	p->dfd = dfd;
	p->dfd2 = dfd2;
	p->mode = 0;
	p->rdev = 0;
	if (attr)
		__builtin_memcpy(&p->attr, attr, sizeof(p->attr));
	long n = bpf_probe_read_user_str(p->name, LW_PATH_MAX, upath);
	p->len = n > 0 ? n - 1 : 0;
	p->len2 = 0;
	p->name2[0] = '\0';
	if (upath2) {
		n = bpf_probe_read_user_str(p->name2, LW_PATH_MAX, upath2);
		p->len2 = n > 0 ? n - 1 : 0;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&lw_pending_names_map, &tid, p, BPF_ANY);
}

static __always_inline void lw_path_op_enter(__u32 type, long dfd, const char *upath, long dfd2, const char *upath2,
					     __u32 flags)
{
	lw_path_op_enter_attr(type, dfd, upath, dfd2, upath2, flags, NULL);
}

/* The pending operation of this thread (just kept by lw_path_op_enter), for the fields only some
 * operations have. */
static __always_inline struct lw_pending_names *lw_pending_now(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(&lw_pending_names_map, &tid);
}

static __always_inline int lw_path_op_exit_to(struct trace_event_raw_sys_exit *ctx, __u32 slot)
{
	bpf_tail_call(ctx, &lw_path_op_handler, slot);
	/* no handler: forget the operation, and make every cached verdict suspect */
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&lw_pending_names_map, &tid);
	lw_op_end(0, true);
	return 0;
}

static __always_inline int lw_path_op_exit(struct trace_event_raw_sys_exit *ctx)
{
	return lw_path_op_exit_to(ctx, LW_HANDLER_PATH_OP);
}

/* The base a relative name starts from: the cwd, or dirfd's directory. */
static __always_inline bool lw_base_of(long dirfd, struct dentry **dentry, struct vfsmount **mnt)
{
	if (dirfd == LW_AT_FDCWD) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		*dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		*mnt = BPF_CORE_READ(task, fs, pwd.mnt);
		return true;
	}
	struct file *dir = lw_file_from_fd(dirfd);
	if (!dir)
		return false;
	*dentry = BPF_CORE_READ(dir, f_path.dentry);
	*mnt = BPF_CORE_READ(dir, f_path.mnt);
	return true;
}

/* Copies a kept name into s->join (the resolver's input). */
static __always_inline __u32 lw_load_name(struct lw_scratch *s, const char *name, __u32 len)
{
	len &= LW_PATH_MASK;
	bpf_probe_read_kernel(s->join, len + 1, name);
	s->join[len] = '\0';
	return len;
}

/* The string-only view of a name: the base's path joined to the string, unnormalised, in s->join.
 * Used where the dcache cannot resolve it (and as the whole story on kernels without bpf_loop). */
static __always_inline int lw_join_name(long dirfd, const char *name, __u32 len, struct lw_scratch *s)
{
	struct lw_walked_path base = {};
	struct dentry *dentry;
	struct vfsmount *mnt;
	__u32 base_len = 0;

	len &= LW_PATH_MASK;
	if (name[0] != '/') {
		if (!lw_base_of(dirfd, &dentry, &mnt))
			return -1;
		lw_walk_dentries(dentry, mnt, s, &base);
		base_len = base.len;
		if (base_len > LW_PATH_MAX - 2)
			return -1;
		bpf_probe_read_kernel(s->join, base_len & LW_PATH_MASK, &s->walk[base.off & LW_PATH_MASK]);
		if (base_len != 1)
			s->join[base_len++ & LW_PATH_MASK] = '/';
	}
	if (base_len + len > LW_PATH_MAX - 1)
		return -1;
	bpf_probe_read_kernel(&s->join[base_len & LW_PATH_MASK], (len + 1) & LW_PATH_MASK, name);
	s->join[(base_len + len) & LW_PATH_MASK] = '\0';
	return base_len + len;
}

/* Watch flags of an absolute path string in s->join (len bytes), under the root anchor. */
static __always_inline __u32 lw_string_watch(struct lw_scratch *s, __u32 len)
{
	__u32 watch = 0;

	/* lw_anchor_lookup reads s->walk: put "/..." there, ending at the NUL */
	len &= LW_PATH_MASK;
	if (len == 0 || len > LW_PATH_MAX - 2)
		return 0;
	__u32 off = (LW_PATH_MAX - 1 - len) & LW_PATH_MASK;
	bpf_probe_read_kernel(&s->walk[off], (len + 1) & LW_PATH_MASK, s->join);
	lw_anchor_lookup(LW_ROOT_ANCHOR, s, off, &watch);
	return watch;
}

static __always_inline bool lw_agent_marked_anchor(struct dentry *dentry)
{
	struct lw_inode_key key;
	struct lw_mark *m = lw_agent_mark(dentry, &key);
	return m && (m->flags & (LW_MARK_ANCHOR | LW_MARK_WILDCARD));
}

static __always_inline bool lw_dentry_is_dir(struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	return inode && (BPF_CORE_READ(inode, i_mode) & LW_S_IFMT) == LW_S_IFDIR;
}

/* Resolves a kept name: its directory (parent) or itself (a last symlink not followed). */
static __always_inline bool lw_resolve_kept(struct lw_scratch *s, long dfd, const char *name, __u32 len, bool parent,
					    struct dentry **out, struct vfsmount **mnt)
{
	struct dentry *base;
	struct vfsmount *base_mnt;

	len = lw_load_name(s, name, len);
	if (!lw_base_of(dfd, &base, &base_mnt) ||
	    !lw_resolve_path(len, (__u64)(unsigned long)base, (__u64)(unsigned long)base_mnt, parent))
		return false;
	*out = (struct dentry *)(unsigned long)s->res_dentry;
	*mnt = (struct vfsmount *)(unsigned long)s->res_mnt;
	return true;
}

/* Seeds s->walk with the last component of a kept name (its parent is walked next). */
static __always_inline bool lw_seed_leaf(struct lw_scratch *s, const char *name, __u32 len)
{
	len = lw_load_name(s, name, len);
	int leaf = lw_last_component(len);
	if (leaf < 0)
		return false;
	__u32 start = leaf & 0xffff, end = (__u32)leaf >> 16;
	lw_walk_reset(s);
	return lw_walk_prepend(s, (const unsigned char *)&s->join[start & LW_PATH_MASK], end - start);
}

/* The old name of a rename, or the name an unlink or rmdir removed: its verdict, and the record's
 * first path. exchange: the other inode now lives there (a whole walk from it: its identity
 * counts too). Falls back to the string where the dcache cannot resolve it. */
static __always_inline __u32 lw_old_side(struct lw_pending_names *p, struct lw_scratch *s, struct lw_record_buf *r,
					 __u16 type, bool resolve, bool exchange, __u32 *unknown, bool *bump, __u32 *end)
{
	struct lw_walk w = {};
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;
	bool have = false, seeded = false;

	if (resolve) {
		seeded = !exchange;
		have = lw_resolve_kept(s, p->dfd, p->name, p->len, seeded, &dentry, &mnt) &&
		       (!seeded || lw_seed_leaf(s, p->name, p->len));
	}
	if (!have) {
		if (resolve)
			lw_count(LW_STAT_UNRESOLVED);
		*bump = true;
		int len = lw_join_name(p->dfd, p->name, p->len, s);
		__u32 n = len > 0 ? len : 0;
		*end = lw_file_record_begin(r, type, LW_F_PATH_UNRESOLVED, NULL, 0, s->join, n);
		return lw_string_watch(s, n);
	}
	lw_walk_name(dentry, mnt, s, &w, seeded);
	*unknown |= w.unknown;
	__u32 watch = w.name | (exchange ? w.self : 0);
	if (exchange) {
		struct inode *back = BPF_CORE_READ(dentry, d_inode);
		struct lw_verdict_state *st = lw_verdict_state();
		if (back && w.name)
			lw_remember_verdict(back, w.name, st ? st->generation : 0);
		*bump = *bump || lw_dentry_is_dir(dentry);
		if (lw_agent_marked_anchor(dentry))
			watch |= LW_WATCH_NAME;
	}
	*end = lw_file_record_begin(r, type, w.path.truncated ? LW_F_PATH_TRUNCATED : 0, NULL, 0,
				    &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
	lw_file_record_anchor(r, &w.path, false);
	return watch;
}

/* The new name of a rename or link: what now lives there (its identity, the name) is marked if the
 * name is watched (rule 5). record: add it as the record's second path. */
static __always_inline __u32 lw_new_side(struct lw_pending_names *p, struct lw_scratch *s, struct lw_record_buf *r,
					 bool resolve, bool record, __u32 *unknown, bool *bump, __u32 *end)
{
	struct lw_walk w = {};
	struct dentry *leaf = NULL;
	struct vfsmount *mnt = NULL;

	if (!resolve || !lw_resolve_kept(s, p->dfd2, p->name2, p->len2, false, &leaf, &mnt)) {
		if (resolve)
			lw_count(LW_STAT_UNRESOLVED);
		*bump = true;
		int len = lw_join_name(p->dfd2, p->name2, p->len2, s);
		__u32 n = len > 0 ? len : 0;
		if (record) {
			((struct lw_header *)r->data)->flags |= LW_F_PATH_UNRESOLVED;
			*end = lw_file_record_add_path2(r, *end, s->join, n);
		}
		return lw_string_watch(s, n);
	}
	lw_walk_name(leaf, mnt, s, &w, false);
	*unknown |= w.unknown;
	struct inode *moved = BPF_CORE_READ(leaf, d_inode);
	struct lw_verdict_state *st = lw_verdict_state();
	if (moved && w.name)
		lw_remember_verdict(moved, w.name, st ? st->generation : 0);
	*bump = *bump || lw_dentry_is_dir(leaf);
	__u32 watch = w.self | w.name | (lw_agent_marked_anchor(leaf) ? LW_WATCH_NAME : 0);
	if (record) {
		struct lw_file_record *fr = (void *)r->data;
		if (w.path.truncated)
			fr->hdr.flags |= LW_F_PATH2_TRUNCATED;
		*end = lw_file_record_add_path2(r, *end, &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
		struct lw_walked_path above = { .anchor = w.anchor_above, .anchor_off = w.anchor_above_off };
		lw_file_record_anchor(r, &above, true);
		if (moved) {
			fr->ino = BPF_CORE_READ(moved, i_ino);
			fr->dev = BPF_CORE_READ(moved, i_sb, s_dev);
			fr->mode = BPF_CORE_READ(moved, i_mode);
		}
	}
	return watch;
}

/* A metadata change by name: the name resolved through the dcache (the inode itself, or a last
 * symbolic link not followed), else judged by its string. */
static __always_inline void lw_meta_by_name(struct lw_pending_names *p, struct lw_scratch *s, struct lw_record_buf *r,
					    bool resolve, const struct lw_meta_change *c)
{
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;

	if (resolve && lw_resolve_kept(s, p->dfd, p->name, p->len, false, &dentry, &mnt)) {
		lw_handle_meta(dentry, BPF_CORE_READ(dentry, d_inode), mnt, c, 0);
		return;
	}
	if (resolve)
		lw_count(LW_STAT_UNRESOLVED);
	lw_count(LW_STAT_SEEN);
	int len = lw_join_name(p->dfd, p->name, p->len, s);
	__u32 n = len > 0 ? len : 0;
	if (!(lw_string_watch(s, n) & LW_WATCH_WRITE)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	lw_emit_meta(r, LW_F_PATH_UNRESOLVED, NULL, s->join, n, NULL, c);
}

/* Two inlined copies, each with its kind of change fixed: with one copy the compiler would test
 * the kind twice from the map value, and the verifier cannot tell that both tests agree. */
static __always_inline void lw_attr_by_name(struct lw_pending_names *p, struct lw_scratch *s, struct lw_record_buf *r,
					    bool resolve)
{
	if (p->type == LW_REC_XATTR) {
		struct lw_meta_change c = { .xattr = &p->xattr, .xattr_name = p->name2 };
		lw_meta_by_name(p, s, r, resolve, &c);
	} else {
		struct lw_meta_change c = { .attr = &p->attr };
		lw_meta_by_name(p, s, r, resolve, &c);
	}
}

static __always_inline int lw_path_op_finish(struct trace_event_raw_sys_exit *ctx, bool resolve)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_names *p = bpf_map_lookup_elem(&lw_pending_names_map, &tid);
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	__u32 unknown = 0, end = 0, watch = 0;
	bool bump = false;

	if (!p) {
		lw_op_end(0, false);
		return 0;
	}
	__u32 type = p->type;
	bool exchange = type == LW_REC_RENAME && (p->flags & LW_RENAME_EXCHANGE_TP);
	/* Counted seen before any way out, so that SEEN == FILTERED + EMITTED + LOST + AGGREGATED holds
	 * (a metadata change that succeeded is counted by lw_handle_attr or lw_attr_by_name). */
	bool counted_here = type != LW_REC_SETATTR && type != LW_REC_XATTR;
	if (counted_here)
		lw_count(LW_STAT_SEEN);
	if (ctx->ret != 0 || !s || !r) {
		if (!counted_here)
			lw_count(LW_STAT_SEEN);
		lw_count(LW_STAT_FILTERED); /* the operation failed: nothing changed */
		goto out;
	}
	if (type == LW_REC_SETATTR || type == LW_REC_XATTR) {
		lw_attr_by_name(p, s, r, resolve);
		goto out;
	}
	watch = lw_old_side(p, s, r, type, resolve, exchange, &unknown, &bump, &end);
	if (type == LW_REC_RENAME)
		watch |= lw_new_side(p, s, r, resolve, true, &unknown, &bump, &end);
	if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		lw_count(LW_STAT_FILTERED);
		goto out;
	}
	struct lw_file_record *fr = (void *)r->data;
	fr->hdr.flags |= (unknown ? LW_F_DEPTH_UNKNOWN : 0) | (exchange ? LW_F_EXCHANGE : 0);
	fr->open_flags = p->flags;
	lw_emit(r, lw_record_finish(r, end));
out:
	bpf_map_delete_elem(&lw_pending_names_map, &tid);
	if (type == LW_REC_RENAME)
		lw_op_end(0, bump);
	return 0;
}

LW_TAIL_HANDLERS(path_op, lw_path_op_finish)

SEC("tracepoint/syscalls/sys_enter_rename")
int lw_tp_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RENAME, LW_AT_FDCWD, (const char *)ctx->args[0], LW_AT_FDCWD, (const char *)ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int lw_tp_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RENAME, (int)ctx->args[0], (const char *)ctx->args[1], (int)ctx->args[2],
			 (const char *)ctx->args[3], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int lw_tp_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RENAME, (int)ctx->args[0], (const char *)ctx->args[1], (int)ctx->args[2],
			 (const char *)ctx->args[3], (__u32)ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int lw_tp_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_UNLINK, LW_AT_FDCWD, (const char *)ctx->args[0], 0, NULL, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int lw_tp_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 type = (ctx->args[2] & LW_AT_REMOVEDIR) ? LW_REC_RMDIR : LW_REC_UNLINK;
	lw_path_op_enter(type, (int)ctx->args[0], (const char *)ctx->args[1], 0, NULL, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rmdir")
int lw_tp_enter_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_RMDIR, LW_AT_FDCWD, (const char *)ctx->args[0], 0, NULL, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_link")
int lw_tp_enter_link(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_LINK, LW_AT_FDCWD, (const char *)ctx->args[0], LW_AT_FDCWD, (const char *)ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_linkat")
int lw_tp_enter_linkat(struct trace_event_raw_sys_enter *ctx)
{
	lw_path_op_enter(LW_REC_LINK, (int)ctx->args[0], (const char *)ctx->args[1], (int)ctx->args[2],
			 (const char *)ctx->args[3], 0);
	return 0;
}

#define LW_PATH_OP_EXIT(name)                                                \
	SEC("tracepoint/syscalls/sys_exit_" #name)                           \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                                    \
		return lw_path_op_exit(ctx);                                 \
	}
LW_PATH_OP_EXIT(rename)
LW_PATH_OP_EXIT(renameat)
LW_PATH_OP_EXIT(renameat2)
LW_PATH_OP_EXIT(unlink)
LW_PATH_OP_EXIT(unlinkat)
LW_PATH_OP_EXIT(rmdir)

/* ---- names made: mkdir, mknod, symlink, link. Kept at entry like the other path operations; at
 * exit, if the syscall succeeded, the new name (it exists now) is resolved through the dcache and
 * judged like a rename's new name, and so is a link's existing name; a symlink's target is the text
 * as given. A link also marks the inode if its new name is watched (rule 5), as a rename does. ---- */

/* One name of a create, resolved (a last symlink not followed) and walked, else joined to its base
 * as a string: the record's path (first: begins the record) or its path2. Returns its verdict. */
static __always_inline __u32 lw_create_name(struct lw_scratch *s, struct lw_record_buf *r, __u16 type, long dfd,
					    const char *name, __u32 len, bool resolve, bool first, bool mark,
					    __u32 *unknown, bool *bump, __u32 *end)
{
	struct lw_file_record *fr = (void *)r->data;
	struct lw_walk w = {};
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;

	if (!resolve || !lw_resolve_kept(s, dfd, name, len, false, &dentry, &mnt)) {
		if (resolve)
			lw_count(LW_STAT_UNRESOLVED);
		*bump = true;
		int n = lw_join_name(dfd, name, len, s);
		__u32 joined = n > 0 ? n : 0;
		if (first) {
			*end = lw_file_record_begin(r, type, LW_F_PATH_UNRESOLVED, NULL, 0, s->join, joined);
		} else {
			fr->hdr.flags |= LW_F_PATH_UNRESOLVED;
			*end = lw_file_record_add_path2(r, *end, s->join, joined);
		}
		return lw_string_watch(s, joined);
	}
	lw_walk_name(dentry, mnt, s, &w, false);
	*unknown |= w.unknown;
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	if (first) {
		*end = lw_file_record_begin(r, type, w.path.truncated ? LW_F_PATH_TRUNCATED : 0, inode, 0,
					    &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
		lw_file_record_anchor(r, &w.path, false);
	} else {
		if (w.path.truncated)
			fr->hdr.flags |= LW_F_PATH2_TRUNCATED;
		*end = lw_file_record_add_path2(r, *end, &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
		lw_file_record_anchor(r, &w.path, true);
	}
	if (mark && inode && w.name) {
		struct lw_verdict_state *st = lw_verdict_state();
		lw_remember_verdict(inode, w.name, st ? st->generation : 0);
	}
	return w.self | w.name | (lw_agent_marked_anchor(dentry) ? LW_WATCH_NAME : 0);
}

static __always_inline int lw_create_finish(struct trace_event_raw_sys_exit *ctx, bool resolve)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_names *p = bpf_map_lookup_elem(&lw_pending_names_map, &tid);
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	__u32 unknown = 0, end = 0, watch = 0;
	bool bump = false;

	if (!p) {
		lw_op_end(0, false);
		return 0;
	}
	__u32 type = p->type;
	lw_count(LW_STAT_SEEN);
	if (ctx->ret != 0 || !s || !r) {
		lw_count(LW_STAT_FILTERED); /* the operation failed: nothing changed */
		goto out;
	}
	if (type == LW_REC_LINK) {
		/* name: the existing file, name2: the new name (the record's path) */
		watch = lw_create_name(s, r, type, p->dfd2, p->name2, p->len2, resolve, true, true, &unknown, &bump, &end);
		watch |= lw_create_name(s, r, type, p->dfd, p->name, p->len, resolve, false, false, &unknown, &bump, &end);
	} else {
		watch = lw_create_name(s, r, type, p->dfd, p->name, p->len, resolve, true, false, &unknown, &bump, &end);
		if (type == LW_REC_SYMLINK)
			end = lw_file_record_add_path2(r, end, p->name2, p->len2);
	}
	if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		lw_count(LW_STAT_FILTERED);
		goto out;
	}
	struct lw_file_record *fr = (void *)r->data;
	fr->hdr.flags |= unknown ? LW_F_DEPTH_UNKNOWN : 0;
	if (type == LW_REC_MKNOD) {
		fr->rdev = p->rdev;
		if (!fr->mode)
			fr->mode = p->mode;
	} else if (type == LW_REC_MKDIR && !fr->mode) {
		fr->mode = LW_S_IFDIR | (p->mode & 07777);
	} else if (type == LW_REC_SYMLINK && !fr->mode) {
		fr->mode = LW_S_IFLNK | 0777;
	}
	lw_emit(r, lw_record_finish(r, end));
out:
	bpf_map_delete_elem(&lw_pending_names_map, &tid);
	if (type == LW_REC_LINK)
		lw_op_end(0, bump);
	return 0;
}

LW_TAIL_HANDLERS(create, lw_create_finish)

/* mode and device, kept with the name for the record */
static __always_inline void lw_create_enter(__u32 type, long dfd, const char *upath, long dfd2, const char *upath2,
					    __u32 mode, __u32 rdev)
{
	lw_path_op_enter(type, dfd, upath, dfd2, upath2, 0);
	struct lw_pending_names *p = lw_pending_now();
	if (p) {
		p->mode = mode;
		p->rdev = rdev;
	}
}

SEC("tracepoint/syscalls/sys_enter_mkdir")
int lw_tp_enter_mkdir(struct trace_event_raw_sys_enter *ctx)
{
	lw_create_enter(LW_REC_MKDIR, LW_AT_FDCWD, (const char *)ctx->args[0], 0, NULL, (__u32)ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mkdirat")
int lw_tp_enter_mkdirat(struct trace_event_raw_sys_enter *ctx)
{
	lw_create_enter(LW_REC_MKDIR, (int)ctx->args[0], (const char *)ctx->args[1], 0, NULL, (__u32)ctx->args[2], 0);
	return 0;
}

/* A regular file made by mknod is left to its first open, as the LSM sensor does. */
SEC("tracepoint/syscalls/sys_enter_mknod")
int lw_tp_enter_mknod(struct trace_event_raw_sys_enter *ctx)
{
	if (!lw_is_special_mode((__u32)ctx->args[1]))
		return 0;
	lw_create_enter(LW_REC_MKNOD, LW_AT_FDCWD, (const char *)ctx->args[0], 0, NULL, (__u32)ctx->args[1],
			(__u32)ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mknodat")
int lw_tp_enter_mknodat(struct trace_event_raw_sys_enter *ctx)
{
	if (!lw_is_special_mode((__u32)ctx->args[2]))
		return 0;
	lw_create_enter(LW_REC_MKNOD, (int)ctx->args[0], (const char *)ctx->args[1], 0, NULL, (__u32)ctx->args[2],
			(__u32)ctx->args[3]);
	return 0;
}

/* symlink(target, linkpath): the new name first, the target's text second */
SEC("tracepoint/syscalls/sys_enter_symlink")
int lw_tp_enter_symlink(struct trace_event_raw_sys_enter *ctx)
{
	lw_create_enter(LW_REC_SYMLINK, LW_AT_FDCWD, (const char *)ctx->args[1], 0, (const char *)ctx->args[0], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_symlinkat")
int lw_tp_enter_symlinkat(struct trace_event_raw_sys_enter *ctx)
{
	lw_create_enter(LW_REC_SYMLINK, (int)ctx->args[1], (const char *)ctx->args[2], 0, (const char *)ctx->args[0], 0, 0);
	return 0;
}

#define LW_CREATE_EXIT(name)                                                 \
	SEC("tracepoint/syscalls/sys_exit_" #name)                           \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                                    \
		return lw_path_op_exit_to(ctx, LW_HANDLER_CREATE);           \
	}
LW_CREATE_EXIT(link)
LW_CREATE_EXIT(linkat)
LW_CREATE_EXIT(mkdir)
LW_CREATE_EXIT(mkdirat)
LW_CREATE_EXIT(mknod)
LW_CREATE_EXIT(mknodat)
LW_CREATE_EXIT(symlink)
LW_CREATE_EXIT(symlinkat)

/* ---- metadata: chmod, chown, utimes, truncate families. Kept at entry, reported at exit if the
 * syscall succeeded: by name through the path-operation handler (resolved like an unlink), by fd
 * (fchmod, fchown, ftruncate, futimens, AT_EMPTY_PATH) through the fd table. ---- */

#define LW_AT_EMPTY_PATH 0x1000

struct lw_pending_attr_fd {
	struct lw_attr attr;
	__s32 fd;
	__u32 _pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lw_pending_attr_fd);
} lw_pending_attr_fd_map SEC(".maps");

static __always_inline void lw_attr_enter_fd(long fd, const struct lw_attr *attr)
{
	struct lw_pending_attr_fd p = { .fd = fd };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (lw_is_agent())
		return;
	__builtin_memcpy(&p.attr, attr, sizeof(p.attr));
	bpf_map_update_elem(&lw_pending_attr_fd_map, &tid, &p, BPF_ANY);
}

/* By name, or by fd where the name is NULL (utimensat) or empty with AT_EMPTY_PATH. */
static __always_inline void lw_attr_enter(long dfd, const char *upath, __u64 at_flags, const struct lw_attr *attr)
{
	char first = 0;

	if (upath && (at_flags & LW_AT_EMPTY_PATH))
		bpf_probe_read_user(&first, 1, upath);
	if (!upath || ((at_flags & LW_AT_EMPTY_PATH) && first == '\0')) {
		lw_attr_enter_fd(dfd, attr);
		return;
	}
	lw_path_op_enter_attr(LW_REC_SETATTR, dfd, upath, 0, NULL, 0, attr);
}

/* The exit of a metadata change by fd: true if one was pending for this thread. */
static __always_inline bool lw_attr_exit_fd(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_attr_fd *p = bpf_map_lookup_elem(&lw_pending_attr_fd_map, &tid);

	if (!p)
		return false;
	if (ctx->ret == 0) {
		struct file *file = lw_file_from_fd(p->fd);
		if (file)
			lw_handle_attr(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_inode), BPF_CORE_READ(file, f_path.mnt),
				       &p->attr, 0);
	}
	bpf_map_delete_elem(&lw_pending_attr_fd_map, &tid);
	return true;
}

static __always_inline void lw_attr_chown(struct lw_attr *a, __u32 uid, __u32 gid)
{
	a->op = LW_ATTR_CHOWN;
	a->uid = uid;
	a->gid = gid;
	if (uid != (__u32)-1)
		a->valid |= LW_ATTR_V_UID;
	if (gid != (__u32)-1)
		a->valid |= LW_ATTR_V_GID;
}

/* utimes/futimesat: struct timeval[2] (microseconds); utime: struct utimbuf (seconds) */
static __always_inline void lw_attr_timevals(struct lw_attr *a, const void *utv, bool usec)
{
	struct lw_timespec t[2] = {};
	__s64 v[4] = {};

	if (!utv) {
		lw_attr_times(a, NULL);
		return;
	}
	bpf_probe_read_user(v, usec ? sizeof(v) : 2 * sizeof(__s64), utv);
	if (usec) {
		t[0].sec = v[0];
		t[0].nsec = v[1] * 1000;
		t[1].sec = v[2];
		t[1].nsec = v[3] * 1000;
	} else {
		t[0].sec = v[0];
		t[1].sec = v[1];
	}
	lw_attr_times(a, t);
}

SEC("tracepoint/syscalls/sys_enter_truncate")
int lw_tp_enter_truncate(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = { .op = LW_ATTR_TRUNCATE, .valid = LW_ATTR_V_SIZE, .size = (__s64)ctx->args[1] };
	lw_attr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ftruncate")
int lw_tp_enter_ftruncate(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = { .op = LW_ATTR_TRUNCATE, .valid = LW_ATTR_V_SIZE, .size = (__s64)ctx->args[1] };
	lw_attr_enter_fd(ctx->args[0], &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int lw_tp_enter_chmod(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = { .op = LW_ATTR_CHMOD, .valid = LW_ATTR_V_MODE, .mode = (__u32)ctx->args[1] & 07777 };
	lw_attr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmod")
int lw_tp_enter_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = { .op = LW_ATTR_CHMOD, .valid = LW_ATTR_V_MODE, .mode = (__u32)ctx->args[1] & 07777 };
	lw_attr_enter_fd(ctx->args[0], &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int lw_tp_enter_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = { .op = LW_ATTR_CHMOD, .valid = LW_ATTR_V_MODE, .mode = (__u32)ctx->args[2] & 07777 };
	lw_attr_enter((int)ctx->args[0], (const char *)ctx->args[1], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int lw_tp_enter_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = { .op = LW_ATTR_CHMOD, .valid = LW_ATTR_V_MODE, .mode = (__u32)ctx->args[2] & 07777 };
	lw_attr_enter((int)ctx->args[0], (const char *)ctx->args[1], ctx->args[3], &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chown")
int lw_tp_enter_chown(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_chown(&a, ctx->args[1], ctx->args[2]);
	lw_attr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_lchown")
int lw_tp_enter_lchown(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_chown(&a, ctx->args[1], ctx->args[2]);
	lw_attr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchown")
int lw_tp_enter_fchown(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_chown(&a, ctx->args[1], ctx->args[2]);
	lw_attr_enter_fd(ctx->args[0], &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchownat")
int lw_tp_enter_fchownat(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_chown(&a, ctx->args[2], ctx->args[3]);
	lw_attr_enter((int)ctx->args[0], (const char *)ctx->args[1], ctx->args[4], &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_utimensat")
int lw_tp_enter_utimensat(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_timespec t[2] = {};
	struct lw_attr a = {};
	const void *times = (const void *)ctx->args[2];

	if (times)
		bpf_probe_read_user(t, sizeof(t), times);
	lw_attr_times(&a, times ? t : NULL);
	lw_attr_enter((int)ctx->args[0], (const char *)ctx->args[1], ctx->args[3], &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_utimes")
int lw_tp_enter_utimes(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_timevals(&a, (const void *)ctx->args[1], true);
	lw_attr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_futimesat")
int lw_tp_enter_futimesat(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_timevals(&a, (const void *)ctx->args[2], true);
	lw_attr_enter((int)ctx->args[0], (const char *)ctx->args[1], 0, &a);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_utime")
int lw_tp_enter_utime(struct trace_event_raw_sys_enter *ctx)
{
	struct lw_attr a = {};
	lw_attr_timevals(&a, (const void *)ctx->args[1], false);
	lw_attr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, &a);
	return 0;
}

/* ---- extended attributes: setxattr, lsetxattr, fsetxattr, removexattr, lremovexattr,
 * fremovexattr, and setxattrat/removexattrat (Linux 6.13+). The attribute's name is kept at
 * entry (never the value: its size only), the operation reported at exit if it succeeded. By name
 * through the path-operation handler (the name in name2), by fd through lw_pending_xattr_fd. ---- */

struct lw_pending_xattr_fd {
	struct lw_xattr xattr;
	__s32 fd;
	__u32 _pad0;
	char name[LW_XATTR_NAME_MAX + 1];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lw_pending_xattr_fd);
} lw_pending_xattr_fd_map SEC(".maps");

static __always_inline void lw_xattr_enter_fd(long fd, const char *uname, __u32 op, __u64 size, __u32 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (lw_is_agent())
		return;
	struct lw_record_buf *staging = lw_get_record();
	if (!staging)
		return;
	struct lw_pending_xattr_fd *p = (void *)staging->data;
	p->xattr.op = op;
	p->xattr.flags = flags;
	p->xattr.size = size > 0xffffffffu ? 0xffffffffu : size;
	p->xattr._pad0 = 0;
	p->fd = fd;
	p->_pad0 = 0;
	if (bpf_probe_read_user_str(p->name, sizeof(p->name), uname) <= 0)
		p->name[0] = '\0';
	bpf_map_update_elem(&lw_pending_xattr_fd_map, &tid, p, BPF_ANY);
}

/* By name (dfd, path; at_flags: AT_EMPTY_PATH with an empty path means dfd itself). */
static __always_inline void lw_xattr_enter(long dfd, const char *upath, __u64 at_flags, const char *uname, __u32 op,
					   __u64 size, __u32 flags)
{
	char first = 0;

	if (upath && (at_flags & LW_AT_EMPTY_PATH))
		bpf_probe_read_user(&first, 1, upath);
	if (!upath || ((at_flags & LW_AT_EMPTY_PATH) && first == '\0')) {
		lw_xattr_enter_fd(dfd, uname, op, size, flags);
		return;
	}
	lw_path_op_enter(LW_REC_XATTR, dfd, upath, LW_AT_FDCWD, uname, flags);
	struct lw_pending_names *p = lw_pending_now();
	if (p) {
		p->xattr.op = op;
		p->xattr.flags = flags;
		p->xattr.size = size > 0xffffffffu ? 0xffffffffu : size;
		p->xattr._pad0 = 0;
	}
}

static __always_inline bool lw_xattr_exit_fd(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_xattr_fd *p = bpf_map_lookup_elem(&lw_pending_xattr_fd_map, &tid);

	if (!p)
		return false;
	if (ctx->ret == 0) {
		struct file *file = lw_file_from_fd(p->fd);
		if (file)
			lw_handle_xattr(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_inode),
					BPF_CORE_READ(file, f_path.mnt), &p->xattr, p->name, 0);
	} else {
		lw_count(LW_STAT_SEEN);
		lw_count(LW_STAT_FILTERED); /* failed: nothing changed */
	}
	bpf_map_delete_elem(&lw_pending_xattr_fd_map, &tid);
	return true;
}

SEC("tracepoint/syscalls/sys_enter_setxattr")
int lw_tp_enter_setxattr(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, (const char *)ctx->args[1], LW_XATTR_SET, ctx->args[3],
		       ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_lsetxattr")
int lw_tp_enter_lsetxattr(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, (const char *)ctx->args[1], LW_XATTR_SET, ctx->args[3],
		       ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fsetxattr")
int lw_tp_enter_fsetxattr(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter_fd(ctx->args[0], (const char *)ctx->args[1], LW_XATTR_SET, ctx->args[3], ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_removexattr")
int lw_tp_enter_removexattr(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, (const char *)ctx->args[1], LW_XATTR_REMOVE, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_lremovexattr")
int lw_tp_enter_lremovexattr(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter(LW_AT_FDCWD, (const char *)ctx->args[0], 0, (const char *)ctx->args[1], LW_XATTR_REMOVE, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fremovexattr")
int lw_tp_enter_fremovexattr(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter_fd(ctx->args[0], (const char *)ctx->args[1], LW_XATTR_REMOVE, 0, 0);
	return 0;
}

/* setxattrat(dfd, path, at_flags, name, struct xattr_args *args, size): args = { value, size, flags } */
SEC("tracepoint/syscalls/sys_enter_setxattrat")
int lw_tp_enter_setxattrat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 args[4] = {}; /* __u64 value; __u32 size; __u32 flags */

	bpf_probe_read_user(args, sizeof(args), (const void *)ctx->args[4]);
	lw_xattr_enter((int)ctx->args[0], (const char *)ctx->args[1], ctx->args[2], (const char *)ctx->args[3], LW_XATTR_SET,
		       args[2], args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_removexattrat")
int lw_tp_enter_removexattrat(struct trace_event_raw_sys_enter *ctx)
{
	lw_xattr_enter((int)ctx->args[0], (const char *)ctx->args[1], ctx->args[2], (const char *)ctx->args[3],
		       LW_XATTR_REMOVE, 0, 0);
	return 0;
}

/* By fd only (fd_exit: lw_attr_exit_fd or lw_xattr_exit_fd), or by name or fd: the fd entry
 * first, else the path operation. */
#define LW_FD_EXIT(name, fd_exit)                                            \
	SEC("tracepoint/syscalls/sys_exit_" #name)                           \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                                    \
		fd_exit(ctx);                                                \
		return 0;                                                    \
	}
#define LW_FD_OR_NAME_EXIT(name, fd_exit)                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                           \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                                    \
		if (fd_exit(ctx))                                            \
			return 0;                                            \
		return lw_path_op_exit(ctx);                                 \
	}
LW_PATH_OP_EXIT(truncate)
LW_PATH_OP_EXIT(chmod)
LW_PATH_OP_EXIT(fchmodat)
LW_PATH_OP_EXIT(chown)
LW_PATH_OP_EXIT(lchown)
LW_PATH_OP_EXIT(utimes)
LW_PATH_OP_EXIT(futimesat)
LW_PATH_OP_EXIT(utime)
LW_FD_EXIT(ftruncate, lw_attr_exit_fd)
LW_FD_EXIT(fchmod, lw_attr_exit_fd)
LW_FD_EXIT(fchown, lw_attr_exit_fd)
LW_FD_OR_NAME_EXIT(fchmodat2, lw_attr_exit_fd)
LW_FD_OR_NAME_EXIT(fchownat, lw_attr_exit_fd)
LW_FD_OR_NAME_EXIT(utimensat, lw_attr_exit_fd)

LW_PATH_OP_EXIT(setxattr)
LW_PATH_OP_EXIT(lsetxattr)
LW_PATH_OP_EXIT(removexattr)
LW_PATH_OP_EXIT(lremovexattr)
LW_FD_EXIT(fsetxattr, lw_xattr_exit_fd)
LW_FD_EXIT(fremovexattr, lw_xattr_exit_fd)
LW_FD_OR_NAME_EXIT(setxattrat, lw_xattr_exit_fd)
LW_FD_OR_NAME_EXIT(removexattrat, lw_xattr_exit_fd)

/* ---- mounts (mount.bpf.h): kept at entry like the other path operations (and in flight for the
 * verdicts: rule 4, a bump at the end); at exit, if the syscall succeeded, the target is resolved
 * through the dcache (the last component's mounts are not crossed, so it is the mount point) and
 * judged there. path2 = the source as given. ---- */

#define LW_MOVE_MOUNT_F_EMPTY_PATH 0x00000004

static __always_inline void lw_mount_enter(long dfd, const char *target, const char *source, __u32 op, __u32 flags)
{
	lw_op_begin(0, true); /* the agent's own mounts rename things too */
	if (lw_is_agent())
		return;
	lw_path_op_enter(LW_REC_MOUNT, dfd, target, LW_AT_FDCWD, source, flags);
	struct lw_pending_names *p = lw_pending_now();
	if (p) {
		p->mode = op;
		__builtin_memset(p->fstype, 0, LW_FSTYPE_LEN);
	}
}

SEC("tracepoint/syscalls/sys_enter_mount")
int lw_tp_enter_mount(struct trace_event_raw_sys_enter *ctx)
{
	lw_mount_enter(LW_AT_FDCWD, (const char *)ctx->args[1], (const char *)ctx->args[0], LW_MOUNT_MOUNT,
		       (__u32)ctx->args[3]);
	struct lw_pending_names *p = lw_pending_now();
	if (p && ctx->args[2])
		bpf_probe_read_user_str(p->fstype, LW_FSTYPE_LEN, (const char *)ctx->args[2]);
	return 0;
}

/* move_mount(from_dfd, from_path, to_dfd, to_path, flags) */
SEC("tracepoint/syscalls/sys_enter_move_mount")
int lw_tp_enter_move_mount(struct trace_event_raw_sys_enter *ctx)
{
	__u32 flags = (__u32)ctx->args[4];

	lw_mount_enter((int)ctx->args[2], (const char *)ctx->args[3], (const char *)ctx->args[1], LW_MOUNT_MOVE, flags);
	struct lw_pending_names *p = lw_pending_now();
	if (!p || !(flags & LW_MOVE_MOUNT_F_EMPTY_PATH))
		return 0;
	/* the source is the fd itself: a detached mount from fsmount(2), or an O_PATH of a mount */
	struct file *from = lw_file_from_fd((int)ctx->args[0]);
	if (from)
		bpf_probe_read_kernel_str(p->fstype, LW_FSTYPE_LEN, lw_fstype_of(BPF_CORE_READ(from, f_path.mnt)));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_umount")
int lw_tp_enter_umount(struct trace_event_raw_sys_enter *ctx)
{
	lw_mount_enter(LW_AT_FDCWD, (const char *)ctx->args[0], NULL, LW_MOUNT_UMOUNT, (__u32)ctx->args[1]);
	return 0;
}

static __always_inline int lw_mount_finish(struct trace_event_raw_sys_exit *ctx, bool resolve)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_names *p = bpf_map_lookup_elem(&lw_pending_names_map, &tid);
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;
	struct lw_walk w = {};
	__u32 watch = 0, end = 0;

	if (!p)
		goto out;
	lw_count(LW_STAT_SEEN);
	if (ctx->ret != 0 || !s || !r) {
		lw_count(LW_STAT_FILTERED); /* the mount failed: nothing changed (the bump at the end is harmless) */
		goto out;
	}
	if (resolve && !lw_resolve_kept(s, p->dfd, p->name, p->len, false, &dentry, &mnt)) {
		lw_count(LW_STAT_UNRESOLVED);
		dentry = NULL;
	}
	if (dentry) {
		struct dentry *on = dentry;
		struct vfsmount *on_mnt = mnt;

		lw_mount_point_of(&dentry, &mnt);
		watch = lw_mount_watch(dentry, mnt, s, &w);
		end = lw_mount_record_begin(r, w.unknown ? LW_F_DEPTH_UNKNOWN : 0, dentry, &w, s, p->mode, p->flags, NULL);
		/* a bind or move onto an unwatched name: judged by what it attached there */
		if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME)) && lw_mount_moves_a_tree(p->mode, p->flags) &&
		    (lw_mounted_source_watch(on_mnt, on, s) & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
			((struct lw_header *)r->data)->flags |= LW_F_SOURCE_WATCHED;
			watch |= LW_WATCH_NAME;
		}
	} else {
		int n = lw_join_name(p->dfd, p->name, p->len, s);
		__u32 joined = n > 0 ? n : 0;
		struct lw_mount_record *mr = (void *)r->data;
		end = lw_file_record_begin_at(r, sizeof(*mr), LW_REC_MOUNT, LW_F_PATH_UNRESOLVED, NULL, 0, s->join, joined);
		mr->mount.op = p->mode;
		mr->mount.flags = p->flags;
		watch = lw_string_watch(s, joined);
	}
	__builtin_memcpy(((struct lw_mount_record *)r->data)->mount.fstype, p->fstype, LW_FSTYPE_LEN);
	end = lw_file_record_add_path2(r, end, p->name2, p->len2);
	if (!(watch & (LW_WATCH_WRITE | LW_WATCH_NAME))) {
		lw_count(LW_STAT_FILTERED);
		goto out;
	}
	lw_emit(r, lw_record_finish(r, end));
out:
	bpf_map_delete_elem(&lw_pending_names_map, &tid);
	lw_op_end(0, true);
	return 0;
}

LW_TAIL_HANDLERS(mount, lw_mount_finish)

#define LW_MOUNT_EXIT(name)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                           \
	int lw_tp_exit_##name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                                    \
		return lw_path_op_exit_to(ctx, LW_HANDLER_MOUNT);            \
	}
LW_MOUNT_EXIT(mount)
LW_MOUNT_EXIT(move_mount)
LW_MOUNT_EXIT(umount)

LW_MOUNT_SYSCALL(pivot_root)

/* ---- ptrace: attach-type requests, and any request aimed at the agent ---- */

SEC("tracepoint/syscalls/sys_enter_ptrace")
int lw_tp_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	__u32 request = ctx->args[0];
	__u32 target = ctx->args[1];

	if (lw_is_agent())
		return 0;
	if (request == LW_PTRACE_TRACEME) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		target = BPF_CORE_READ(task, real_parent, tgid);
	} else if (request != LW_PTRACE_ATTACH && request != LW_PTRACE_SEIZE &&
		   !(lw_agent_tgid != 0 && target == lw_agent_tgid)) {
		return 0;
	}
	struct lw_pending_ptrace pending = { .request = request, .target_pid = target };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&lw_pending_ptrace_map, &tid, &pending, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int lw_tp_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_pending_ptrace *pending = bpf_map_lookup_elem(&lw_pending_ptrace_map, &tid);

	if (!pending)
		return 0;
	lw_count(LW_STAT_SEEN);
	struct lw_record_buf *r = lw_get_record();
	if (!r) {
		bpf_map_delete_elem(&lw_pending_ptrace_map, &tid);
		return 0;
	}
	struct lw_ptrace_record *pr = (void *)r->data;
	long ret = ctx->ret;

	__builtin_memset(pr, 0, sizeof(*pr));
	pr->hdr.type = LW_REC_PTRACE;
	pr->hdr.size = sizeof(*pr);
	pr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&pr->tracer);
	pr->target_pid = pending->target_pid; /* a pid in the tracer's namespace; comm and uid: user space */
	pr->request = pending->request;
	pr->result = ret < 0 ? (__s32)ret : 0;
	pr->kind = LW_PTRACE_REQUEST;
	pr->decision = ret == 0 ? LW_DECISION_ALLOW : (ret == -1 ? LW_DECISION_DENY : LW_DECISION_ERROR);
	bpf_map_delete_elem(&lw_pending_ptrace_map, &tid);
	lw_emit(pr, sizeof(*pr));
	return 0;
}

/* ---- the agent's own process: observed, never denied (this sensor cannot) ---- */

#define LW_PRIO_PROCESS 0
#define LW_IOPRIO_WHO_PROCESS 1

/* A syscall by another process aimed at the agent's pid (0 = the caller itself, never the agent). */
static __always_inline bool lw_aimed_at_agent(long pid)
{
	return lw_agent_tgid != 0 && pid == lw_agent_tgid && !lw_is_agent();
}

/* prlimit64(pid, resource, new_rlim, old_rlim): only a new limit changes anything */
SEC("tracepoint/syscalls/sys_enter_prlimit64")
int lw_tp_enter_prlimit64(struct trace_event_raw_sys_enter *ctx)
{
	if (!lw_aimed_at_agent(ctx->args[0]) || !ctx->args[2])
		return 0;
	__u64 lim[2] = {};
	bpf_probe_read_user(lim, sizeof(lim), (const void *)ctx->args[2]);
	lw_emit_task(LW_TASK_SETRLIMIT, ctx->args[1], lim[0], lim[1], false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_setpriority")
int lw_tp_enter_setpriority(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[0] != LW_PRIO_PROCESS || !lw_aimed_at_agent(ctx->args[1]))
		return 0;
	lw_emit_task(LW_TASK_SETNICE, 0, (__u64)(__s64)(int)ctx->args[2], 0, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sched_setaffinity")
int lw_tp_enter_sched_setaffinity(struct trace_event_raw_sys_enter *ctx)
{
	if (lw_aimed_at_agent(ctx->args[0]))
		lw_emit_task(LW_TASK_SETSCHEDULER, 0, 0, 0, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sched_setscheduler")
int lw_tp_enter_sched_setscheduler(struct trace_event_raw_sys_enter *ctx)
{
	if (lw_aimed_at_agent(ctx->args[0]))
		lw_emit_task(LW_TASK_SETSCHEDULER, 0, 0, 0, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ioprio_set")
int lw_tp_enter_ioprio_set(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[0] != LW_IOPRIO_WHO_PROCESS || !lw_aimed_at_agent(ctx->args[1]))
		return 0;
	lw_emit_task(LW_TASK_SETIOPRIO, 0, (__u64)(__s64)(int)ctx->args[2], 0, false);
	return 0;
}

/* A cgroup v2 freeze (cgroup.freeze). Reported when the cgroup holds the agent, or while the agent's
 * task is not known yet; the agent itself is frozen then, so the record is read once it thaws. */
SEC("tracepoint/cgroup/cgroup_freeze")
int lw_cgroup_freeze(struct trace_event_raw_cgroup *ctx)
{
	if (lw_agent_tgid == 0)
		return 0;
	if (lw_agent_leader && !lw_cgroup_id_holds_agent(ctx->id, ctx->level))
		return 0;
	__u32 loc = ctx->__data_loc_path;
	lw_emit_cgroup_kstr(LW_CGROUP_FREEZE, ctx->id, ctx->level, ctx->root,
			    (void *)((unsigned long)ctx + (loc & 0xffff)));
	return 0;
}
