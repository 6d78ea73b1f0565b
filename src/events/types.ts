/**
 * Typed events: what one kernel record means once it is enriched (src/events/enrich.ts). Every
 * consumer (alert rules, detectors, state tracking) and every sink takes these and nothing else;
 * optional facts are typed as such, so a lost path is `path: null` and the compiler refuses code
 * that forgets it.
 */
import type { PathText } from '../shared/pathText.js';
import type { SensorName } from '../sensor/settings.js';
import type { Ancestor } from '../process/ancestry.js';
import type { ContainerRef } from '../process/containerId.js';

/** Where a process's executable and command line came from. */
export type ContextSource =
  | 'exec' // the kernel's exec record (the program it runs now)
  | 'fork' // forked after the agent started and has not exec'd: its creator's program
  | 'procfs' // started before the agent: read from /proc, its start time checked
  | 'kernel'; // neither: only what the event's record says (a process gone before /proc was read)

/** What the agent knows about a process beyond the event's own record; one shared object per process. */
export interface ProcessContext {
  /** the executable (for a script: its interpreter); null when unknown */
  exe: PathText | null;
  exeInode: bigint | null;
  /** st_dev numbering, as stat() reports it */
  exeDev: number | null;
  /** the executable had no name left when it started (deleted, replaced, a memfd) */
  exeDeleted: boolean;
  /** arguments, secrets redacted (src/process/redaction.ts), bounded; null when unknown */
  cmdline: string | null;
  cmdlineTruncated: boolean;
  /** controlling terminal ("pts/3"), null if none */
  tty: string | null;
  /** parent first, as far as known and as deep as the policy asks */
  ancestors: readonly Ancestor[];
  /** the nearest sudo, su, doas, … in the chain (the process itself included) */
  via: string | null;
  source: ContextSource;
}

/** The acting task, as the kernel saw it when the event happened, with what the agent knows of it. */
export interface ProcessInfo {
  /** thread-group id (what ps calls PID) */
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: PathText;
  /** the process's start (ns since boot): (pid, startNs) is its identity, a reused pid has another */
  startNs: bigint;
  /** the same instant as wall time */
  startTime: string;
  /** one string per process identity, for state that must not pass to a reused pid (detectors) */
  key: string;
  /** audit login uid and session (they survive su and sudo); null when unset */
  loginUid: number | null;
  sessionId: number | null;
  cgroupId: bigint;
  /** names from the host's passwd and group files; null when the id has none */
  user: string | null;
  group: string | null;
  loginUser: string | null;
  container: ContainerRef | null;
  context: ProcessContext;
}

interface EventBase {
  /** bpf_ktime_get_ns() of the record (CLOCK_MONOTONIC) */
  timeNs: bigint;
  /** the same instant as wall time, RFC 3339 with nanoseconds */
  time: string;
  sensor: SensorName;
  /** who acted: the opener/writer, the tracer, the sender of a signal, the requester of an fd */
  process: ProcessInfo;
}

export type FileOperation = 'open' | 'write' | 'rename' | 'unlink';
export type FileAccess = 'read' | 'write' | 'read_write';

/** Where a file event's path came from. */
export type PathSource =
  | 'kernel' // the record named it
  | 'inode_cache' // a flush after the file was gone; named from an earlier record of the same inode
  | 'unknown'; // a flush after the file was gone, and no earlier record named it: path is null

export interface FileEvent extends EventBase {
  kind: 'file';
  operation: FileOperation;
  /** the path whose content or name changed: for a rename, the new name */
  path: PathText | null;
  pathSource: PathSource;
  /** a rename's old name */
  oldPath: PathText | null;
  /** the path (or old path) is only the last part of a longer one */
  pathTruncated: boolean;
  /** null when the hook had no inode */
  inode: bigint | null;
  /** st_dev numbering (as stat() reports it); null when the hook had no inode */
  dev: number | null;
  /** the kernel's dev_t of the same device (for lookups keyed like the kernel's maps) */
  kernelDev: number;
  /** file->f_flags of an open or write; 0 for renames and unlinks */
  openFlags: number;
  /** open and write: the access mode of the open file */
  access: FileAccess | null;
  /** operations this event stands for (writes folded in the kernel: more than 1) */
  count: number;
  /** bytes requested by those writes (0 where the hook does not know) */
  bytes: number;
  /** inode i_mode (type and permission bits), 0 if unknown */
  mode: number;
  /** a flush of writes counted in the kernel since the last record */
  aggregated: boolean;
  /** --protect refused the operation */
  denied: boolean;
  /** the sensor did not see the file being opened (an fd from before the agent, inherited, passed) */
  fromCacheMiss: boolean;
  /** the event may have changed the file: a write, rename or unlink, or an open for writing or with O_TRUNC */
  touchesContent: boolean;
}

export type PtraceAccess = 'attach' | 'request' | 'read';

export interface PtraceEvent extends EventBase {
  kind: 'ptrace';
  targetPid: number;
  /** null where neither the sensor nor /proc could name it */
  targetComm: PathText | null;
  /** null for the tracepoint sensor (it sees the request, not the target's credentials) */
  targetUid: number | null;
  /** attach: attach-type request or PTRACE_MODE_ATTACH check; request: another request; read: a read-mode check */
  access: PtraceAccess;
  /** the PTRACE_* request by name (tracepoint sensor), or its number if unnamed; null for access checks */
  request: string | number | null;
  decision: 'allow' | 'deny' | 'error';
  /** errno name of a failed request, or its number if unnamed; null when it succeeded */
  error: string | number | null;
  /** the target is this agent */
  onAgent: boolean;
}

export interface SignalEvent extends EventBase {
  kind: 'signal';
  targetPid: number;
  /** SIGTERM, ...; the number if Node has no name for it */
  signal: string | number;
  decision: 'allow' | 'deny';
}

export interface BpfAccessEvent extends EventBase {
  kind: 'bpf_access';
  /** map, prog; the number if the kind is unknown */
  object: 'map' | 'prog' | number;
  objectId: number;
  decision: 'allow' | 'deny';
}

export type SensorEvent = FileEvent | PtraceEvent | SignalEvent | BpfAccessEvent;
