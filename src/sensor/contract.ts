/**
 * TypeScript mirror of bpf/include/lsmwatch.h. test/unit/sensor/contract.test.ts compares every
 * size, offset and enum value here with the BTF of the compiled BPF objects, so drift fails a test.
 */
export const ABI_VERSION = 2;
export const COMM_LEN = 16;
export const PATH_MAX = 4096;
export const WATCH_KEY_MAX = 256;
export const RECORD_MAX = 16384;
export const ARGS_MAX = 2048;
export const TTY_LEN = 16;
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
  ARGS_TRUNCATED: 1 << 12,
  EXE_DELETED: 1 << 13,
} as const;

export const Decision = { ALLOW: 0, DENY: 1, ERROR: 2 } as const;
export const PtraceKind = { ACCESS_CHECK: 1, REQUEST: 2 } as const;
export const WatchFlag = { WRITE: 1 << 0, READ: 1 << 1, IGNORE: 1 << 2 } as const;
export const ForbidPtrace = { OFF: 0, SELF: 1, ALL: 2 } as const;
export const ObjectKind = { MAP: 1, PROG: 2 } as const;

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
  PROC_EMITTED: 22,
  PROC_LOST: 23,
} as const;
export const STAT_MAX = 32;

/** enum lw_flush_mode: args[0] of the flush program. */
export const FlushMode = { EXPIRED: 0, ALL: 1 } as const;

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
  size: 128,
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
} as const;

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
export const SignalRecord = { size: 104, hdr: 0, sender: 16, targetPid: 88, signal: 92, decision: 96, pad0: 98, pad1: 100 } as const;

/** struct lw_bpf_access_record */
export const BpfAccessRecord = { size: 104, hdr: 0, proc: 16, objectId: 88, kind: 92, decision: 96, pad0: 98, pad1: 100 } as const;

/** struct lw_protected_inode / lw_protected_id (keys of the --protect maps) */
export const ProtectedInode = { size: 16, dev: 0, pad0: 4, ino: 8 } as const;
export const ProtectedId = { size: 8, kind: 0, id: 4 } as const;

/** struct lw_watch_key / lw_watch_value */
export const WatchKey = { size: 260, prefixlen: 0, path: 4 } as const;
export const WatchValue = { size: 8, flags: 0 } as const;

/** struct lw_settings */
export const Settings = { size: 32, forbidPtrace: 0, denyPtraceRead: 4, protect: 8 } as const;
