/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lsmwatch.h - the one contract between the BPF programs (both sensors), the native addon and the
 * TypeScript decoder (src/sensor/decoder.ts). test/unit/sensor/contract.test.ts checks every size,
 * offset and enum value below against the BTF of an object compiled from this header, so a change here that is not mirrored in the
 * decoder fails the tests.
 *
 * Rules: fixed-width fields, explicit padding, every record starts with struct lw_header, enum values
 * are numbered explicitly and never reused (retire a value by commenting it out, never renumber).
 */
#ifndef LSMWATCH_H
#define LSMWATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LW_ABI_VERSION 2

#define LW_COMM_LEN 16
/* Path buffer size: a record carries at most LW_PATH_MAX - 1 bytes of path text plus its NUL; longer
 * paths are cut to their last part and flagged LW_F_PATH_TRUNCATED. */
#define LW_PATH_MAX 4096
/* Bytes of a path (including its NUL) that the watch list compares: an LPM trie key holds at most
 * 256 bytes of data, 4 of them the anchor id. */
#define LW_WATCH_KEY_MAX 252
/* Bytes of a process's argument vector an exec record carries (NUL-separated, as /proc/PID/cmdline);
 * longer ones are cut and flagged LW_F_ARGS_TRUNCATED. */
#define LW_ARGS_MAX 2048
/* Bytes of a tty name ("pts3", "ttyS0") an exec record carries, NUL included. */
#define LW_TTY_LEN 16
/* lw_process.loginuid and .sessionid when the task has none (never logged in, or no CONFIG_AUDIT). */
#define LW_ID_UNSET 4294967295
/* Records are at most this large (header + fixed part + two paths), so they fit one scratch buffer. */
#define LW_RECORD_MAX 16384

/* lw_header.type */
enum lw_record_type {
	LW_REC_OPEN = 1,    /* a watched file was opened (for writing, or for reading where policy asks) */
	LW_REC_WRITE = 2,   /* a write to a watched file (count and bytes may cover several writes) */
	LW_REC_RENAME = 3,  /* rename where either side is watched: path = old name, path2 = new name */
	LW_REC_UNLINK = 4,  /* a watched file was unlinked */
	LW_REC_PTRACE = 5,  /* a ptrace access check or request */
	LW_REC_SIGNAL = 6,  /* another process signalled the agent (LSM sensor) */
	LW_REC_BPF_ACCESS = 7, /* another process asked for an fd to the agent's maps or programs (--protect) */
	LW_REC_TASK = 20,   /* another process changed the agent's limits or scheduling (denied under --protect) */
	LW_REC_CGROUP = 21, /* the agent was moved to another cgroup, or a cgroup write that would stop, kill or
			     * starve it (denied under --protect) */
	LW_REC_RMDIR = 8,   /* a watched directory, or an ancestor of a watch entry, was removed */
	LW_REC_SETATTR = 9, /* metadata of a watched file or directory changed (chmod, chown, utimes,
			     * truncate): struct lw_attr_record, attr.op says which */
	/* Names made where a watch entry covers them (struct lw_file_record; path = the new name): */
	LW_REC_LINK = 10,    /* a hard link: path2 = the existing name it links to; ino, dev, mode: that inode */
	LW_REC_SYMLINK = 11, /* a symbolic link: path2 = its target, the text as given (not resolved) */
	LW_REC_MKNOD = 12,   /* a device node, FIFO or socket: mode = type and permission bits, rdev = device */
	LW_REC_MKDIR = 13,   /* a directory: mode = S_IFDIR and the permission bits asked for */
	/* A mount, move or unmount on a watched name or on an ancestor of a watch entry (what the
	 * agent's paths show changes): struct lw_mount_record; path = the mount point, path2 = the
	 * source as given (mount(2): its device or directory text; move_mount: the from path) */
	LW_REC_MOUNT = 14,
	/* An extended attribute of a watched file or directory was set or removed (file capabilities,
	 * ACLs, security labels, user attributes): struct lw_xattr_record; path2 = the attribute's name
	 * (at most LW_XATTR_NAME_MAX bytes). Its value is never carried, only its size. */
	LW_REC_XATTR = 15,
	/* a shared writable mapping of a watched file (mmap with PROT_WRITE and MAP_SHARED, or mprotect
	 * adding PROT_WRITE to a shared mapping): stores through it change the file with no write call */
	LW_REC_MMAP = 16,
	LW_REC_EXEC = 24,   /* a process executed a program (sched_process_exec): feeds the agent's process cache */
	LW_REC_FORK = 25,   /* a new process (not a thread) was created (sched_process_fork) */
	LW_REC_EXIT = 26,   /* the last thread of a process exited (sched_process_exit) */
};

/* lw_header.flags */
enum lw_record_flags {
	LW_F_PATH_TRUNCATED = 1u << 0,
	LW_F_PATH2_TRUNCATED = 1u << 1,
	LW_F_DENIED = 1u << 2,       /* the sensor denied the operation (enforcement) */
	LW_F_FROM_CACHE_MISS = 1u << 3, /* file was opened before the sensor saw its open (inherited fd) */
	LW_F_AGGREGATED = 1u << 4,   /* a flush: count and bytes are writes folded in the kernel since the last record */
	LW_F_PATH_UNKNOWN = 1u << 5, /* the file was gone when its writes were flushed: no path (ino and dev are set) */
	/* LW_REC_SIGNAL: the kernel generated the signal (a tty, a timer, a resource limit, cgroup.kill): the
	 * process fields name the task that was running, not a sender */
	LW_F_SIGNAL_FROM_KERNEL = 1u << 10,
	LW_F_EXCHANGE = 1u << 6,     /* LW_REC_RENAME: renameat2(RENAME_EXCHANGE), the two names swapped */
	LW_F_PATH_UNRESOLVED = 1u << 7, /* tracepoint sensor: path taken from the syscall's string, not the dcache */
	LW_F_DEPTH_UNKNOWN = 1u << 8, /* deeper than the verdict walk reaches: reported as watched to be safe */
	/* LW_REC_SETATTR, LW_REC_LINK, LW_REC_SYMLINK, LW_REC_MKNOD, LW_REC_MKDIR, LW_REC_MOUNT, LW_REC_XATTR (LSM sensor): reported
	 * from the hook, before the operation ran (it may still have been refused); without it the
	 * record was made after the operation succeeded */
	LW_F_BEFORE_OP = 1u << 9,
	LW_F_ARGS_TRUNCATED = 1u << 12, /* exec record: the argument vector was longer than LW_ARGS_MAX - 1 bytes */
	LW_F_EXE_DELETED = 1u << 13,    /* exec record: the executable has no name left (unlinked, memfd) */
	/* LW_REC_PTRACE (LSM): a read-mode check made by a walk of /proc (stat, readlink, getdents,
	 * access, chdir, opening a directory or an O_PATH): find, ps, lsof. Such checks on the agent are
	 * reported only when denied (--protect); the others are not reported at all. */
	LW_F_PTRACE_WALK = 1u << 11,
	/* LW_REC_MOUNT: reported for what was mounted, not for the mount point: the root of the bind or
	 * of the moved mount is watched (or an ancestor of watch entries) while the mount point is not,
	 * so a watched tree now has another name (writes through it are reported as ever) */
	LW_F_SOURCE_WATCHED = 1u << 14,
};

/* Common header of every record in the ring buffer (Tetragon's msg_common has the same role). */
struct lw_header {
	__u16 type;     /* enum lw_record_type */
	__u16 size;     /* whole record in bytes, header included, a multiple of 8 */
	__u32 flags;    /* enum lw_record_flags */
	__u64 time_ns;  /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/* The acting task. pid is the thread-group id (what ps calls PID), tid the thread. (pid, start_ns) is
 * the process's identity: a reused pid has another start. */
struct lw_process {
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 _pad0;
	char comm[LW_COMM_LEN];
	__u64 start_ns;        /* the thread-group leader's start_boottime (ns since boot, what /proc/PID/stat counts in ticks) */
	__u64 parent_start_ns; /* the same for the parent (real_parent's leader): the parent's identity is (ppid, this) */
	__u64 cgroup_id;       /* cgroup v2 id (bpf_get_current_cgroup_id; the cgroup directory's inode number) */
	__u32 loginuid;        /* audit login uid (survives su and sudo), LW_ID_UNSET if none or no CONFIG_AUDIT */
	__u32 sessionid;       /* audit session id, LW_ID_UNSET if none or no CONFIG_AUDIT */
};

/* LW_REC_OPEN, LW_REC_WRITE, LW_REC_RENAME, LW_REC_UNLINK, LW_REC_RMDIR, LW_REC_LINK, LW_REC_SYMLINK,
 * LW_REC_MKNOD, LW_REC_MKDIR (and the first part of LW_REC_SETATTR and LW_REC_MOUNT) */
struct lw_file_record {
	struct lw_header hdr;
	struct lw_process proc;
	__u64 ino;
	__u32 dev;          /* kernel-internal dev_t (MAJOR << 20 | MINOR) of the file's superblock */
	__u32 open_flags;   /* file->f_flags (O_ACCMODE, O_APPEND, O_CREAT, ...) */
	__u64 count;        /* operations this record stands for (1 unless aggregated) */
	__u64 bytes;        /* bytes requested by those writes (0 where the hook does not know) */
	__u32 mode;         /* inode i_mode (file type and permission bits), 0 if unknown */
	__u16 path_len;     /* bytes of path, without its NUL */
	__u16 path2_len;    /* bytes of path2 (rename target), without its NUL; 0 if none */
	/* The nearest directory (or the file itself) on path that carries an agent id (a root or anchor
	 * of the watch list, enum lw_mark_flags): its watched name is the agent's, and the first
	 * anchor_off bytes of path are the name it was reached through. User space rebuilds the watched
	 * name of a file reached through a hard link, bind mount or another mount namespace from it. */
	__u32 anchor;       /* lw_mark.id, 0 if none was found on path */
	__u32 anchor2;      /* the same for path2 */
	__u16 anchor_off;
	__u16 anchor2_off;
	__u32 rdev;         /* LW_REC_MKNOD: the device number (kernel dev_t, MAJOR << 20 | MINOR); else 0 */
	/* followed by: path, NUL, path2, NUL, zero padding up to hdr.size */
};

/* lw_attr.op */
enum lw_attr_op {
	LW_ATTR_TRUNCATE = 1, /* truncate, ftruncate, open with O_TRUNC (LSM) */
	LW_ATTR_CHMOD = 2,    /* chmod, fchmod, fchmodat, fchmodat2 */
	LW_ATTR_CHOWN = 3,    /* chown, lchown, fchown, fchownat */
	LW_ATTR_UTIMES = 4,   /* utimensat, futimens, utimes, futimesat, utime */
};

/* lw_attr.valid: which new values the operation sets (the others are left as they were) */
enum lw_attr_valid {
	LW_ATTR_V_MODE = 1u << 0,      /* mode: new permission bits (and the file type bits, LSM) */
	LW_ATTR_V_UID = 1u << 1,       /* uid: new owner */
	LW_ATTR_V_GID = 1u << 2,       /* gid: new group */
	LW_ATTR_V_SIZE = 1u << 3,      /* size: new length */
	LW_ATTR_V_ATIME = 1u << 4,     /* atime_sec/atime_nsec: the access time given */
	LW_ATTR_V_MTIME = 1u << 5,     /* mtime_sec/mtime_nsec: the modification time given */
	LW_ATTR_V_ATIME_NOW = 1u << 6, /* the access time is set to the current time */
	LW_ATTR_V_MTIME_NOW = 1u << 7, /* the modification time is set to the current time */
};

/* The new metadata an operation sets. */
struct lw_attr {
	__u32 op;           /* enum lw_attr_op */
	__u32 valid;        /* enum lw_attr_valid */
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 atime_nsec;
	__s64 size;
	__s64 atime_sec;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 _pad0;
};

/* LW_REC_SETATTR: the file fields as for an open (file.mode: i_mode before the operation;
 * file.open_flags 0), then the new values. */
struct lw_attr_record {
	struct lw_file_record file;
	struct lw_attr attr;
	/* followed by: path, NUL, zero padding up to file.hdr.size */
};

/* lw_mount.op */
enum lw_mount_op {
	LW_MOUNT_MOUNT = 1,  /* mount(2): lw_mount.flags (MS_BIND, MS_MOVE, MS_REMOUNT, ...) say which kind */
	LW_MOUNT_MOVE = 2,   /* move_mount(2) (also how fsmount(2)'s new mounts are attached) */
	LW_MOUNT_UMOUNT = 3, /* umount2(2): lw_mount.flags = MNT_FORCE, MNT_DETACH, ... */
};

#define LW_FSTYPE_LEN 16

struct lw_mount {
	__u32 op;           /* enum lw_mount_op */
	__u32 flags;        /* mount(2): the MS_* flags (low 32 bits); move_mount: MOVE_MOUNT_*; umount2: MNT_* */
	char fstype[LW_FSTYPE_LEN]; /* the file system type ("tmpfs", "overlay"); empty if unknown or none */
};

/* LW_REC_MOUNT: the file fields of the mount point (ino, dev, mode of the directory or file
 * mounted on), then the operation. */
struct lw_mount_record {
	struct lw_file_record file;
	struct lw_mount mount;
	/* followed by: path, NUL, path2, NUL, zero padding up to file.hdr.size */
};

/* lw_xattr.op */
enum lw_xattr_op {
	LW_XATTR_SET = 1,    /* setxattr, lsetxattr, fsetxattr, setxattrat; an ACL set (LSM inode_set_acl) */
	LW_XATTR_REMOVE = 2, /* removexattr, lremovexattr, fremovexattr, removexattrat; an ACL removed */
};

/* XATTR_NAME_MAX: the longest attribute name the kernel takes */
#define LW_XATTR_NAME_MAX 255

struct lw_xattr {
	__u32 op;           /* enum lw_xattr_op */
	__u32 flags;        /* setxattr(2) flags: XATTR_CREATE 1, XATTR_REPLACE 2 */
	__u32 size;         /* bytes of the value set (0 for a removal) */
	__u32 _pad0;
};

/* LW_REC_XATTR: the file fields as for an open (file.open_flags 0), then the operation. */
struct lw_xattr_record {
	struct lw_file_record file;
	struct lw_xattr xattr;
	/* followed by: path, NUL, path2 (the attribute's name), NUL, zero padding up to file.hdr.size */
};

/* lw_mmap.op */
enum lw_mmap_op {
	LW_MMAP_MAP = 1,      /* mmap(2) with PROT_WRITE and MAP_SHARED (or MAP_SHARED_VALIDATE) */
	LW_MMAP_MPROTECT = 2, /* mprotect(2) adding PROT_WRITE to a shared mapping of the file (LSM sensor) */
};

struct lw_mmap {
	__u32 op;           /* enum lw_mmap_op */
	__u32 prot;         /* PROT_* asked for (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4) */
	__u32 flags;        /* mmap(2) MAP_* flags; for LW_MMAP_MPROTECT the mapping's: MAP_SHARED */
	__u32 _pad0;
};

/* LW_REC_MMAP: the file fields as for an open (file.open_flags 0), then the mapping. */
struct lw_mmap_record {
	struct lw_file_record file;
	struct lw_mmap mmap;
	/* followed by: path, NUL, zero padding up to file.hdr.size */
};

/* LW_REC_EXEC, sent once the new program is in place: the process's new comm, its executable and
 * arguments. For a script, the executable is the interpreter and the script is in the arguments. */
struct lw_exec_record {
	struct lw_header hdr;
	struct lw_process proc;
	__u64 exe_ino;      /* the executable (mm->exe_file): inode number */
	__u32 exe_dev;      /* kernel dev_t of the executable's superblock */
	__u16 exe_len;      /* bytes of the executable's path, without its NUL (LW_F_PATH_TRUNCATED: a suffix) */
	__u16 args_len;     /* bytes of the argument vector (NUL-separated, the last NUL included unless truncated) */
	char tty[LW_TTY_LEN]; /* the controlling terminal's name ("pts3"), empty if none */
	/* followed by: exe path, NUL, arguments, zero padding up to hdr.size */
};

/* LW_REC_FORK: parent is the task that called fork/clone; the child is a new process, not a thread. */
struct lw_fork_record {
	struct lw_header hdr;
	struct lw_process parent;
	__u32 child_pid;
	__u32 child_ppid;   /* the child's real parent: parent.pid, or parent.ppid with CLONE_PARENT */
	__u64 child_start_ns;
};

/* LW_REC_EXIT: the process (its last thread) is gone; the pid may be reused from now on. */
struct lw_exit_record {
	struct lw_header hdr;
	struct lw_process proc;
	__u32 exit_code;    /* task->exit_code: wait(2) status */
	__u32 _pad0;
};

/* lw_ptrace_record.decision */
enum lw_decision {
	LW_DECISION_ALLOW = 0,
	LW_DECISION_DENY = 1,
	LW_DECISION_ERROR = 2, /* tracepoint sensor: the syscall failed for another reason (see result) */
};

/* lw_ptrace_record.kind */
enum lw_ptrace_kind {
	LW_PTRACE_ACCESS_CHECK = 1, /* LSM ptrace_access_check: mode holds PTRACE_MODE_* bits */
	LW_PTRACE_REQUEST = 2,      /* tracepoint sys_enter/exit_ptrace: request holds the PTRACE_* request */
};

/* LW_REC_PTRACE */
struct lw_ptrace_record {
	struct lw_header hdr;
	struct lw_process tracer;
	__u32 target_pid;
	__u32 target_tid;
	__u32 target_uid;
	__u32 mode;         /* PTRACE_MODE_* bits (LSM), 0 for the tracepoint sensor */
	__u32 request;      /* PTRACE_* request (tracepoint), 0 for the LSM sensor */
	__s32 result;       /* 0 or -errno returned to the tracer */
	__u16 kind;         /* enum lw_ptrace_kind */
	__u16 decision;     /* enum lw_decision */
	__u32 _pad0;
	char target_comm[LW_COMM_LEN];
};

/* LW_REC_SIGNAL: from the LSM hook task_kill (signals sent by other processes, which --protect may
 * deny) or from the signal_generate tracepoint (every signal to the agent, also those the kernel
 * sends; both sensors) */
struct lw_signal_record {
	struct lw_header hdr;
	struct lw_process sender;
	__u32 target_pid;
	__u32 signal;
	__u16 decision;     /* enum lw_decision */
	__u16 _pad0;
	__s32 code;         /* siginfo si_code: SI_USER 0, SI_QUEUE -1, SI_TKILL -6, SI_KERNEL 0x80, ... */
};

/* lw_task_record.op */
enum lw_task_op {
	LW_TASK_SETRLIMIT = 1,    /* prlimit(2): arg = resource, value = new soft limit, value2 = new hard limit */
	LW_TASK_SETNICE = 2,      /* setpriority(2): value = the nice value (two's complement) */
	LW_TASK_SETSCHEDULER = 3, /* sched_setscheduler/sched_setattr/sched_setaffinity (also cpuset moves) */
	LW_TASK_SETIOPRIO = 4,    /* ioprio_set(2): value = the I/O priority */
};

/* LW_REC_TASK */
struct lw_task_record {
	struct lw_header hdr;
	struct lw_process actor;
	__u32 target_pid;
	__u32 op;           /* enum lw_task_op */
	__u64 arg;
	__u64 value;
	__u64 value2;
	__u16 decision;     /* enum lw_decision */
	__u16 _pad0;
	__u32 _pad1;
};

/* lw_cgroup_record.op */
enum lw_cgroup_op {
	LW_CGROUP_ATTACH = 1, /* the agent was moved into the cgroup at path (relative to its hierarchy) */
	LW_CGROUP_WRITE = 2,  /* a write to the cgroup file at path (freeze, kill, limits of a cgroup holding
			       * the agent, or procs of a frozen cgroup) */
	LW_CGROUP_FREEZE = 3, /* the cgroup at path was frozen (tracepoint; the agent decides if it held it) */
};

/* LW_REC_CGROUP */
struct lw_cgroup_record {
	struct lw_header hdr;
	struct lw_process actor;
	__u32 target_pid;
	__u32 op;           /* enum lw_cgroup_op */
	__u64 cgroup_id;    /* kernfs id of the cgroup (its inode number on cgroup2), 0 if unknown */
	__s32 level;        /* depth of that cgroup below its root, -1 if unknown */
	__s32 root;         /* hierarchy id (cgroup2: 0), -1 if unknown */
	__u16 decision;     /* enum lw_decision */
	__u16 path_len;     /* bytes of path, without its NUL */
	__u32 _pad0;
	/* followed by: path, NUL, zero padding up to hdr.size */
};

/* lw_bpf_access_record.kind and lw_protected_id.kind */
enum lw_object_kind {
	LW_OBJECT_MAP = 1,
	LW_OBJECT_PROG = 2,
};

/* LW_REC_BPF_ACCESS */
struct lw_bpf_access_record {
	struct lw_header hdr;
	struct lw_process proc;
	__u32 object_id;
	__u32 kind;         /* enum lw_object_kind */
	__u16 decision;     /* enum lw_decision */
	__u16 _pad0;
	__u32 _pad1;
};

/* --protect: the agent's files (by inode) and BPF objects (by id) that others may not touch. */
struct lw_protected_inode {
	__u32 dev;          /* kernel dev_t of the superblock, as in lw_file_record.dev */
	__u32 _pad0;
	__u64 ino;
};

struct lw_protected_id {
	__u32 kind;         /* enum lw_object_kind */
	__u32 id;
};

/* Watch list: an LPM trie keyed by an anchor and the path below it. Every existing ancestor of a
 * watch entry is an anchor (an inode the agent marked with an id, struct lw_mark); entries are
 * stored relative to each of them, so a name is matched by identity whatever mount, namespace or
 * path string reaches it. The agent inserts "dir/" and "dir\0" for directories and "file\0" and
 * "file/" for exact files, so "/etc/shadow" does not also match "/etc/shadowfoo". Entries below a
 * wildcard component ("/home/\*\/.ssh/") are stored under (id of the wildcard's parent |
 * LW_WILDCARD_ID) relative to the child that the wildcard stands for. */
#define LW_WILDCARD_ID 0x80000000u

struct lw_watch_key {
	__u32 prefixlen;    /* in bits, the 32 bits of anchor included */
	__u32 anchor;       /* lw_mark.id of the anchor, or'ed with LW_WILDCARD_ID for wildcard entries */
	__u8 path[LW_WATCH_KEY_MAX]; /* path below the anchor, without a leading '/' */
};

enum lw_watch_flags {
	LW_WATCH_WRITE = 1u << 0, /* report opens for writing, writes, renames, unlinks */
	LW_WATCH_READ = 1u << 1,  /* also report opens for reading */
	LW_WATCH_IGNORE = 1u << 2, /* an exclusion inside a watched tree (longest prefix wins) */
	LW_WATCH_NAME = 1u << 3,   /* renames and removals of this very name are reported (an ancestor
				    * of watch entries, e.g. /etc or /root); its contents are not watched */
};

/* lw_mark.id of "/", the anchor of every entry (the tracepoint sensor's string fallback uses it). */
#define LW_ROOT_ANCHOR_ID 1

struct lw_watch_value {
	__u32 flags;        /* enum lw_watch_flags */
	__u32 _pad0;
};

/* Marks: what the sensors know about one inode (struct lw_mark). The LSM sensor keeps them in BPF
 * inode storage (they die with the inode), both sensors also in hashes keyed by struct
 * lw_inode_key (the agent's marks from the watch list, and positive verdicts the kernel computed). */
enum lw_mark_flags {
	LW_MARK_ROOT = 1u << 0,     /* set by the agent from the watch list: watch is authoritative */
	LW_MARK_STICKY = 1u << 1,   /* computed positive verdict: watched for as long as the inode lives */
	LW_MARK_CACHED = 1u << 2,   /* computed verdict, valid while generation is the current one */
	LW_MARK_ANCHOR = 1u << 3,   /* an ancestor of watch entries: lw_watch holds entries under id */
	LW_MARK_WILDCARD = 1u << 4, /* a wildcard's parent: its children match entries under id | LW_WILDCARD_ID */
};

struct lw_mark {
	__u32 flags;        /* enum lw_mark_flags */
	__u32 watch;        /* enum lw_watch_flags of this inode and, for a directory, of the names below it */
	__u32 id;           /* the agent's id of this root or anchor, 0 for none */
	__u32 epoch;        /* LW_MARK_STICKY, LW_MARK_CACHED: the policy epoch it was computed in */
	__u64 generation;   /* LW_MARK_CACHED: the verdict generation it was computed in */
};

/* An inode's identity, as the kernel knows it. i_generation makes a new inode that reuses the
 * number of a deleted one a different key (ext4, xfs, tmpfs and btrfs give each new inode a new
 * one). */
struct lw_inode_key {
	__u32 dev;          /* kernel dev_t of the superblock */
	__u32 generation;   /* i_generation */
	__u64 ino;
};

/* lw_policy_epoch (key 0), written by the agent only: verdicts the kernel computed under another
 * epoch are not trusted. A policy reload bumps it once the new marks and trie entries are in. */
struct lw_policy_epoch {
	__u32 epoch;
	__u32 _pad0;
};

/* Run-time settings: one entry (key 0) of an array map the agent updates while programs run. */
enum lw_forbid_ptrace {
	LW_FORBID_PTRACE_OFF = 0,
	LW_FORBID_PTRACE_SELF = 1, /* deny PTRACE_MODE_ATTACH on the agent's process */
	LW_FORBID_PTRACE_ALL = 2,  /* deny PTRACE_MODE_ATTACH on every process */
};

struct lw_settings {
	__u32 forbid_ptrace;     /* enum lw_forbid_ptrace */
	__u32 deny_ptrace_read;  /* also deny PTRACE_MODE_READ where forbid_ptrace applies */
	__u32 protect;           /* guard the agent: its files, signals that end or stop it, its process (ptrace
				  * in any mode, whatever forbid_ptrace says; limits, scheduling), its cgroup,
				  * its BPF objects */
	__u32 _reserved[5];
};

/* Per-CPU counters (an array map indexed by these values). Every hook invocation that is seen ends
 * one way: LW_STAT_SEEN == FILTERED + EMITTED + LOST_RINGBUF + AGGREGATED. Aggregated writes leave
 * later inside a record: AGGREGATED == AGG_REPORTED + AGG_LOST + (still pending; 0 after LW_FLUSH_ALL). */
enum lw_stat {
	LW_STAT_SEEN = 0,           /* hook invocations that reached the filter */
	LW_STAT_FILTERED = 1,       /* dropped in the kernel: unwatched path, the agent itself, not a regular file */
	LW_STAT_EMITTED = 2,        /* records written to the ring buffer */
	LW_STAT_LOST_RINGBUF = 3,   /* records lost because the ring buffer was full */
	LW_STAT_VERDICT_MISS = 4,   /* file verdicts computed outside open (inherited fds, evicted entries) */
	LW_STAT_PATH_TRUNCATED = 5, /* paths longer than LW_PATH_MAX or deeper than the walk allows */
	LW_STAT_DENIED = 6,         /* operations denied by enforcement */
	LW_STAT_AGGREGATED = 7,     /* writes folded into a pending (process, file) count instead of a record */
	LW_STAT_FLUSHED = 8,        /* flush records written (each carries aggregated writes) */
	LW_STAT_FLUSH_LOST = 9,     /* flush records lost because the ring buffer was full */
	LW_STAT_AGG_REPORTED = 10,  /* aggregated writes carried out in records that reached the ring buffer */
	LW_STAT_AGG_LOST = 11,      /* aggregated writes carried in records that were lost */
	LW_STAT_GUARD_DENIED = 18,  /* of LW_STAT_DENIED: operations on the agent's process or cgroup (signals, ptrace,
				     * limits, cgroup files) denied by --protect */
	LW_STAT_VERDICT_WALKS = 12, /* verdicts computed by walking up from the file (no valid mark) */
	LW_STAT_DEPTH_UNKNOWN = 13, /* walks that ended deeper than they reach: reported as watched */
	LW_STAT_MARKS_FULL = 14,    /* a mark or cached verdict could not be stored (map full) */
	LW_STAT_UNRESOLVED = 15,    /* tracepoint sensor: paths of renames/unlinks not found in the dcache */
	LW_STAT_GENERATIONS = 16,   /* directory renames and mount changes that retired cached verdicts */
	LW_STAT_MARKED = 17,        /* inodes the kernel marked watched (renamed or linked to a watched name) */
	/* Process records (exec, fork, exit) are not events: counted apart from SEEN..LOST above. */
	LW_STAT_PROC_EMITTED = 22,  /* process records written to the ring buffer */
	LW_STAT_PROC_LOST = 23,     /* process records lost (ring buffer full): the agent falls back to /proc */
	LW_STAT_MAX = 32,
};

/* The agent runs lw_flush_writes (BPF_PROG_TEST_RUN) with this in args[0]. */
enum lw_flush_mode {
	LW_FLUSH_EXPIRED = 0, /* flush counts whose window has passed; forget idle entries */
	LW_FLUSH_ALL = 1,     /* flush every pending count (the agent is stopping) */
};

/* The agent runs lw_mark_fd_prog (BPF_PROG_TEST_RUN) with these args to mark the inode behind one
 * of its own file descriptors in lw_inode_marks (both sensors, exact kernel identity). */
enum lw_mark_arg {
	LW_MARK_ARG_FD = 0,     /* the agent's fd (O_PATH is enough) */
	LW_MARK_ARG_FLAGS = 1,  /* lw_mark.flags */
	LW_MARK_ARG_WATCH = 2,  /* lw_mark.watch */
	LW_MARK_ARG_ID = 3,     /* lw_mark.id */
	LW_MARK_ARG_COUNT = 4,
};

#endif /* LSMWATCH_H */
