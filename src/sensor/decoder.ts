/**
 * Decodes a batch of ring-buffer records (one Buffer, records back to back, each starting with
 * struct lw_header). Everything from the kernel is untrusted: sizes and lengths are checked before
 * use and a malformed record ends the batch (its size can no longer be trusted to find the next).
 */
import {
  ARGS_MAX,
  Attr,
  AttrRecord,
  BpfAccessRecord,
  CgroupRecord,
  ExecRecord,
  ExitRecord,
  FileRecord,
  ForkRecord,
  Header,
  Process,
  Mount,
  MountRecord,
  Xattr,
  XattrRecord,
  Mmap,
  MmapRecord,
  PtraceRecord,
  RecordType,
  SignalRecord,
  TaskRecord,
  COMM_LEN,
  PATH_MAX,
  TTY_LEN,
  FSTYPE_LEN,
} from './contract.js';

export interface ProcessFields {
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: Buffer;
  /** with pid, the process's identity: its leader's start (ns since boot) */
  startNs: bigint;
  /** the parent's start: (ppid, parentStartNs) is the parent's identity */
  parentStartNs: bigint;
  cgroupId: bigint;
  /** ID_UNSET when the task has none */
  loginUid: number;
  sessionId: number;
}

/** struct lw_attr: the new metadata of an LW_REC_SETATTR record (fields outside `valid` are 0). */
export interface AttrFields {
  op: number;
  valid: number;
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  atimeSec: bigint;
  atimeNsec: number;
  mtimeSec: bigint;
  mtimeNsec: number;
}

export interface FileRecordData {
  kind: 'file';
  type: 1 | 2 | 3 | 4 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16;
  flags: number;
  timeNs: bigint;
  proc: ProcessFields;
  ino: bigint;
  dev: number;
  openFlags: number;
  count: number;
  bytes: number;
  mode: number;
  path: Buffer;
  path2: Buffer | null;
  /** id of the agent-marked dentry nearest the file on path (0: none) and the bytes of path naming it */
  anchor: number;
  anchorOff: number;
  anchor2: number;
  anchor2Off: number;
  /** LW_REC_MKNOD: the device number as mknod(2) takes it; 0 otherwise */
  rdev: number;
  /** LW_REC_SETATTR only: the new values */
  attr: AttrFields | null;
  /** LW_REC_MOUNT only: the operation */
  mount: MountFields | null;
  /** LW_REC_XATTR only: the operation (path2 is the attribute's name) */
  xattr: XattrFields | null;
  /** LW_REC_MMAP only: the mapping */
  mmap: MmapFields | null;
}

/** struct lw_mmap: a shared writable mapping (LW_REC_MMAP) */
export interface MmapFields {
  /** enum lw_mmap_op */
  op: number;
  /** PROT_* bits */
  prot: number;
  /** MAP_* flags of mmap(2); MAP_SHARED for an mprotect */
  flags: number;
}

/** struct lw_xattr: what an LW_REC_XATTR record did (never the value, only its size) */
export interface XattrFields {
  /** enum lw_xattr_op */
  op: number;
  /** setxattr(2) flags: XATTR_CREATE 1, XATTR_REPLACE 2 */
  flags: number;
  size: number;
}

export interface MountFields {
  /** enum lw_mount_op */
  op: number;
  /** mount(2): MS_* flags (low 32 bits); move_mount: MOVE_MOUNT_* (tracepoint); umount2: MNT_* */
  flags: number;
  /** the file system type's name, as the kernel or the caller gave it; empty if unknown */
  fstype: Buffer;
}

export interface PtraceRecordData {
  kind: 'ptrace';
  flags: number;
  timeNs: bigint;
  tracer: ProcessFields;
  targetPid: number;
  targetTid: number;
  targetUid: number;
  mode: number;
  request: number;
  result: number;
  ptraceKind: number;
  decision: number;
  targetComm: Buffer;
}

export interface SignalRecordData {
  kind: 'signal';
  flags: number;
  timeNs: bigint;
  sender: ProcessFields;
  targetPid: number;
  signal: number;
  decision: number;
  /** siginfo si_code (SI_USER 0, SI_TKILL -6, SI_KERNEL 0x80, ...) */
  code: number;
}

/** Another process changing the agent's limits or scheduling (LW_REC_TASK). */
export interface TaskRecordData {
  kind: 'task';
  flags: number;
  timeNs: bigint;
  actor: ProcessFields;
  targetPid: number;
  op: number;
  arg: bigint;
  value: bigint;
  value2: bigint;
  decision: number;
}

/** The agent's cgroup: a move, a guarded write, a freeze (LW_REC_CGROUP). */
export interface CgroupRecordData {
  kind: 'cgroup';
  flags: number;
  timeNs: bigint;
  actor: ProcessFields;
  targetPid: number;
  op: number;
  cgroupId: bigint;
  level: number;
  root: number;
  decision: number;
  path: Buffer;
}

export interface BpfAccessRecordData {
  kind: 'bpf_access';
  flags: number;
  timeNs: bigint;
  proc: ProcessFields;
  objectId: number;
  objectKind: number;
  decision: number;
}

/** A process executed a program (LW_REC_EXEC): not an event, it feeds the process cache. */
export interface ExecRecordData {
  kind: 'exec';
  flags: number;
  timeNs: bigint;
  proc: ProcessFields;
  exeIno: bigint;
  exeDev: number;
  /** the executable's path; empty if the task had none */
  exe: Buffer;
  /** the argument vector, NUL-separated (as /proc/PID/cmdline) */
  args: Buffer;
  /** the controlling terminal's name as the kernel spells it ("pts3"); empty if none */
  tty: Buffer;
}

export interface ForkRecordData {
  kind: 'fork';
  timeNs: bigint;
  parent: ProcessFields;
  childPid: number;
  childPpid: number;
  childStartNs: bigint;
}

export interface ExitRecordData {
  kind: 'exit';
  timeNs: bigint;
  proc: ProcessFields;
  exitCode: number;
}

export type EventRecordData = FileRecordData | PtraceRecordData | SignalRecordData | BpfAccessRecordData | TaskRecordData | CgroupRecordData;
export type ProcessRecordData = ExecRecordData | ForkRecordData | ExitRecordData;
export type DecodedRecord = EventRecordData | ProcessRecordData;

export function isProcessRecord(rec: DecodedRecord): rec is ProcessRecordData {
  return rec.kind === 'exec' || rec.kind === 'fork' || rec.kind === 'exit';
}

export interface DecodeResult {
  records: DecodedRecord[];
  /** Records that could not be decoded (counted, never silently dropped). */
  invalid: number;
  /** Why decoding stopped early, if it did. */
  error?: string;
}

function cString(buf: Buffer, start: number, max: number): Buffer {
  const end = buf.indexOf(0, start);
  return buf.subarray(start, end === -1 || end > start + max ? start + max : end);
}

function readProcess(buf: Buffer, at: number): ProcessFields {
  return {
    pid: buf.readUInt32LE(at + Process.pid),
    tid: buf.readUInt32LE(at + Process.tid),
    ppid: buf.readUInt32LE(at + Process.ppid),
    uid: buf.readUInt32LE(at + Process.uid),
    gid: buf.readUInt32LE(at + Process.gid),
    comm: cString(buf, at + Process.comm, COMM_LEN),
    startNs: buf.readBigUInt64LE(at + Process.startNs),
    parentStartNs: buf.readBigUInt64LE(at + Process.parentStartNs),
    cgroupId: buf.readBigUInt64LE(at + Process.cgroupId),
    loginUid: buf.readUInt32LE(at + Process.loginuid),
    sessionId: buf.readUInt32LE(at + Process.sessionid),
  };
}

function readAttr(buf: Buffer, at: number): AttrFields {
  return {
    op: buf.readUInt32LE(at + Attr.op),
    valid: buf.readUInt32LE(at + Attr.valid),
    mode: buf.readUInt32LE(at + Attr.mode),
    uid: buf.readUInt32LE(at + Attr.uid),
    gid: buf.readUInt32LE(at + Attr.gid),
    size: buf.readBigInt64LE(at + Attr.size_),
    atimeSec: buf.readBigInt64LE(at + Attr.atimeSec),
    atimeNsec: buf.readUInt32LE(at + Attr.atimeNsec),
    mtimeSec: buf.readBigInt64LE(at + Attr.mtimeSec),
    mtimeNsec: buf.readUInt32LE(at + Attr.mtimeNsec),
  };
}

function readMount(buf: Buffer, at: number): MountFields {
  const name = buf.subarray(at + Mount.fstype, at + Mount.fstype + FSTYPE_LEN);
  const nul = name.indexOf(0);
  return {
    op: buf.readUInt32LE(at + Mount.op),
    flags: buf.readUInt32LE(at + Mount.flags),
    fstype: nul >= 0 ? name.subarray(0, nul) : name,
  };
}

function readXattr(buf: Buffer, at: number): XattrFields {
  return { op: buf.readUInt32LE(at + Xattr.op), flags: buf.readUInt32LE(at + Xattr.flags), size: buf.readUInt32LE(at + Xattr.size_) };
}

function readMmap(buf: Buffer, at: number): MmapFields {
  return { op: buf.readUInt32LE(at + Mmap.op), prot: buf.readUInt32LE(at + Mmap.prot), flags: buf.readUInt32LE(at + Mmap.flags) };
}

/** Bytes before the path: a metadata record is a file record followed by what it sets. */
function fixedSizeOf(type: FileRecordData['type']): number {
  switch (type) {
    case RecordType.SETATTR:
      return AttrRecord.size;
    case RecordType.MOUNT:
      return MountRecord.size;
    case RecordType.XATTR:
      return XattrRecord.size;
    case RecordType.MMAP:
      return MmapRecord.size;
    default:
      return FileRecord.size;
  }
}

function decodeFile(buf: Buffer, at: number, size: number, type: FileRecordData['type']): FileRecordData | string {
  const fixed = fixedSizeOf(type);
  if (size < fixed) return `file record of ${size} bytes is shorter than ${fixed}`;
  const pathLen = buf.readUInt16LE(at + FileRecord.pathLen);
  const path2Len = buf.readUInt16LE(at + FileRecord.path2Len);
  const pathAt = at + fixed;
  const path2At = pathAt + pathLen + 1;
  const end = path2Len > 0 ? path2At + path2Len + 1 : path2At;
  if (pathLen >= PATH_MAX || path2Len >= PATH_MAX || end > at + size) {
    return `file record paths (${pathLen}, ${path2Len} bytes) overrun its size ${size}`;
  }
  return {
    kind: 'file',
    type,
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    proc: readProcess(buf, at + FileRecord.proc),
    ino: buf.readBigUInt64LE(at + FileRecord.ino),
    dev: buf.readUInt32LE(at + FileRecord.dev),
    openFlags: buf.readUInt32LE(at + FileRecord.openFlags),
    // counts fit a double exactly far beyond anything one record can stand for
    count: Number(buf.readBigUInt64LE(at + FileRecord.count)),
    bytes: Number(buf.readBigUInt64LE(at + FileRecord.bytes)),
    mode: buf.readUInt32LE(at + FileRecord.mode),
    path: buf.subarray(pathAt, pathAt + pathLen),
    path2: path2Len > 0 ? buf.subarray(path2At, path2At + path2Len) : null,
    anchor: buf.readUInt32LE(at + FileRecord.anchor),
    anchorOff: Math.min(buf.readUInt16LE(at + FileRecord.anchorOff), pathLen),
    anchor2: buf.readUInt32LE(at + FileRecord.anchor2),
    anchor2Off: Math.min(buf.readUInt16LE(at + FileRecord.anchor2Off), path2Len),
    rdev: type === RecordType.MKNOD ? buf.readUInt32LE(at + FileRecord.rdev) : 0,
    attr: type === RecordType.SETATTR ? readAttr(buf, at + AttrRecord.attr) : null,
    mount: type === RecordType.MOUNT ? readMount(buf, at + MountRecord.mount) : null,
    xattr: type === RecordType.XATTR ? readXattr(buf, at + XattrRecord.xattr) : null,
    mmap: type === RecordType.MMAP ? readMmap(buf, at + MmapRecord.mmap) : null,
  };
}

function decodePtrace(buf: Buffer, at: number, size: number): PtraceRecordData | string {
  if (size < PtraceRecord.size) return `ptrace record of ${size} bytes is shorter than ${PtraceRecord.size}`;
  return {
    kind: 'ptrace',
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    tracer: readProcess(buf, at + PtraceRecord.tracer),
    targetPid: buf.readUInt32LE(at + PtraceRecord.targetPid),
    targetTid: buf.readUInt32LE(at + PtraceRecord.targetTid),
    targetUid: buf.readUInt32LE(at + PtraceRecord.targetUid),
    mode: buf.readUInt32LE(at + PtraceRecord.mode),
    request: buf.readUInt32LE(at + PtraceRecord.request),
    result: buf.readInt32LE(at + PtraceRecord.result),
    ptraceKind: buf.readUInt16LE(at + PtraceRecord.kind),
    decision: buf.readUInt16LE(at + PtraceRecord.decision),
    targetComm: cString(buf, at + PtraceRecord.targetComm, COMM_LEN),
  };
}

function decodeSignal(buf: Buffer, at: number, size: number): SignalRecordData | string {
  if (size < SignalRecord.size) return `signal record of ${size} bytes is shorter than ${SignalRecord.size}`;
  return {
    kind: 'signal',
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    sender: readProcess(buf, at + SignalRecord.sender),
    targetPid: buf.readUInt32LE(at + SignalRecord.targetPid),
    signal: buf.readUInt32LE(at + SignalRecord.signal),
    decision: buf.readUInt16LE(at + SignalRecord.decision),
    code: buf.readInt32LE(at + SignalRecord.code),
  };
}

function decodeTask(buf: Buffer, at: number, size: number): TaskRecordData | string {
  if (size < TaskRecord.size) return `task record of ${size} bytes is shorter than ${TaskRecord.size}`;
  return {
    kind: 'task',
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    actor: readProcess(buf, at + TaskRecord.actor),
    targetPid: buf.readUInt32LE(at + TaskRecord.targetPid),
    op: buf.readUInt32LE(at + TaskRecord.op),
    arg: buf.readBigUInt64LE(at + TaskRecord.arg),
    value: buf.readBigUInt64LE(at + TaskRecord.value),
    value2: buf.readBigUInt64LE(at + TaskRecord.value2),
    decision: buf.readUInt16LE(at + TaskRecord.decision),
  };
}

function decodeCgroup(buf: Buffer, at: number, size: number): CgroupRecordData | string {
  if (size < CgroupRecord.size) return `cgroup record of ${size} bytes is shorter than ${CgroupRecord.size}`;
  const pathLen = buf.readUInt16LE(at + CgroupRecord.pathLen);
  const pathAt = at + CgroupRecord.size;
  if (pathLen >= PATH_MAX || pathAt + pathLen + 1 > at + size) return `cgroup record path (${pathLen} bytes) overruns its size ${size}`;
  return {
    kind: 'cgroup',
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    actor: readProcess(buf, at + CgroupRecord.actor),
    targetPid: buf.readUInt32LE(at + CgroupRecord.targetPid),
    op: buf.readUInt32LE(at + CgroupRecord.op),
    cgroupId: buf.readBigUInt64LE(at + CgroupRecord.cgroupId),
    level: buf.readInt32LE(at + CgroupRecord.level),
    root: buf.readInt32LE(at + CgroupRecord.root),
    decision: buf.readUInt16LE(at + CgroupRecord.decision),
    path: buf.subarray(pathAt, pathAt + pathLen),
  };
}

function decodeBpfAccess(buf: Buffer, at: number, size: number): BpfAccessRecordData | string {
  if (size < BpfAccessRecord.size) return `bpf access record of ${size} bytes is shorter than ${BpfAccessRecord.size}`;
  return {
    kind: 'bpf_access',
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    proc: readProcess(buf, at + BpfAccessRecord.proc),
    objectId: buf.readUInt32LE(at + BpfAccessRecord.objectId),
    objectKind: buf.readUInt32LE(at + BpfAccessRecord.kind),
    decision: buf.readUInt16LE(at + BpfAccessRecord.decision),
  };
}

function decodeExec(buf: Buffer, at: number, size: number): ExecRecordData | string {
  if (size < ExecRecord.size) return `exec record of ${size} bytes is shorter than ${ExecRecord.size}`;
  const exeLen = buf.readUInt16LE(at + ExecRecord.exeLen);
  const argsLen = buf.readUInt16LE(at + ExecRecord.argsLen);
  const exeAt = at + ExecRecord.size;
  const argsAt = exeAt + exeLen + 1;
  if (exeLen >= PATH_MAX || argsLen >= ARGS_MAX || argsAt + argsLen > at + size) {
    return `exec record (exe ${exeLen}, arguments ${argsLen} bytes) overruns its size ${size}`;
  }
  return {
    kind: 'exec',
    flags: buf.readUInt32LE(at + Header.flags),
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    proc: readProcess(buf, at + ExecRecord.proc),
    exeIno: buf.readBigUInt64LE(at + ExecRecord.exeIno),
    exeDev: buf.readUInt32LE(at + ExecRecord.exeDev),
    exe: buf.subarray(exeAt, exeAt + exeLen),
    args: buf.subarray(argsAt, argsAt + argsLen),
    tty: cString(buf, at + ExecRecord.tty, TTY_LEN),
  };
}

function decodeFork(buf: Buffer, at: number, size: number): ForkRecordData | string {
  if (size < ForkRecord.size) return `fork record of ${size} bytes is shorter than ${ForkRecord.size}`;
  return {
    kind: 'fork',
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    parent: readProcess(buf, at + ForkRecord.parent),
    childPid: buf.readUInt32LE(at + ForkRecord.childPid),
    childPpid: buf.readUInt32LE(at + ForkRecord.childPpid),
    childStartNs: buf.readBigUInt64LE(at + ForkRecord.childStartNs),
  };
}

function decodeExit(buf: Buffer, at: number, size: number): ExitRecordData | string {
  if (size < ExitRecord.size) return `exit record of ${size} bytes is shorter than ${ExitRecord.size}`;
  return {
    kind: 'exit',
    timeNs: buf.readBigUInt64LE(at + Header.timeNs),
    proc: readProcess(buf, at + ExitRecord.proc),
    exitCode: buf.readUInt32LE(at + ExitRecord.exitCode),
  };
}

/** Decodes every record in batch; expectedRecords (from the addon) lets a truncated batch be counted. */
export function decodeBatch(batch: Buffer, expectedRecords?: number): DecodeResult {
  const records: DecodedRecord[] = [];
  let invalid = 0;
  let at = 0;
  while (at < batch.length) {
    if (batch.length - at < Header.size) {
      return finish(records, invalid + 1, expectedRecords, `${batch.length - at} trailing bytes`);
    }
    const type = batch.readUInt16LE(at + Header.type);
    const size = batch.readUInt16LE(at + Header.size_);
    if (size < Header.size || size % 8 !== 0 || at + size > batch.length) {
      return finish(records, invalid + 1, expectedRecords, `record size ${size} at offset ${at} is impossible`);
    }
    let decoded: DecodedRecord | string;
    switch (type) {
      case RecordType.OPEN:
      case RecordType.WRITE:
      case RecordType.RENAME:
      case RecordType.UNLINK:
      case RecordType.RMDIR:
      case RecordType.SETATTR:
      case RecordType.LINK:
      case RecordType.SYMLINK:
      case RecordType.MKNOD:
      case RecordType.MKDIR:
      case RecordType.MOUNT:
      case RecordType.XATTR:
      case RecordType.MMAP:
        decoded = decodeFile(batch, at, size, type);
        break;
      case RecordType.PTRACE:
        decoded = decodePtrace(batch, at, size);
        break;
      case RecordType.SIGNAL:
        decoded = decodeSignal(batch, at, size);
        break;
      case RecordType.BPF_ACCESS:
        decoded = decodeBpfAccess(batch, at, size);
        break;
      case RecordType.TASK:
        decoded = decodeTask(batch, at, size);
        break;
      case RecordType.CGROUP:
        decoded = decodeCgroup(batch, at, size);
        break;
      case RecordType.EXEC:
        decoded = decodeExec(batch, at, size);
        break;
      case RecordType.FORK:
        decoded = decodeFork(batch, at, size);
        break;
      case RecordType.EXIT:
        decoded = decodeExit(batch, at, size);
        break;
      default:
        decoded = `unknown record type ${type}`;
    }
    if (typeof decoded === 'string') invalid++;
    else records.push(decoded);
    at += size;
  }
  return finish(records, invalid, expectedRecords);
}

function finish(records: DecodedRecord[], invalid: number, expected: number | undefined, error?: string): DecodeResult {
  // Records after a malformed one are lost with it: count them too, if the producer told us how many.
  if (expected !== undefined && records.length + invalid < expected) invalid = expected - records.length;
  return error === undefined ? { records, invalid } : { records, invalid, error };
}
