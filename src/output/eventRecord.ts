/** Typed events → the flat, snake_case NDJSON objects of the output contract. Pure: no I/O, no
 * lookups, no agent state; everything an event line says was decided by the enrich stage. Every
 * line starts with the event's own fields and ends with the acting process's context. */
import { putText } from '../shared/pathText.js';
import type { BpfAccessEvent, CgroupEvent, FileCreation, FileEvent, MountChange, FileMetadataChange, XattrChange, SharedMapping, ProcessContext, ProcessInfo, PtraceEvent, SensorEvent, SignalEvent, TaskEvent } from '../events/types.js';
import { JSON_TAIL, JsonTail } from './jsonTail.js';

export type EventLine = Record<string, unknown> & { type: string };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** 64-bit numbers (inodes: overlayfs xino, XFS) beyond 2^53 are printed as a decimal string. */
export function jsonU64(n: bigint): number | string {
  return n <= MAX_SAFE ? Number(n) : n.toString();
}

/** The fields every event line starts with: what, when, which sensor, and the acting process. */
function baseFields(type: string, event: SensorEvent, proc: ProcessInfo): EventLine {
  const out: EventLine = {
    type,
    time: event.time,
    sensor: event.sensor,
    pid: proc.pid,
    tid: proc.tid,
    ppid: proc.ppid,
    uid: proc.uid,
    gid: proc.gid,
  };
  putText(out, 'comm', proc.comm);
  return out;
}

/** The per-event facts of the acting process (its ids can change; names follow them). */
function putProcessIds(out: Record<string, unknown>, p: ProcessInfo): void {
  out.start_time = p.startTime;
  out.user = p.user;
  out.group = p.group;
  out.login_uid = p.loginUid;
  out.login_user = p.loginUser;
  out.session_id = p.sessionId;
  out.cgroup_id = jsonU64(p.cgroupId);
  out.container_id = p.container?.id ?? null;
  if (p.container !== null) {
    out.container_runtime = p.container.runtime;
    if (p.container.podUid !== undefined) out.pod_uid = p.container.podUid;
  }
}

/** The per-process facts: the same object for every event of the process. */
function putProgram(out: Record<string, unknown>, c: ProcessContext): void {
  if (c.exe !== null) putText(out, 'exe', c.exe);
  else out.exe = null;
  out.exe_inode = c.exeInode === null ? null : jsonU64(c.exeInode);
  out.exe_dev = c.exeDev;
  if (c.exeDeleted) out.exe_deleted = true;
  out.cmdline = c.cmdline;
  if (c.cmdlineTruncated) out.cmdline_truncated = true;
  out.tty = c.tty;
  out.ancestors = c.ancestors;
  out.context_source = c.source;
}

/**
 * The context as JSON text, made once per process and reused while its ids stay the same (the
 * common case: every write of a process). Serializing two dozen members and an ancestry per event
 * cost more than the rest of the line.
 */
interface ContextJson {
  startTime: string;
  uid: number;
  gid: number;
  loginUid: number | null;
  sessionId: number | null;
  cgroupId: bigint;
  user: string | null;
  group: string | null;
  loginUser: string | null;
  container: ProcessInfo['container'];
  tail: JsonTail;
}

function contextTail(p: ProcessInfo): JsonTail {
  const m = p.context.memo.serialized as ContextJson | undefined;
  if (
    m !== undefined && m.startTime === p.startTime && m.uid === p.uid && m.gid === p.gid && m.loginUid === p.loginUid &&
    m.sessionId === p.sessionId && m.cgroupId === p.cgroupId && m.user === p.user && m.group === p.group &&
    m.loginUser === p.loginUser && m.container === p.container
  ) {
    return m.tail;
  }
  const members: Record<string, unknown> = {};
  putProcessIds(members, p);
  putProgram(members, p.context);
  const tail = new JsonTail(JSON.stringify(members).slice(1, -1));
  p.context.memo.serialized = {
    startTime: p.startTime, uid: p.uid, gid: p.gid, loginUid: p.loginUid, sessionId: p.sessionId, cgroupId: p.cgroupId,
    user: p.user, group: p.group, loginUser: p.loginUser, container: p.container, tail,
  } satisfies ContextJson;
  return tail;
}

/**
 * Who acted, beyond pid/tid/ppid/uid/gid/comm at the start of the line: the process's start (with
 * pid its identity), names, login uid and session, cgroup and container, then its executable,
 * command line, terminal and ancestors; as pre-serialized members (./jsonTail.ts), last.
 */
export function putProcessContext(out: EventLine, p: ProcessInfo): void {
  (out as { [JSON_TAIL]?: JsonTail })[JSON_TAIL] = contextTail(p);
}

/** The same members as a plain object (for alert lines, which carry pid, comm and uid already). */
export function processContextFields(p: ProcessInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  putProcessIds(out, p);
  putProgram(out, p.context);
  return out;
}

/** The actor of change records (`by`): pid, comm, uid, gid and the whole context. */
export function actorFields(p: ProcessInfo): ActorRecord {
  const out: Record<string, unknown> = { pid: p.pid };
  putText(out, 'comm', p.comm);
  out.uid = p.uid;
  out.gid = p.gid;
  return Object.assign(out, processContextFields(p)) as ActorRecord;
}

export interface ActorRecord {
  pid: number;
  comm: string;
  uid: number;
  [field: string]: unknown;
}

/** What a truncate, chmod, chown or utimes sets: only the values it sets (mode in octal, as the
 * change lines print it; owner_uid/owner_gid, since uid/gid name the actor). */
function putMetadata(out: EventLine, m: FileMetadataChange): void {
  if (m.mode !== null) out.mode = (m.mode & 0o7777).toString(8).padStart(4, '0');
  if (m.ownerUid !== null) out.owner_uid = m.ownerUid;
  if (m.ownerGid !== null) out.owner_gid = m.ownerGid;
  if (out.type === 'truncate') out.size = m.size; // null: the sensor does not know the length
  if (m.atime !== null) out.atime = m.atime;
  if (m.mtime !== null) out.mtime = m.mtime;
  if (m.beforeOp) out.before_op = true; // LSM: seen as it started; a refused one looks the same
}

/** What a link, symlink, mknod or mkdir made: the target, the new file's type and mode, a device
 * node's number (mode in octal, as the change lines print it). */
function putCreation(out: EventLine, e: FileEvent, c: FileCreation): void {
  if (c.target !== null) putText(out, 'target', c.target);
  if (c.fileType !== null) out.file_type = c.fileType;
  if (e.operation !== 'link' && e.mode !== 0) out.mode = (e.mode & 0o7777).toString(8).padStart(4, '0');
  if (c.device !== null) out.device = c.device;
  if (c.beforeOp) out.before_op = true; // LSM: seen as it started; a refused one looks the same
}

/** What a mount did at its mount point: the kind, the file system, the source, the flags. */
function putMount(out: EventLine, m: MountChange): void {
  out.mount = m.kind;
  if (m.fstype !== null) out.fstype = m.fstype;
  if (m.source !== null) putText(out, 'source', m.source);
  if (m.flags.length > 0) out.mount_flags = m.flags;
  if (m.beforeOp) out.before_op = true; // LSM: seen as it started; a refused one looks the same
  if (m.sourceWatched) out.source_watched = true; // the mount point is not watched, what was put there is
}

/** What a setxattr or removexattr did: the attribute's name and the value's size (never the value). */
function putXattr(out: EventLine, x: XattrChange): void {
  putText(out, 'xattr', x.name);
  if (out.type === 'setxattr') out.size = x.size;
  if (x.flags.length > 0) out.xattr_flags = x.flags;
  if (x.beforeOp) out.before_op = true; // LSM: seen as it started; a refused one looks the same
}

/** A shared writable mapping: its protection and flags by name. */
function putMapping(out: EventLine, m: SharedMapping): void {
  out.prot = m.prot;
  out.map_flags = m.flags;
}

function fileLine(e: FileEvent): EventLine {
  const out = baseFields(e.operation, e, e.process);
  if (e.path !== null) putText(out, 'path', e.path);
  else out.path = null;
  if (e.oldPath !== null) putText(out, 'old_path', e.oldPath);
  // the file's watched name where it was reached through another (hard link, bind mount)
  if (e.watchedPath !== null) putText(out, 'watched_path', e.watchedPath);
  if (e.watchedOldPath !== null) putText(out, 'watched_old_path', e.watchedOldPath);
  if (e.exchange) out.exchange = true; // renameat2(RENAME_EXCHANGE): both names swapped
  if (e.pathSource !== 'kernel') out.path_unknown = e.pathSource === 'unknown';
  out.inode = e.inode === null ? null : jsonU64(e.inode);
  out.dev = e.dev;
  if (e.access !== null) {
    out.flags = e.openFlags;
    out.access = e.access;
  }
  if (e.operation === 'write') {
    out.count = e.count;
    out.bytes = e.bytes;
    // a flush of writes counted in the kernel: time is when they were reported, not the first write
    if (e.aggregated) out.aggregated = true;
  }
  if (e.metadata !== null) putMetadata(out, e.metadata);
  if (e.creation !== null) putCreation(out, e, e.creation);
  if (e.mount !== null) putMount(out, e.mount);
  if (e.xattr !== null) putXattr(out, e.xattr);
  if (e.mapping !== null) putMapping(out, e.mapping);
  if (e.pathTruncated) out.path_truncated = true;
  if (e.pathUnresolved) out.path_unresolved = true; // tracepoint: the syscall's string, unnormalised
  if (e.denied) out.decision = 'deny'; // --protect refused it
  putProcessContext(out, e.process);
  return out;
}

function ptraceLine(e: PtraceEvent): EventLine {
  const out = baseFields('ptrace', e, e.process);
  out.target_pid = e.targetPid;
  if (e.targetComm !== null) putText(out, 'target_comm', e.targetComm);
  else out.target_comm = null;
  out.target_uid = e.targetUid;
  out.mode = e.access;
  if (e.request !== null) out.request = e.request;
  out.decision = e.decision;
  if (e.error !== null) out.error = e.error;
  if (e.walk) out.walk = true; // a stat/readlink/readdir walk of /proc, denied under --protect
  putProcessContext(out, e.process);
  return out;
}

function signalLine(e: SignalEvent): EventLine {
  const out = baseFields('signal', e, e.process);
  out.target_pid = e.targetPid;
  out.signal = e.signal;
  out.decision = e.decision;
  out.code = e.code;
  // the process fields then name the task that happened to run, not a sender
  if (e.fromKernel) out.from_kernel = true;
  putProcessContext(out, e.process);
  return out;
}

function bpfAccessLine(e: BpfAccessEvent): EventLine {
  const out = baseFields('bpf_access', e, e.process);
  out.object = e.object;
  out.object_id = e.objectId;
  out.decision = e.decision;
  putProcessContext(out, e.process);
  return out;
}

function taskLine(e: TaskEvent): EventLine {
  const out = baseFields('task', e, e.process);
  out.target_pid = e.targetPid;
  const c = e.change;
  out.operation = c.operation;
  if (c.operation === 'setrlimit') {
    out.resource = c.resource;
    out.soft = c.soft;
    out.hard = c.hard;
  } else if (c.operation === 'setnice') {
    out.nice = c.nice;
  } else if (c.operation === 'setioprio') {
    out.ioprio_class = c.ioprioClass;
    out.ioprio_level = c.ioprioLevel;
  }
  out.decision = e.decision;
  putProcessContext(out, e.process);
  return out;
}

function cgroupLine(e: CgroupEvent): EventLine {
  const out = baseFields('cgroup', e, e.process);
  out.target_pid = e.targetPid;
  out.operation = e.operation;
  putText(out, 'path', e.path);
  out.cgroup_id = e.cgroupId === null ? null : jsonU64(e.cgroupId);
  out.level = e.level;
  if (e.operation !== 'write') out.hierarchy = e.hierarchy;
  if (e.pathTruncated) out.path_truncated = true;
  out.decision = e.decision;
  putProcessContext(out, e.process);
  return out;
}

export function eventLine(event: SensorEvent): EventLine {
  switch (event.kind) {
    case 'file':
      return fileLine(event);
    case 'ptrace':
      return ptraceLine(event);
    case 'signal':
      return signalLine(event);
    case 'bpf_access':
      return bpfAccessLine(event);
    case 'task':
      return taskLine(event);
    case 'cgroup':
      return cgroupLine(event);
  }
}
