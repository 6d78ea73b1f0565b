/**
 * TypeScript mirror of bpf/include/lsmwatch.h. test/unit/sensor/contract.test.ts compares every
 * size, offset and enum value here with the BTF of the compiled BPF objects, so drift fails a test.
 */
export const ABI_VERSION = 2;
export const COMM_LEN = 16;
export const PATH_MAX = 4096;
export const WATCH_KEY_MAX = 252;
export const RECORD_MAX = 16384;
export const ARGS_MAX = 2048;
export const TTY_LEN = 16;
export const FSTYPE_LEN = 16;
/** XATTR_NAME_MAX: the longest attribute name an LW_REC_XATTR record carries (as its path2) */
export const XATTR_NAME_MAX = 255;
/** lw_process.loginuid / sessionid when the task has none */
export const ID_UNSET = 4294967295;

export const RecordType = {
  OPEN: 1,
  WRITE: 2,
  RENAME: 3,
  UNLINK: 4,
  PTRACE: 5,
  SIGNAL: 6,
  BPF_ACCESS: 7,
  RMDIR: 8,
  SETATTR: 9,
  LINK: 10,
  SYMLINK: 11,
  MKNOD: 12,
  MKDIR: 13,
  MOUNT: 14,
  XATTR: 15,
  MMAP: 16,
  TASK: 20,
  CGROUP: 21,
  EXEC: 24,
  FORK: 25,
  EXIT: 26,
} as const;

export const RecordFlag = {
  PATH_TRUNCATED: 1 << 0,
  PATH2_TRUNCATED: 1 << 1,
  DENIED: 1 << 2,
  FROM_CACHE_MISS: 1 << 3,
  AGGREGATED: 1 << 4,
  PATH_UNKNOWN: 1 << 5,
  EXCHANGE: 1 << 6,
  PATH_UNRESOLVED: 1 << 7,
  DEPTH_UNKNOWN: 1 << 8,
  BEFORE_OP: 1 << 9,
  SIGNAL_FROM_KERNEL: 1 << 10,
  PTRACE_WALK: 1 << 11,
  ARGS_TRUNCATED: 1 << 12,
  EXE_DELETED: 1 << 13,
  SOURCE_WATCHED: 1 << 14,
} as const;

export const Decision = { ALLOW: 0, DENY: 1, ERROR: 2 } as const;
export const PtraceKind = { ACCESS_CHECK: 1, REQUEST: 2 } as const;
export const WatchFlag = { WRITE: 1 << 0, READ: 1 << 1, IGNORE: 1 << 2, NAME: 1 << 3 } as const;
/** enum lw_mark_flags */
export const MarkFlag = { ROOT: 1 << 0, STICKY: 1 << 1, CACHED: 1 << 2, ANCHOR: 1 << 3, WILDCARD: 1 << 4 } as const;
/** LW_WILDCARD_ID, LW_ROOT_ANCHOR_ID */
export const WILDCARD_ID = 0x80000000;
export const ROOT_ANCHOR_ID = 1;
export const ForbidPtrace = { OFF: 0, SELF: 1, ALL: 2 } as const;
export const ObjectKind = { MAP: 1, PROG: 2 } as const;
export const TaskOp = { SETRLIMIT: 1, SETNICE: 2, SETSCHEDULER: 3, SETIOPRIO: 4 } as const;
export const CgroupOp = { ATTACH: 1, WRITE: 2, FREEZE: 3 } as const;

/** enum lw_stat: indexes of the per-CPU counter array. */
export const Stat = {
  SEEN: 0,
  FILTERED: 1,
  EMITTED: 2,
  LOST_RINGBUF: 3,
  VERDICT_MISS: 4,
  PATH_TRUNCATED: 5,
  DENIED: 6,
  AGGREGATED: 7,
  FLUSHED: 8,
  FLUSH_LOST: 9,
  AGG_REPORTED: 10,
  AGG_LOST: 11,
  VERDICT_WALKS: 12,
  DEPTH_UNKNOWN: 13,
  MARKS_FULL: 14,
  UNRESOLVED: 15,
  GENERATIONS: 16,
  MARKED: 17,
  GUARD_DENIED: 18,
  PROC_EMITTED: 22,
  PROC_LOST: 23,
} as const;
export const STAT_MAX = 32;

/** enum lw_flush_mode: args[0] of the flush program. */
export const FlushMode = { EXPIRED: 0, ALL: 1 } as const;

/** enum lw_mark_arg: args of the mark program. */
export const MarkArg = { FD: 0, FLAGS: 1, WATCH: 2, ID: 3, COUNT: 4 } as const;

/** struct lw_header */
export const Header = { size: 16, type: 0, size_: 2, flags: 4, timeNs: 8 } as const;

/** struct lw_process (offsets relative to the struct) */
export const Process = {
  size: 72,
  pid: 0,
  tid: 4,
  ppid: 8,
  uid: 12,
  gid: 16,
  pad0: 20,
  comm: 24,
  startNs: 40,
  parentStartNs: 48,
  cgroupId: 56,
  loginuid: 64,
  sessionid: 68,
} as const;

/** struct lw_file_record */
export const FileRecord = {
  size: 144,
  hdr: 0,
  proc: 16,
  ino: 88,
  dev: 96,
  openFlags: 100,
  count: 104,
  bytes: 112,
  mode: 120,
  pathLen: 124,
  path2Len: 126,
  anchor: 128,
  anchor2: 132,
  anchorOff: 136,
  anchor2Off: 138,
  rdev: 140,
} as const;

/** enum lw_attr_op */
export const AttrOp = { TRUNCATE: 1, CHMOD: 2, CHOWN: 3, UTIMES: 4 } as const;
/** enum lw_attr_valid */
export const AttrValid = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  ATIME_NOW: 1 << 6,
  MTIME_NOW: 1 << 7,
} as const;

/** struct lw_attr (offsets relative to the struct) */
export const Attr = {
  size: 56,
  op: 0,
  valid: 4,
  mode: 8,
  uid: 12,
  gid: 16,
  atimeNsec: 20,
  size_: 24,
  atimeSec: 32,
  mtimeSec: 40,
  mtimeNsec: 48,
  pad0: 52,
} as const;

/** struct lw_attr_record: a file record, then the new values; the path follows */
export const AttrRecord = { size: 200, file: 0, attr: 144 } as const;

/** enum lw_mount_op */
export const MountOp = { MOUNT: 1, MOVE: 2, UMOUNT: 3 } as const;

/** struct lw_mount (offsets relative to the struct) */
export const Mount = { size: 24, op: 0, flags: 4, fstype: 8 } as const;

/** struct lw_mount_record: a file record (the mount point), then the operation; the paths follow */
export const MountRecord = { size: 168, file: 0, mount: 144 } as const;

/** enum lw_xattr_op */
export const XattrOp = { SET: 1, REMOVE: 2 } as const;

/** struct lw_xattr (offsets relative to the struct) */
export const Xattr = { size: 16, op: 0, flags: 4, size_: 8, pad0: 12 } as const;

/** struct lw_xattr_record: a file record, then the operation; the path and the attribute's name follow */
export const XattrRecord = { size: 160, file: 0, xattr: 144 } as const;

/** enum lw_mmap_op */
export const MmapOp = { MAP: 1, MPROTECT: 2 } as const;

/** struct lw_mmap (offsets relative to the struct) */
export const Mmap = { size: 16, op: 0, prot: 4, flags: 8, pad0: 12 } as const;

/** struct lw_mmap_record: a file record, then the mapping; the path follows */
export const MmapRecord = { size: 160, file: 0, mmap: 144 } as const;

/** struct lw_exec_record */
export const ExecRecord = { size: 120, hdr: 0, proc: 16, exeIno: 88, exeDev: 96, exeLen: 100, argsLen: 102, tty: 104 } as const;

/** struct lw_fork_record */
export const ForkRecord = { size: 104, hdr: 0, parent: 16, childPid: 88, childPpid: 92, childStartNs: 96 } as const;

/** struct lw_exit_record */
export const ExitRecord = { size: 96, hdr: 0, proc: 16, exitCode: 88, pad0: 92 } as const;

/** struct lw_ptrace_record */
export const PtraceRecord = {
  size: 136,
  hdr: 0,
  tracer: 16,
  targetPid: 88,
  targetTid: 92,
  targetUid: 96,
  mode: 100,
  request: 104,
  result: 108,
  kind: 112,
  decision: 114,
  pad0: 116,
  targetComm: 120,
} as const;

/** struct lw_signal_record */
export const SignalRecord = { size: 104, hdr: 0, sender: 16, targetPid: 88, signal: 92, decision: 96, pad0: 98, code: 100 } as const;

/** struct lw_task_record */
export const TaskRecord = {
  size: 128,
  hdr: 0,
  actor: 16,
  targetPid: 88,
  op: 92,
  arg: 96,
  value: 104,
  value2: 112,
  decision: 120,
  pad0: 122,
  pad1: 124,
} as const;

/** struct lw_cgroup_record (the path follows the fixed part) */
export const CgroupRecord = {
  size: 120,
  hdr: 0,
  actor: 16,
  targetPid: 88,
  op: 92,
  cgroupId: 96,
  level: 104,
  root: 108,
  decision: 112,
  pathLen: 114,
  pad0: 116,
} as const;

/** struct lw_bpf_access_record */
export const BpfAccessRecord = { size: 104, hdr: 0, proc: 16, objectId: 88, kind: 92, decision: 96, pad0: 98, pad1: 100 } as const;

/** struct lw_protected_inode / lw_protected_id (keys of the --protect maps) */
export const ProtectedInode = { size: 16, dev: 0, pad0: 4, ino: 8 } as const;
export const ProtectedId = { size: 8, kind: 0, id: 4 } as const;

/** struct lw_watch_key / lw_watch_value */
export const WatchKey = { size: 260, prefixlen: 0, anchor: 4, path: 8 } as const;
export const WatchValue = { size: 8, flags: 0 } as const;

/** struct lw_mark / lw_inode_key */
export const Mark = { size: 24, flags: 0, watch: 4, id: 8, epoch: 12, generation: 16 } as const;
export const InodeKey = { size: 16, dev: 0, generation: 4, ino: 8 } as const;
/** struct lw_policy_epoch */
export const PolicyEpoch = { size: 8, epoch: 0, pad0: 4 } as const;

/** struct lw_settings */
export const Settings = { size: 32, forbidPtrace: 0, denyPtraceRead: 4, protect: 8 } as const;
