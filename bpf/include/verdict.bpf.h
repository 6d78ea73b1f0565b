/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Watch verdicts of inodes: whether operations on an inode are reported. The unwatched fast path
 * is one lookup (inode storage under LSM, lw_verdict_cache under tracepoints) plus the verdict
 * state; everything else is the walk of path.bpf.h.
 *
 * Why no cached verdict hides a change (the soundness argument; tests: conformance.test.ts).
 * V(name) is what the walk computes now: the nearest mark or anchor entry on the name's dentry
 * chain. A cached verdict may only ever be larger than V (over-reporting is safe), never smaller.
 *  1. Positive verdicts are sticky (LW_MARK_STICKY): an inode that was watched stays watched while
 *     it lives, under every name. Only negative verdicts can be wrong, so only they are guarded.
 *  2. A negative verdict is stored on the inode itself and cannot pass to another object: under
 *     LSM in inode storage, freed with the inode; under tracepoints keyed by the inode's address,
 *     device, number and i_generation, and only on file systems that give each new inode a new
 *     random or increasing i_generation (ext4, tmpfs, xfs, btrfs), so a new inode that reuses the
 *     memory and the number of an old one does not find the old entry. Elsewhere nothing negative
 *     is cached (each access walks). There is no per-file or per-dentry cache any more.
 *  3. A negative verdict is stamped with the generation read *before* its walk, and is trusted
 *     only while the generation is the same and no operation that changes names is in flight.
 *  4. What can make V(I) positive without touching I? Only new names above it: a directory rename
 *     (the subtree gets new ancestors) or a mount change (new crossings). Each one raises in_flight
 *     before it starts (LSM path_rename; sys_enter of rename*, mount, umount2, move_mount,
 *     pivot_root) and, after it completed (fexit of vfs_rename; sys_exit), bumps the generation
 *     and then lowers in_flight. A negative computed before the bump carries an older generation;
 *     while in flight none is trusted; one computed after the bump walked the tree the operation
 *     left. So no access that follows the operation can use a verdict computed before it.
 *  5. What can make I itself watched? A rename of I to a watched name, or a hard link to one. The
 *     hooks compute V of the new name and, if positive, mark I sticky: under LSM in path_rename /
 *     path_link, before the operation happens; under tracepoints at sys_exit, while in_flight still
 *     covers the window between the operation and the mark.
 *  6. Marks of the agent (roots, anchors, files below watched trees) are all set before the
 *     programs attach, keyed by (device, inode number, i_generation): a new inode that reuses a
 *     deleted one's number gets another i_generation and does not inherit its mark. The agent
 *     marks only watched inodes and anchors (never "unwatched": ignore entries are trie entries
 *     under the anchors), so even a mark inherited on a file system without i_generation could
 *     only over-report. The kernel only ever adds positive marks.
 *  7. A walk that runs out of depth before anything decides counts as watched (LW_F_DEPTH_UNKNOWN).
 *  8. A policy reload (src/agent/watchList.ts) puts the new trie entries and marks in first, then
 *     bumps lw_policy_epoch, then removes what the old policy alone wanted. Every verdict the kernel
 *     computed carries the epoch it was computed in and is trusted only in that epoch, so after
 *     the bump nothing computed under the old policy (sticky or cached) decides; until the bump
 *     both policies' entries are in, so the window can only over-report.
 * Memory ordering: generation and in_flight are changed with atomic adds (full barriers on
 * x86-64); readers load the state before walking.
 */
#ifndef LSMWATCH_VERDICT_BPF_H
#define LSMWATCH_VERDICT_BPF_H

#include "path.bpf.h"

#ifdef LW_INODE_STORAGE
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lw_mark);
} lw_marks SEC(".maps");
#else
struct lw_cache_key {
	__u64 inode;      /* struct inode address */
	__u32 dev;
	__u32 generation; /* i_generation */
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lw_cache_key);
	__type(value, struct lw_mark);
} lw_verdict_cache SEC(".maps");

#define LW_EXT4_MAGIC 0xEF53
#define LW_TMPFS_MAGIC 0x01021994
#define LW_XFS_MAGIC 0x58465342
#define LW_BTRFS_MAGIC 0x9123683E

static __always_inline void lw_cache_key_of(struct inode *inode, struct lw_cache_key *key)
{
	key->inode = (__u64)(unsigned long)inode;
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->generation = BPF_CORE_READ(inode, i_generation);
	key->ino = BPF_CORE_READ(inode, i_ino);
}

/* File systems whose new inodes never share (address, number, i_generation) with a freed one. */
static __always_inline bool lw_negative_cacheable(struct inode *inode)
{
	unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
	return magic == LW_EXT4_MAGIC || magic == LW_TMPFS_MAGIC || magic == LW_XFS_MAGIC || magic == LW_BTRFS_MAGIC;
}
#endif

/* The inode of an open file, typed so that inode storage accepts it under LSM. */
#ifdef LW_INODE_STORAGE
#define LW_FILE_INODE(file) ((file)->f_inode)
#else
#define LW_FILE_INODE(file) BPF_CORE_READ(file, f_inode)
#endif

static __always_inline bool lw_mark_trusted(const struct lw_mark *m, const struct lw_verdict_state *st)
{
	if (m->epoch != lw_policy_epoch())
		return false; /* computed under another policy (rule 8) */
	if (m->flags & LW_MARK_STICKY)
		return true;
	return (m->flags & LW_MARK_CACHED) && st && m->generation == st->generation && st->in_flight <= 0;
}

/* The cached verdict of an inode, or NULL. */
static __always_inline struct lw_mark *lw_cached_mark(struct inode *inode)
{
#ifdef LW_INODE_STORAGE
	return bpf_inode_storage_get(&lw_marks, inode, 0, 0);
#else
	struct lw_cache_key key;
	lw_cache_key_of(inode, &key);
	return bpf_map_lookup_elem(&lw_verdict_cache, &key);
#endif
}

/* Keeps a verdict computed from generation onwards. Positive ones are sticky and are also kept by
 * identity (lw_sticky_marks), where other names of the inode and a re-read inode find them. */
static __always_inline void lw_remember_verdict(struct inode *inode, __u32 watch, __u64 generation)
{
	__u32 epoch = lw_policy_epoch();
	struct lw_mark fresh = {
		.flags = watch ? LW_MARK_STICKY : LW_MARK_CACHED,
		.watch = watch,
		.epoch = epoch,
		.generation = generation,
	};
#ifdef LW_INODE_STORAGE
	struct lw_mark *m = bpf_inode_storage_get(&lw_marks, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!m) {
		lw_count(LW_STAT_MARKS_FULL);
	} else if (!(m->flags & LW_MARK_STICKY) || m->epoch != epoch || watch) {
		m->generation = fresh.generation;
		m->watch = fresh.watch | ((m->flags & LW_MARK_STICKY) && m->epoch == epoch ? m->watch : 0);
		m->flags = fresh.flags;
		m->epoch = epoch;
	}
#else
	struct lw_cache_key key;
	lw_cache_key_of(inode, &key);
	if (watch || lw_negative_cacheable(inode)) {
		struct lw_mark *m = bpf_map_lookup_elem(&lw_verdict_cache, &key);
		if (m && (m->flags & LW_MARK_STICKY) && m->epoch == epoch && !watch)
			return; /* never downgrade */
		if (bpf_map_update_elem(&lw_verdict_cache, &key, &fresh, BPF_ANY) != 0)
			lw_count(LW_STAT_MARKS_FULL);
	}
#endif
	if (watch) {
		struct lw_inode_key ikey;
		lw_inode_key_of(inode, &ikey);
		if (bpf_map_update_elem(&lw_sticky_marks, &ikey, &fresh, BPF_ANY) != 0)
			lw_count(LW_STAT_MARKS_FULL);
	}
}

/* The cached verdict of an inode, if it may be trusted now (st was read first: rule 3). */
static __always_inline bool lw_trusted_verdict(struct inode *inode, const struct lw_verdict_state *st, __u32 *watch)
{
	struct lw_mark *m = lw_cached_mark(inode);

	if (!m || !lw_mark_trusted(m, st))
		return false;
	*watch = m->watch;
	return true;
}

/* The agent's marks (lw_mark_fd_prog, run with BPF_PROG_TEST_RUN): the inode behind one of the
 * agent's own descriptors, so the key is the kernel's own identity of it (superblock dev_t and
 * inode number, which user space cannot always see: btrfs subvolumes, overlayfs). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_inode_key);
} lw_mark_result SEC(".maps"); /* the identity of the inode last marked, for the agent */

static __always_inline int lw_mark_fd(const __u64 *args)
{
	struct file *file = lw_file_from_fd(args[LW_MARK_ARG_FD]);
	struct inode *inode = file ? BPF_CORE_READ(file, f_inode) : NULL;
	struct lw_inode_key key;

	if (!inode || !lw_is_agent())
		return 1;
	lw_inode_key_of(inode, &key);
	struct lw_mark mark = {
		.flags = args[LW_MARK_ARG_FLAGS],
		.watch = args[LW_MARK_ARG_WATCH],
		.id = args[LW_MARK_ARG_ID],
	};
	__u32 zero = 0;
	bpf_map_update_elem(&lw_mark_result, &zero, &key, BPF_ANY);
	return bpf_map_update_elem(&lw_inode_marks, &key, &mark, BPF_ANY) == 0 ? 0 : 2;
}

#endif
