/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Building records in per-CPU scratch and handing them to the ring buffer; the file-event logic
 * both sensors share (verdict cache, open and write handling). */
#ifndef LSMWATCH_RECORD_BPF_H
#define LSMWATCH_RECORD_BPF_H

#include "path.bpf.h"
#include "agent_task.bpf.h"
#include "verdict.bpf.h"

#define LW_O_ACCMODE 00000003
#define LW_O_RDONLY 00000000
#define LW_O_TRUNC 00001000
#define LW_S_IFMT 00170000
#define LW_S_IFREG 0100000
#define LW_S_IFDIR 0040000

/* A mode that mknod makes something other than a regular file of (type 0 is a regular file). */
static __always_inline bool lw_is_special_mode(__u32 mode)
{
	__u32 type = mode & LW_S_IFMT;
	return type != 0 && type != LW_S_IFREG;
}
#define LW_RECORD_MASK (LW_RECORD_MAX - 1)

/* loginuid and sessionid exist only with CONFIG_AUDIT: CO-RE asks the running kernel (this flavour
 * compiles whatever the build machine's vmlinux.h holds). Without them both are LW_ID_UNSET. */
struct task_struct___audit {
	kuid_t loginuid;
	unsigned int sessionid;
} __attribute__((preserve_access_index));

static __always_inline void lw_fill_process(struct lw_process *p)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct___audit *audit = (void *)task;
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	p->pid = id >> 32;
	p->tid = (__u32)id;
	p->ppid = BPF_CORE_READ(task, real_parent, tgid);
	p->uid = (__u32)ug;
	p->gid = ug >> 32;
	p->_pad0 = 0;
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	/* the leader's start: every thread of a process, and an exec from a thread, has the same identity */
	p->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	p->parent_start_ns = BPF_CORE_READ(task, real_parent, group_leader, start_boottime);
	p->cgroup_id = bpf_get_current_cgroup_id();
	if (bpf_core_field_exists(audit->loginuid)) {
		p->loginuid = BPF_CORE_READ(audit, loginuid.val);
		p->sessionid = BPF_CORE_READ(audit, sessionid);
	} else {
		p->loginuid = LW_ID_UNSET;
		p->sessionid = LW_ID_UNSET;
	}
}

/* Hands a finished record to the ring buffer and counts the outcome. Wake-ups are batched: user
 * space is woken once lw_wakeup_bytes are queued and otherwise drains on its own short timer. */
static __always_inline bool lw_output(void *rec, __u32 size)
{
	__u64 queued = bpf_ringbuf_query(&lw_events, BPF_RB_AVAIL_DATA);
	__u64 flags = queued + size >= lw_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;

	if (size > LW_RECORD_MAX)
		return false;
	return bpf_ringbuf_output(&lw_events, rec, size, flags) == 0;
}

/* Emits the record of one seen event; returns whether it reached the ring buffer. */
static __always_inline bool lw_emit(void *rec, __u32 size)
{
	bool ok = lw_output(rec, size);
	lw_count(ok ? LW_STAT_EMITTED : LW_STAT_LOST_RINGBUF);
	return ok;
}

/* Fills header, process, inode fields and the first path, which starts at fixed (the size of the
 * record's fixed part: struct lw_file_record, or a record that begins with one). Returns the
 * offset just past the path's NUL. */
static __always_inline __u32 lw_file_record_begin_at(struct lw_record_buf *r, __u32 fixed, __u16 type, __u32 flags,
						     struct inode *inode, __u32 open_flags, const char *path,
						     __u32 path_len)
{
	struct lw_file_record *fr = (void *)r->data;

	fr->hdr.type = type;
	fr->hdr.size = 0;
	fr->hdr.flags = flags;
	fr->hdr.time_ns = bpf_ktime_get_ns();
	lw_fill_process(&fr->proc);
	fr->ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	fr->dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
	fr->mode = inode ? BPF_CORE_READ(inode, i_mode) : 0;
	fr->open_flags = open_flags;
	fr->count = 1;
	fr->bytes = 0;
	barrier_var(path_len);
	path_len &= LW_PATH_MASK;
	fr->path_len = path_len;
	fr->path2_len = 0;
	fr->anchor = 0;
	fr->anchor2 = 0;
	fr->anchor_off = 0;
	fr->anchor2_off = 0;
	fr->rdev = 0;
	bpf_probe_read_kernel(&r->data[fixed], path_len + 1, path);
	return fixed + path_len + 1;
}

static __always_inline __u32 lw_file_record_begin(struct lw_record_buf *r, __u16 type, __u32 flags,
						  struct inode *inode, __u32 open_flags, const char *path,
						  __u32 path_len)
{
	return lw_file_record_begin_at(r, sizeof(struct lw_file_record), type, flags, inode, open_flags, path, path_len);
}

static __always_inline __u32 lw_file_record_add_path2(struct lw_record_buf *r, __u32 at, const char *path,
						      __u32 path_len)
{
	struct lw_file_record *fr = (void *)r->data;

	at &= (2 * LW_PATH_MAX - 1);
	barrier_var(path_len); /* keep the mask: clang may prove it redundant, the verifier cannot */
	path_len &= LW_PATH_MASK;
	fr->path2_len = path_len;
	bpf_probe_read_kernel(&r->data[at], path_len + 1, path);
	return at + path_len + 1;
}

/* An extended attribute's name (a kernel string; the kernel refuses names longer than
 * LW_XATTR_NAME_MAX before the operation succeeds) as the record's second path. */
static __always_inline __u32 lw_file_record_add_xattr_name(struct lw_record_buf *r, __u32 at, const char *name)
{
	struct lw_file_record *fr = (void *)r->data;

	at &= (2 * LW_PATH_MAX - 1);
	long n = bpf_probe_read_kernel_str(&r->data[at], LW_XATTR_NAME_MAX + 1, name);
	if (n <= 0) {
		r->data[at] = '\0';
		n = 1;
	}
	barrier_var(n); /* keep the mask: older verifiers learn no bound from the helper's size */
	n &= 0x1ff;
	fr->path2_len = n > 0 ? n - 1 : 0;
	return at + n;
}

/* The anchor the walk of the first (second) path found, for the agent's watched name. */
static __always_inline void lw_file_record_anchor(struct lw_record_buf *r, const struct lw_walked_path *wp, bool second)
{
	struct lw_file_record *fr = (void *)r->data;

	if (second) {
		fr->anchor2 = wp->anchor;
		fr->anchor2_off = wp->anchor_off;
	} else {
		fr->anchor = wp->anchor;
		fr->anchor_off = wp->anchor_off;
	}
}

/* Pads to 8 bytes with zeros (no stale scratch bytes leave the kernel) and sets hdr.size. */
static __always_inline __u32 lw_record_finish(struct lw_record_buf *r, __u32 end)
{
	struct lw_header *h = (void *)r->data;
	__u32 size = (end + 7) & ~7u;

	for (int i = 0; i < 8; i++) {
		__u32 at = end + i;
		if (at >= size)
			break;
		barrier_var(at); /* keep the mask: clang may drop it and the verifier then refuses */
		r->data[at & LW_RECORD_MASK] = 0;
	}
	h->size = size;
	return size;
}

static __always_inline bool lw_is_regular(struct inode *inode)
{
	__u16 mode = BPF_CORE_READ(inode, i_mode);
	return (mode & LW_S_IFMT) == LW_S_IFREG;
}

/* The verdict a walk just computed (no cached one could be trusted), kept for the inode's next
 * operations. */
static __always_inline __u32 lw_learn_verdict(struct inode *inode, const struct lw_walk *w, __u64 generation)
{
	lw_count(LW_STAT_VERDICT_WALKS);
	lw_remember_verdict(inode, w->self, generation);
	return w->self;
}

/* Whether this is a regular file that someone other than the agent is operating on, counted as
 * seen; false for everything else (pipes, sockets, the agent's own files), counted as filtered
 * where seen. */
static __always_inline bool lw_regular_inode_seen(struct file *file, struct inode *inode)
{
	if (!file || !inode || !lw_is_regular(inode))
		return false;
	lw_count(LW_STAT_SEEN);
	if (lw_is_agent()) {
		lw_note_agent_task(); /* the guard needs the agent's cgroup */
		lw_count(LW_STAT_FILTERED);
		return false;
	}
	return true;
}

static __always_inline bool lw_open_reported(__u32 watch, bool writing)
{
	return (watch & LW_WATCH_WRITE) && (writing || (watch & LW_WATCH_READ));
}

/* A file was opened (LSM file_open, or a successful open syscall in the tracepoint sensor). The
 * walk runs only where the cached verdict cannot be trusted or a record needs the path. cleared:
 * O_CREAT/O_EXCL/O_TRUNC as the syscall asked (the tracepoint sensor), which the kernel has
 * taken out of f_flags by then. */
static __always_inline void lw_handle_open_as(struct file *file, struct inode *inode, __u32 cleared)
{
	struct lw_walk w = {};
	__u32 watch = 0;

	if (!lw_regular_inode_seen(file, inode))
		return;
	struct lw_verdict_state *st = lw_verdict_state();
	__u64 generation = st ? st->generation : 0;
	__u32 f_flags = BPF_CORE_READ(file, f_flags) | cleared;
	bool writing = (f_flags & LW_O_ACCMODE) != LW_O_RDONLY || (f_flags & LW_O_TRUNC);
	bool trusted = lw_trusted_verdict(inode, st, &watch);

	if (trusted && !lw_open_reported(watch, writing)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r)
		return;
	lw_walk_name(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), s, &w, false);
	if (!trusted)
		watch = lw_learn_verdict(inode, &w, generation);
	if (!lw_open_reported(watch, writing)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	__u32 flags = (w.path.truncated ? LW_F_PATH_TRUNCATED : 0) | (!trusted && w.unknown ? LW_F_DEPTH_UNKNOWN : 0);
	__u32 end = lw_file_record_begin(r, LW_REC_OPEN, flags, inode, f_flags, &s->walk[w.path.off & LW_PATH_MASK],
					 w.path.len);
	lw_file_record_anchor(r, &w.path, false);
	lw_emit(r, lw_record_finish(r, end));
}

static __always_inline void lw_handle_open(struct file *file, struct inode *inode)
{
	lw_handle_open_as(file, inode, 0);
}

/* Reports the writes pending in an aggregation entry as one LW_F_AGGREGATED record. The count is
 * claimed with an atomic exchange, so writes racing with the flush land in the next one: every write
 * is reported exactly once. The file pointer comes from the map key: it is used only if the file still
 * points at the same inode (pointer and number), otherwise the record goes out without a path
 * (LW_F_PATH_UNKNOWN). */
static __always_inline void lw_flush_agg(const struct lw_agg_key *key, struct lw_agg_value *agg)
{
	struct lw_walk w = {};
	__u64 count = __sync_lock_test_and_set(&agg->count, 0);
	if (count == 0)
		return;
	__u64 bytes = __sync_lock_test_and_set(&agg->bytes, 0);
	struct lw_scratch *s = lw_get_scratch();
	struct lw_record_buf *r = lw_get_record();
	if (!s || !r) {
		lw_count(LW_STAT_FLUSH_LOST);
		lw_count_n(LW_STAT_AGG_LOST, count);
		return;
	}
	struct file *file = (struct file *)(unsigned long)key->file;
	struct lw_file_record *fr = (void *)r->data;
	__u32 flags = LW_F_AGGREGATED;
	__u32 end;

	struct inode *now_inode = BPF_CORE_READ(file, f_inode);
	if ((__u64)(unsigned long)now_inode == key->inode && BPF_CORE_READ(now_inode, i_ino) == agg->ino) {
		lw_walk_name(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), s, &w, false);
		if (w.path.truncated)
			flags |= LW_F_PATH_TRUNCATED;
		end = lw_file_record_begin(r, LW_REC_WRITE, flags, NULL, agg->open_flags, &s->walk[w.path.off & LW_PATH_MASK],
					   w.path.len);
		lw_file_record_anchor(r, &w.path, false);
	} else {
		end = lw_file_record_begin(r, LW_REC_WRITE, flags | LW_F_PATH_UNKNOWN, NULL, agg->open_flags, "", 0);
	}
	__builtin_memcpy(&fr->proc, &agg->proc, sizeof(fr->proc));
	fr->ino = agg->ino;
	fr->dev = agg->dev;
	fr->mode = agg->mode;
	fr->count = count;
	fr->bytes = bytes;
	if (lw_output(r, lw_record_finish(r, end))) {
		lw_count(LW_STAT_FLUSHED);
		lw_count_n(LW_STAT_AGG_REPORTED, count);
	} else {
		lw_count(LW_STAT_FLUSH_LOST);
		lw_count_n(LW_STAT_AGG_LOST, count);
	}
}

/* Makes an aggregation entry describe this file and writer, with a window opening now. Its count
 * and bytes are left alone: they belong to whoever claims them. */
static __always_inline void lw_agg_start(struct lw_agg_value *agg, struct file *file, struct inode *inode, __u64 ino,
					 __u64 now)
{
	agg->ino = ino;
	agg->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	agg->mode = BPF_CORE_READ(inode, i_mode);
	agg->open_flags = BPF_CORE_READ(file, f_flags);
	lw_fill_process(&agg->proc);
	agg->window_start = now;
}

/* Aggregation of a write to a watched file: true if it only joined the pending count of its window
 * (nothing to emit). Otherwise the caller emits a record for it carrying *pending earlier writes
 * whose window had expired. Uses BPF atomic fetch/xchg (Linux 5.12). */
static __always_inline bool lw_agg_absorb(struct file *file, struct inode *inode, __u64 bytes, __u64 *pending,
					  __u64 *pending_bytes)
{
	struct lw_agg_key akey = {
		.file = (__u64)(unsigned long)file,
		.inode = (__u64)(unsigned long)inode,
		.tgid = bpf_get_current_pid_tgid() >> 32,
	};
	__u64 now = bpf_ktime_get_ns();
	struct lw_agg_value *agg = bpf_map_lookup_elem(&lw_write_agg, &akey);
	__u64 ino = BPF_CORE_READ(inode, i_ino);
	if (agg && agg->ino != ino) {
		/* The key's file and inode structs were freed and reused for another file (entries of
		 * the tracepoint sensor outlive close): report what the old file still owed, without
		 * a path, and start over for this one. */
		lw_flush_agg(&akey, agg);
		lw_agg_start(agg, file, inode, ino, now);
	} else if (agg) {
		/* signed: another CPU may have opened the window after we read the clock */
		if ((__s64)(now - agg->window_start) < (__s64)lw_agg_window_ns) {
			__u64 before = __sync_fetch_and_add(&agg->count, 1);
			__sync_fetch_and_add(&agg->bytes, bytes);
			lw_count(LW_STAT_AGGREGATED);
			if (before + 1 == lw_agg_max_count)
				lw_flush_agg(&akey, agg);
			return true;
		}
		*pending = __sync_lock_test_and_set(&agg->count, 0);
		*pending_bytes = __sync_lock_test_and_set(&agg->bytes, 0);
		agg->window_start = now;
	} else {
		struct lw_agg_value fresh = {};

		lw_agg_start(&fresh, file, inode, ino, now);
		/* full: no aggregation, no loss; counted before it can be seen, so a close never misses it */
		__sync_fetch_and_add(&lw_agg_entries, 1);
		if (bpf_map_update_elem(&lw_write_agg, &akey, &fresh, BPF_NOEXIST) != 0)
			__sync_fetch_and_add(&lw_agg_entries, -1);
	}
	return false;
}

/* A write to an open file (LSM file_permission with MAY_WRITE, or a write-family syscall). With
 * aggregate, the first write of a window gets its own record and later ones in the window only add
 * to the entry's count; without (kernels lacking BPF atomic fetch, see the __no_atomics program
 * variants), every write gets its own record. aggregate must be a constant: the atomics are then
 * compiled only into the programs that aggregate. */
static __always_inline void lw_handle_write_mode(struct file *file, struct inode *inode, __u64 bytes,
						  const bool aggregate)
{
	struct lw_walk w = {};
	bool walked = false;
	__u32 watch = 0;

	if (!lw_regular_inode_seen(file, inode))
		return;
	struct lw_verdict_state *st = lw_verdict_state();
	__u64 generation = st ? st->generation : 0;
	bool trusted = lw_trusted_verdict(inode, st, &watch);
	if (trusted && !(watch & LW_WATCH_WRITE)) {
		lw_count(LW_STAT_FILTERED);
		return;
	}
	struct lw_scratch *s = lw_get_scratch();
	if (!s)
		return;
	if (!trusted) {
		/* not trusted: walk now (inherited fds, evicted or stale verdicts); the path is kept */
		lw_walk_name(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), s, &w, false);
		walked = true;
		watch = lw_learn_verdict(inode, &w, generation);
		if (!(watch & LW_WATCH_WRITE)) {
			lw_count(LW_STAT_FILTERED);
			return;
		}
	}

	__u64 pending = 0, pending_bytes = 0;
	if (aggregate && lw_agg_absorb(file, inode, bytes, &pending, &pending_bytes))
		return;

	struct lw_record_buf *r = lw_get_record();
	if (!r) {
		lw_count(LW_STAT_LOST_RINGBUF);
		lw_count_n(LW_STAT_AGG_LOST, pending);
		return;
	}
	__u32 flags = (walked ? LW_F_FROM_CACHE_MISS : 0) | (walked && w.unknown ? LW_F_DEPTH_UNKNOWN : 0);
	if (!walked)
		lw_walk_name(BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), s, &w, false);
	if (w.path.truncated)
		flags |= LW_F_PATH_TRUNCATED;
	__u32 end = lw_file_record_begin(r, LW_REC_WRITE, flags, inode, BPF_CORE_READ(file, f_flags),
					 &s->walk[w.path.off & LW_PATH_MASK], w.path.len);
	lw_file_record_anchor(r, &w.path, false);
	((struct lw_file_record *)r->data)->count = 1 + pending;
	((struct lw_file_record *)r->data)->bytes = bytes + pending_bytes;
	if (lw_emit(r, lw_record_finish(r, end)))
		lw_count_n(LW_STAT_AGG_REPORTED, pending);
	else
		lw_count_n(LW_STAT_AGG_LOST, pending);
}

static __always_inline void lw_handle_write(struct file *file, struct inode *inode, __u64 bytes)
{
	lw_handle_write_mode(file, inode, bytes, true);
}

/* For the __no_atomics program variants: a record for every write, nothing pending in the kernel. */
static __always_inline void lw_handle_write_each(struct file *file, struct inode *inode, __u64 bytes)
{
	lw_handle_write_mode(file, inode, bytes, false);
}

/* The file is being closed (LSM file_free_security: last reference; tracepoint: close(2) by this
 * process): report what this process wrote to it. forget: also drop the entry (safe only when no
 * one can write through the file any more). */
static __always_inline void lw_handle_close(struct file *file, bool forget)
{
	if (!file || !lw_agg_entries)
		return;
	struct lw_agg_key akey = {
		.file = (__u64)(unsigned long)file,
		.inode = (__u64)(unsigned long)BPF_CORE_READ(file, f_inode),
		.tgid = bpf_get_current_pid_tgid() >> 32,
	};
	struct lw_agg_value *agg = bpf_map_lookup_elem(&lw_write_agg, &akey);
	if (!agg)
		return;
	lw_flush_agg(&akey, agg);
	if (forget && bpf_map_delete_elem(&lw_write_agg, &akey) == 0)
		__sync_fetch_and_add(&lw_agg_entries, -1);
}

struct lw_flush_ctx {
	__u64 now;
	__u64 all;
};

static long lw_flush_one(struct bpf_map *map, struct lw_agg_key *key, struct lw_agg_value *agg,
			 struct lw_flush_ctx *ctx)
{
	__s64 age = ctx->now - agg->window_start;

	if (ctx->all || age >= (__s64)lw_agg_window_ns)
		lw_flush_agg(key, agg);
	/* A writer inside its window never meets this: its window_start is less than a second old. */
	if (age >= (__s64)LW_AGG_IDLE_NS && agg->count == 0 && bpf_map_delete_elem(map, key) == 0)
		__sync_fetch_and_add(&lw_agg_entries, -1);
	return 0;
}

/* Run by the agent (BPF_PROG_TEST_RUN) a few times a second, and with LW_FLUSH_ALL as it stops:
 * reports counts of files that went quiet and forgets idle entries. */
static __always_inline int lw_flush_writes(__u64 mode)
{
	struct lw_flush_ctx ctx = { .now = bpf_ktime_get_ns(), .all = mode == LW_FLUSH_ALL };

	bpf_for_each_map_elem(&lw_write_agg, lw_flush_one, &ctx, 0);
	return 0;
}

#endif
