/**
 * Decoded kernel records → typed events. Everything a record means but does not spell out is
 * decided here, once: which path changed (a rename's target), the name of a flushed file that was
 * already gone (from the inode-path cache, which this stage also fills), a target's comm the
 * sensor could not read, wall time, names of signals, errnos and ptrace requests, whether the
 * event may have changed a file. Lookups that do I/O come in as parameters.
 */
import { Decision, ObjectKind, PtraceKind, RecordFlag, RecordType } from '../sensor/contract.js';
import { isProcessRecord, type BpfAccessRecordData, type DecodedRecord, type FileRecordData, type PtraceRecordData, type SignalRecordData } from '../sensor/decoder.js';
import { userDev } from '../sensor/deviceNumbers.js';
import {
  O_ACCMODE,
  O_CREAT,
  O_TRUNC,
  PTRACE_ATTACH,
  PTRACE_MODE_ATTACH,
  PTRACE_REQUEST_NAMES,
  PTRACE_SEIZE,
  PTRACE_TRACEME,
  errnoName,
  signalName,
} from '../sensor/linuxConstants.js';
import type { SensorName } from '../sensor/settings.js';
import { pathText } from '../shared/pathText.js';
import type { InodePaths } from './inodePaths.js';
import { enrichCgroup, enrichTask } from './enrichGuard.js';
import type { WatchedNames } from './watchedNames.js';
import { metadataChange, metadataOperation } from './metadataChange.js';
import { fileCreation, isCreation } from './fileCreation.js';
import { mountChange, mountOperation } from './mountChange.js';
import { xattrChange, xattrOperation } from './xattrChange.js';
import { mmapOperation, sharedMapping } from './sharedMapping.js';
import type { ProcessContexts } from '../process/processContexts.js';
import type { Accounts } from '../process/accounts.js';
import type { BpfAccessEvent, FileAccess, FileEvent, FileOperation, PtraceEvent, SensorEvent, SignalEvent } from './types.js';

export interface EnrichContext {
  sensor: SensorName;
  /** CLOCK_MONOTONIC ns → RFC 3339 */
  toRfc3339(monotonicNs: bigint): string;
  agentPid: number;
  /** comm of a process by pid, for records whose sensor could not read it (tracepoint ptrace) */
  lookupComm(pid: number): string | undefined;
  /** names of inodes seen in earlier records, for flushes whose file was gone */
  inodePaths: InodePaths;
  /** watched names of marked inodes (hard links, bind mounts); follows renames; absent: none */
  watchedNames?: WatchedNames;
  /** who acted: the process cache (fed by exec, fork and exit records), /proc, names, containers */
  processes: ProcessContexts;
  /** user and group names: told when the files they come from change */
  accounts: Accounts;
}

const FILE_OPERATIONS: Record<Exclude<FileRecordData['type'], 9 | 14 | 15 | 16>, FileOperation> = {
  [RecordType.OPEN]: 'open',
  [RecordType.WRITE]: 'write',
  [RecordType.RENAME]: 'rename',
  [RecordType.UNLINK]: 'unlink',
  [RecordType.RMDIR]: 'rmdir',
  [RecordType.LINK]: 'link',
  [RecordType.SYMLINK]: 'symlink',
  [RecordType.MKNOD]: 'mknod',
  [RecordType.MKDIR]: 'mkdir',
};

function fileAccess(openFlags: number): FileAccess {
  const mode = openFlags & O_ACCMODE;
  return mode === 0 ? 'read' : mode === 1 ? 'write' : 'read_write';
}

/** The operation a file record stands for; null for one this agent does not know (a newer sensor). */
function operationOf(rec: FileRecordData): FileOperation | null {
  switch (rec.type) {
    case RecordType.SETATTR:
      return rec.attr ? metadataOperation(rec.attr) : null;
    case RecordType.MOUNT:
      return rec.mount ? mountOperation(rec.mount) : null;
    case RecordType.XATTR:
      return rec.xattr ? xattrOperation(rec.xattr) : null;
    case RecordType.MMAP:
      return rec.mmap ? mmapOperation(rec.mmap) : null;
    default:
      return FILE_OPERATIONS[rec.type];
  }
}

function enrichFile(rec: FileRecordData, ctx: EnrichContext): FileEvent | null {
  const operation = operationOf(rec);
  if (operation === null) return null; // a metadata op this agent does not know (a newer sensor)
  // the names a later flush may need: files opened, and files first seen at a write (inherited fds)
  if (rec.type === RecordType.OPEN || (rec.flags & RecordFlag.FROM_CACHE_MISS) !== 0) {
    ctx.inodePaths.remember(rec.dev, rec.ino, rec.path);
  }
  let path = null;
  let oldPath = null;
  let pathSource: FileEvent['pathSource'] = 'kernel';
  if (rec.type === RecordType.RENAME && rec.path2) {
    // the rename's target is the path whose content changed
    path = pathText(rec.path2);
    oldPath = pathText(rec.path);
  } else if (rec.flags & RecordFlag.PATH_UNKNOWN) {
    const known = ctx.inodePaths.lookup(rec.dev, rec.ino);
    path = known ? pathText(known) : null;
    pathSource = known ? 'inode_cache' : 'unknown';
  } else {
    path = pathText(rec.path);
  }
  const opensOrWrites = rec.type === RecordType.OPEN || rec.type === RecordType.WRITE;
  const watched = ctx.watchedNames?.observe(rec) ?? { path: null, path2: null };
  const isRename = rec.type === RecordType.RENAME && rec.path2 !== null;
  const watchedPath = isRename ? watched.path2 : rec.flags & RecordFlag.PATH_UNKNOWN ? null : watched.path;
  const process = ctx.processes.actor(rec.proc);
  const touchesContent = rec.type !== RecordType.OPEN || (rec.openFlags & (O_ACCMODE | O_CREAT | O_TRUNC)) !== 0;
  // a change to /etc/passwd or /etc/group: names are read again at the next lookup
  if (touchesContent && ((path !== null && ctx.accounts.isSource(path.text)) || (oldPath !== null && ctx.accounts.isSource(oldPath.text)))) {
    ctx.accounts.invalidate();
  }
  return {
    kind: 'file',
    operation,
    timeNs: rec.timeNs,
    time: ctx.toRfc3339(rec.timeNs),
    sensor: ctx.sensor,
    process,
    path,
    pathSource,
    oldPath,
    watchedPath: watchedPath === null ? null : { text: watchedPath },
    watchedOldPath: isRename && watched.path !== null ? { text: watched.path } : null,
    exchange: (rec.flags & RecordFlag.EXCHANGE) !== 0,
    pathUnresolved: (rec.flags & RecordFlag.PATH_UNRESOLVED) !== 0,
    pathTruncated: (rec.flags & (RecordFlag.PATH_TRUNCATED | RecordFlag.PATH2_TRUNCATED | RecordFlag.DEPTH_UNKNOWN)) !== 0,
    inode: rec.ino === 0n ? null : rec.ino,
    dev: rec.dev === 0 ? null : userDev(rec.dev),
    kernelDev: rec.dev,
    openFlags: rec.openFlags,
    access: opensOrWrites ? fileAccess(rec.openFlags) : null,
    count: rec.count,
    bytes: rec.bytes,
    mode: rec.mode,
    aggregated: (rec.flags & RecordFlag.AGGREGATED) !== 0,
    denied: (rec.flags & RecordFlag.DENIED) !== 0,
    fromCacheMiss: (rec.flags & RecordFlag.FROM_CACHE_MISS) !== 0,
    // an open for writing counts: the tracepoint sensor sees f_flags after the kernel cleared
    // O_CREAT/O_TRUNC, and copy_file_range (cp) changes a file without a write the sensors see
    touchesContent,
    metadata: rec.type === RecordType.SETATTR && rec.attr ? metadataChange(rec.attr, rec.flags) : null,
    creation: isCreation(rec.type) ? fileCreation(rec) : null,
    mount: rec.type === RecordType.MOUNT && rec.mount ? mountChange(rec, rec.mount) : null,
    xattr: rec.type === RecordType.XATTR && rec.xattr ? xattrChange(rec, rec.xattr) : null,
    mapping: rec.type === RecordType.MMAP && rec.mmap ? sharedMapping(rec.mmap) : null,
  };
}

function enrichPtrace(rec: PtraceRecordData, ctx: EnrichContext): PtraceEvent {
  const isRequest = rec.ptraceKind === PtraceKind.REQUEST;
  const attach = isRequest
    ? rec.request === PTRACE_ATTACH || rec.request === PTRACE_SEIZE || rec.request === PTRACE_TRACEME
    : (rec.mode & PTRACE_MODE_ATTACH) !== 0;
  let targetComm = null;
  if (rec.targetComm.length > 0) targetComm = pathText(rec.targetComm);
  else {
    const looked = ctx.lookupComm(rec.targetPid);
    if (looked !== undefined) targetComm = { text: looked };
  }
  return {
    kind: 'ptrace',
    timeNs: rec.timeNs,
    time: ctx.toRfc3339(rec.timeNs),
    sensor: ctx.sensor,
    process: ctx.processes.actor(rec.tracer),
    targetPid: rec.targetPid,
    targetComm,
    targetUid: isRequest ? null : rec.targetUid,
    access: attach ? 'attach' : isRequest ? 'request' : 'read',
    request: isRequest ? (PTRACE_REQUEST_NAMES[rec.request] ?? rec.request) : null,
    decision: rec.decision === Decision.DENY ? 'deny' : rec.decision === Decision.ERROR ? 'error' : 'allow',
    error: rec.result < 0 ? (errnoName(-rec.result) ?? rec.result) : null,
    onAgent: rec.targetPid === ctx.agentPid,
    walk: (rec.flags & RecordFlag.PTRACE_WALK) !== 0,
  };
}

function enrichSignal(rec: SignalRecordData, ctx: EnrichContext): SignalEvent {
  return {
    kind: 'signal',
    timeNs: rec.timeNs,
    time: ctx.toRfc3339(rec.timeNs),
    sensor: ctx.sensor,
    process: ctx.processes.actor(rec.sender),
    targetPid: rec.targetPid,
    signal: signalName(rec.signal) ?? rec.signal,
    decision: rec.decision === Decision.DENY ? 'deny' : 'allow',
    code: rec.code,
    fromKernel: (rec.flags & RecordFlag.SIGNAL_FROM_KERNEL) !== 0,
  };
}

function enrichBpfAccess(rec: BpfAccessRecordData, ctx: EnrichContext): BpfAccessEvent {
  return {
    kind: 'bpf_access',
    timeNs: rec.timeNs,
    time: ctx.toRfc3339(rec.timeNs),
    sensor: ctx.sensor,
    process: ctx.processes.actor(rec.proc),
    object: rec.objectKind === ObjectKind.MAP ? 'map' : rec.objectKind === ObjectKind.PROG ? 'prog' : rec.objectKind,
    objectId: rec.objectId,
    decision: rec.decision === Decision.DENY ? 'deny' : 'allow',
  };
}

/** The typed event of a record; null for the process records (exec, fork, exit), which only feed
 * the process cache. */
export function enrichRecord(rec: DecodedRecord, ctx: EnrichContext): SensorEvent | null {
  if (isProcessRecord(rec)) {
    ctx.processes.observe(rec);
    return null;
  }
  switch (rec.kind) {
    case 'file':
      return enrichFile(rec, ctx);
    case 'ptrace':
      return enrichPtrace(rec, ctx);
    case 'signal':
      return enrichSignal(rec, ctx);
    case 'bpf_access':
      return enrichBpfAccess(rec, ctx);
    // the guard's records about the agent's own process (src/events/enrichGuard.ts)
    case 'task':
      return enrichTask(rec, { sensor: ctx.sensor, toRfc3339: ctx.toRfc3339, processInfo: (p) => ctx.processes.actor(p) });
    case 'cgroup':
      return enrichCgroup(rec, { sensor: ctx.sensor, toRfc3339: ctx.toRfc3339, processInfo: (p) => ctx.processes.actor(p) });
  }
}
