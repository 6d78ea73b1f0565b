/** Turns decoded kernel records into the flat, snake_case NDJSON objects of the output contract. */
import { constants as osConstants } from 'node:os';
import { Decision, PtraceKind, RecordFlag, RecordType } from '../sensor/contract.js';
import type { BpfAccessRecordData, DecodedRecord, FileRecordData, ProcessFields, PtraceRecordData, SignalRecordData } from '../sensor/decoder.js';
import { ObjectKind } from '../sensor/contract.js';
import { putPath } from '../output/pathText.js';
import type { WallClock } from './wallClock.js';

export type SensorName = 'lsm' | 'tracepoint';

export interface FormatContext {
  sensor: SensorName;
  clock: WallClock;
  /** comm of a process by pid, for records whose sensor could not read it (tracepoint ptrace) */
  lookupComm?: (pid: number) => string | undefined;
  /** last known path of an inode, for flushed writes whose file was gone (LW_F_PATH_UNKNOWN) */
  lookupPath?: (dev: number, ino: bigint) => Buffer | undefined;
}

const FILE_TYPE_NAMES: Record<number, string> = {
  [RecordType.OPEN]: 'open',
  [RecordType.WRITE]: 'write',
  [RecordType.RENAME]: 'rename',
  [RecordType.UNLINK]: 'unlink',
  [RecordType.RMDIR]: 'rmdir',
};

const PTRACE_ATTACH = 16;
const PTRACE_SEIZE = 0x4206;
const PTRACE_TRACEME = 0;
const PTRACE_REQUEST_NAMES: Record<number, string> = {
  0: 'PTRACE_TRACEME',
  1: 'PTRACE_PEEKTEXT',
  2: 'PTRACE_PEEKDATA',
  4: 'PTRACE_POKETEXT',
  5: 'PTRACE_POKEDATA',
  7: 'PTRACE_CONT',
  8: 'PTRACE_KILL',
  12: 'PTRACE_GETREGS',
  13: 'PTRACE_SETREGS',
  16: 'PTRACE_ATTACH',
  17: 'PTRACE_DETACH',
  0x4206: 'PTRACE_SEIZE',
  0x4207: 'PTRACE_INTERRUPT',
};
const PTRACE_MODE_ATTACH = 0x02;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** errno number → name; the first name wins (EAGAIN, not its alias EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osConstants.errno)) if (!ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name);

/** Kernel dev_t (MAJOR << 20 | MINOR) to the st_dev number stat() reports. */
export function userDev(kernelDev: number): number {
  const major = Math.floor(kernelDev / 2 ** 20);
  const minor = kernelDev % 2 ** 20;
  return (minor & 0xff) + (major & 0xfff) * 2 ** 8 + Math.floor(minor / 2 ** 8) * 2 ** 20;
}

/** The fields every event starts with: what, when, which sensor, and the acting process. */
function baseFields(type: string, timeNs: bigint, proc: ProcessFields, ctx: FormatContext): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type,
    time: ctx.clock.toRfc3339(timeNs),
    sensor: ctx.sensor,
    pid: proc.pid,
    tid: proc.tid,
    ppid: proc.ppid,
    uid: proc.uid,
    gid: proc.gid,
  };
  putPath(out, 'comm', proc.comm);
  return out;
}

function access(openFlags: number): 'read' | 'write' | 'read_write' {
  const mode = openFlags & 3;
  return mode === 0 ? 'read' : mode === 1 ? 'write' : 'read_write';
}

function formatFile(rec: FileRecordData, ctx: FormatContext): Record<string, unknown> {
  const out = baseFields(FILE_TYPE_NAMES[rec.type], rec.timeNs, rec.proc, ctx);
  if (rec.type === RecordType.RENAME && rec.path2) {
    // the rename's target is the path whose content changed
    putPath(out, 'path', rec.path2);
    putPath(out, 'old_path', rec.path);
  } else if (rec.flags & RecordFlag.PATH_UNKNOWN) {
    const known = ctx.lookupPath?.(rec.dev, rec.ino);
    if (known) putPath(out, 'path', known);
    else out.path = null;
    out.path_unknown = known === undefined;
  } else {
    putPath(out, 'path', rec.path);
  }
  // inode numbers are 64-bit (overlayfs xino, XFS): beyond 2^53 they are printed as a decimal string
  out.inode = rec.ino === 0n ? null : rec.ino <= MAX_SAFE ? Number(rec.ino) : rec.ino.toString();
  out.dev = rec.dev === 0 ? null : userDev(rec.dev);
  if (rec.type === RecordType.OPEN || rec.type === RecordType.WRITE) {
    out.flags = rec.openFlags;
    out.access = access(rec.openFlags);
  }
  if (rec.type === RecordType.WRITE) {
    out.count = rec.count;
    out.bytes = rec.bytes;
    // a flush of writes counted in the kernel: time is when they were reported, not the first write
    if (rec.flags & RecordFlag.AGGREGATED) out.aggregated = true;
  }
  if (rec.flags & RecordFlag.EXCHANGE) out.exchange = true; // renameat2(RENAME_EXCHANGE): both names swapped
  if (rec.flags & (RecordFlag.PATH_TRUNCATED | RecordFlag.PATH2_TRUNCATED | RecordFlag.DEPTH_UNKNOWN)) out.path_truncated = true;
  if (rec.flags & RecordFlag.PATH_UNRESOLVED) out.path_unresolved = true; // tracepoint: the syscall's string
  if (rec.flags & RecordFlag.DENIED) out.decision = 'deny'; // --protect refused it
  return out;
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

function formatSignal(rec: SignalRecordData, ctx: FormatContext): Record<string, unknown> {
  const out = baseFields('signal', rec.timeNs, rec.sender, ctx);
  out.target_pid = rec.targetPid;
  out.signal = SIGNAL_NAMES.get(rec.signal) ?? rec.signal;
  out.decision = rec.decision === Decision.DENY ? 'deny' : 'allow';
  return out;
}

function formatBpfAccess(rec: BpfAccessRecordData, ctx: FormatContext): Record<string, unknown> {
  const out = baseFields('bpf_access', rec.timeNs, rec.proc, ctx);
  out.object = rec.objectKind === ObjectKind.MAP ? 'map' : rec.objectKind === ObjectKind.PROG ? 'prog' : rec.objectKind;
  out.object_id = rec.objectId;
  out.decision = rec.decision === Decision.DENY ? 'deny' : 'allow';
  return out;
}

function formatPtrace(rec: PtraceRecordData, ctx: FormatContext): Record<string, unknown> {
  const isRequest = rec.ptraceKind === PtraceKind.REQUEST;
  const attach = isRequest
    ? rec.request === PTRACE_ATTACH || rec.request === PTRACE_SEIZE || rec.request === PTRACE_TRACEME
    : (rec.mode & PTRACE_MODE_ATTACH) !== 0;
  const out = baseFields('ptrace', rec.timeNs, rec.tracer, ctx);
  out.target_pid = rec.targetPid;
  if (rec.targetComm.length > 0) putPath(out, 'target_comm', rec.targetComm);
  else out.target_comm = ctx.lookupComm?.(rec.targetPid) ?? null;
  out.target_uid = isRequest ? null : rec.targetUid;
  out.mode = attach ? 'attach' : isRequest ? 'request' : 'read';
  if (isRequest) out.request = PTRACE_REQUEST_NAMES[rec.request] ?? rec.request;
  out.decision = rec.decision === Decision.DENY ? 'deny' : rec.decision === Decision.ERROR ? 'error' : 'allow';
  if (rec.result < 0) out.error = ERRNO_NAMES.get(-rec.result) ?? rec.result;
  return out;
}

export function formatRecord(rec: DecodedRecord, ctx: FormatContext): Record<string, unknown> {
  switch (rec.kind) {
    case 'file':
      return formatFile(rec, ctx);
    case 'ptrace':
      return formatPtrace(rec, ctx);
    case 'signal':
      return formatSignal(rec, ctx);
    case 'bpf_access':
      return formatBpfAccess(rec, ctx);
  }
}
