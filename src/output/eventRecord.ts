/** Typed events → the flat, snake_case NDJSON objects of the output contract. Pure: no I/O, no
 * lookups, no agent state; everything an event line says was decided by the enrich stage. */
import { putText } from '../shared/pathText.js';
import type { BpfAccessEvent, CgroupEvent, FileEvent, ProcessInfo, PtraceEvent, SensorEvent, SignalEvent, TaskEvent } from '../events/types.js';

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
  if (e.pathTruncated) out.path_truncated = true;
  if (e.pathUnresolved) out.path_unresolved = true; // tracepoint: the syscall's string, unnormalised
  if (e.denied) out.decision = 'deny'; // --protect refused it
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
  return out;
}

function bpfAccessLine(e: BpfAccessEvent): EventLine {
  const out = baseFields('bpf_access', e, e.process);
  out.object = e.object;
  out.object_id = e.objectId;
  out.decision = e.decision;
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
