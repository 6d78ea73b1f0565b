/**
 * Typed events: what one kernel record means once it is enriched (src/events/enrich.ts). Every
 * consumer (alert rules, detectors, state tracking) and every sink takes these and nothing else;
 * optional facts are typed as such, so a lost path is `path: null` and the compiler refuses code
 * that forgets it.
 */
import type { PathText } from '../shared/pathText.js';
import type { SensorName } from '../sensor/settings.js';

// Who acted: the process context, defined where it is made (src/process/).
export type { ContextSource, ProcessContext, ProcessInfo } from '../process/types.js';
import type { ProcessInfo } from '../process/types.js';

interface EventBase {
  /** bpf_ktime_get_ns() of the record (CLOCK_MONOTONIC) */
  timeNs: bigint;
  /** the same instant as wall time, RFC 3339 with nanoseconds */
  time: string;
  sensor: SensorName;
  /** who acted: the opener/writer, the tracer, the sender of a signal, the requester of an fd */
  process: ProcessInfo;
}

export type FileOperation =
  | 'open'
  | 'write'
  | 'rename'
  | 'unlink'
  | 'rmdir'
  | 'truncate'
  | 'chmod'
  | 'chown'
  | 'utimes'
  | 'link'
  | 'symlink'
  | 'mknod'
  | 'mkdir'
  | 'mount'
  | 'umount'
  | 'setxattr'
  | 'removexattr'
  | 'mmap'
  | 'mprotect';

/** The file types of st_mode's S_IFMT bits. */
export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** What a link, symlink, mknod or mkdir made at its path. */
export interface FileCreation {
  /** link: the existing name it links to; symlink: its target, the text as given; else null */
  target: PathText | null;
  /** the type of what was made; null if the sensor did not know it */
  fileType: FileType | null;
  /** mknod of a character or block device: "major:minor"; else null */
  device: string | null;
  /** LSM: reported from the hook before the operation ran (a refused one is reported too) */
  beforeOp: boolean;
}

/** What a mount(2) call did (in the order the kernel decides it), a move_mount(2), an umount2(2). */
export type MountKind = 'new' | 'bind' | 'move' | 'remount' | 'propagation' | 'umount';

/** A mount, move or unmount on a watched name or an ancestor of one, or a bind or move of a watched
 * tree to another name (the event's path: the mount point). */
export interface MountChange {
  kind: MountKind;
  /** mount(2) and umount2(2) flags by name ("ro", "nosuid", "rec", "detach"); the kind's own are left out */
  flags: string[];
  /** the file system type ("tmpfs"); null if unknown or not given (a bind) */
  fstype: string | null;
  /** the source as given: mount(2)'s device or directory, move_mount's from path; null if none */
  source: PathText | null;
  /** LSM: reported from the hook before the operation ran (a refused one is reported too) */
  beforeOp: boolean;
  /** reported for what was mounted, not for the mount point: a watched tree (or an ancestor of
   * watch entries) bound or moved to an unwatched name, which is now another name for it */
  sourceWatched: boolean;
}

/** What a setxattr or removexattr did (LW_REC_XATTR): the attribute's name, never its value. */
export interface XattrChange {
  /** "security.capability", "system.posix_acl_access", "user.foo" (escaped where not printable) */
  name: PathText;
  /** bytes of the value set; 0 for a removal */
  size: number;
  /** setxattr flags by name: "create" (XATTR_CREATE), "replace" (XATTR_REPLACE) */
  flags: string[];
  /** LSM: reported from the hook before the operation ran (a refused one is reported too) */
  beforeOp: boolean;
}

/** A shared writable mapping (LW_REC_MMAP): mmap with PROT_WRITE and MAP_SHARED, or an mprotect
 * making a shared mapping writable. Stores through it follow with no further event. */
export interface SharedMapping {
  /** the protection asked for: "read", "write", "exec" */
  prot: string[];
  /** the mapping's flags by name: "shared" or "shared_validate", then "fixed", "populate", ... */
  flags: string[];
}

/** What a metadata operation (truncate, chmod, chown, utimes) sets; null: left as it was, or not
 * known to the sensor (truncate's length under LSM). */
export interface FileMetadataChange {
  /** chmod: the new permission bits, setuid/setgid/sticky included */
  mode: number | null;
  /** chown: the new owner and group */
  ownerUid: number | null;
  ownerGid: number | null;
  /** truncate: the new length (a decimal string beyond 2^53) */
  size: number | string | null;
  /** utimes: the times set, RFC 3339 with nanoseconds, or "now" */
  atime: string | null;
  mtime: string | null;
  /** LSM: reported from the hook before the operation ran (a refused one is reported too) */
  beforeOp: boolean;
}
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
  /** the watched name of the file when it was reached through another one (a hard link, a bind
   * mount, another mount namespace), else null */
  watchedPath: PathText | null;
  /** the same for a rename's old name */
  watchedOldPath: PathText | null;
  /** renameat2(RENAME_EXCHANGE): the two names swapped */
  exchange: boolean;
  /** tracepoint sensor: the path is the syscall's string joined to its base, not resolved */
  pathUnresolved: boolean;
  /** the path (or old path) is only the last part of a longer one, or deeper than the sensor's
   * walk reaches (then reported as watched, to be safe) */
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
  /** the event may have changed the file: a write, rename or unlink, a metadata change, or an open
   * for writing or with O_TRUNC */
  touchesContent: boolean;
  /** truncate, chmod, chown, utimes: the new values; null for every other operation */
  metadata: FileMetadataChange | null;
  /** link, symlink, mknod, mkdir: what was made; null for every other operation */
  creation: FileCreation | null;
  /** mount, umount: what the operation did at the mount point; null for every other operation */
  mount: MountChange | null;
  /** setxattr, removexattr: the attribute; null for every other operation */
  xattr: XattrChange | null;
  /** mmap, mprotect: the shared writable mapping; null for every other operation */
  mapping: SharedMapping | null;
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
  /** LSM sensor: a read-mode check made by a walk of /proc (stat, readlink, getdents, a directory
   * open); such checks on the agent are reported only when --protect denied them */
  walk: boolean;
}

export interface SignalEvent extends EventBase {
  kind: 'signal';
  targetPid: number;
  /** SIGTERM, ...; the number if Node has no name for it */
  signal: string | number;
  decision: 'allow' | 'deny';
  /** siginfo si_code (SI_USER 0, SI_QUEUE -1, SI_TKILL -6, SI_KERNEL 0x80, ...) */
  code: number;
  /** the kernel generated it (a tty, a timer, a resource limit, cgroup.kill): `process` is the task
   * that happened to run, not a sender */
  fromKernel: boolean;
}

export interface BpfAccessEvent extends EventBase {
  kind: 'bpf_access';
  /** map, prog; the number if the kind is unknown */
  object: 'map' | 'prog' | number;
  objectId: number;
  decision: 'allow' | 'deny';
}

/** A resource limit as prlimit(2) sets it: a number, or unlimited (RLIM_INFINITY); beyond 2^53 a decimal string. */
export type ResourceLimit = number | string;

/** What another process changed (or was denied changing) about the agent's task. */
export type TaskChange =
  | { operation: 'setrlimit'; /** RLIMIT_CPU, ...; the number if unnamed */ resource: string | number; soft: ResourceLimit; hard: ResourceLimit }
  | { operation: 'setnice'; nice: number }
  | { operation: 'setioprio'; /** none, realtime, best-effort, idle; the number if unknown */ ioprioClass: string | number; ioprioLevel: number }
  | { operation: 'setscheduler' }
  | { operation: number };

export interface TaskEvent extends EventBase {
  kind: 'task';
  targetPid: number;
  change: TaskChange;
  decision: 'allow' | 'deny';
}

/** attach: the agent was moved into the cgroup at path; write: a guarded write to the cgroup file at
 * path; freeze: the cgroup at path was frozen. */
export type CgroupOperation = 'attach' | 'write' | 'freeze' | number;

export interface CgroupEvent extends EventBase {
  kind: 'cgroup';
  targetPid: number;
  operation: CgroupOperation;
  path: PathText;
  pathTruncated: boolean;
  /** kernfs id of the cgroup; null if unknown */
  cgroupId: bigint | null;
  /** depth below its root; null if unknown */
  level: number | null;
  /** hierarchy id (cgroup2: 0); null if unknown (writes: the LSM hook does not say) */
  hierarchy: number | null;
  decision: 'allow' | 'deny';
}

export type SensorEvent = FileEvent | PtraceEvent | SignalEvent | BpfAccessEvent | TaskEvent | CgroupEvent;
