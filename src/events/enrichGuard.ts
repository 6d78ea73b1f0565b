/**
 * The guard's records about the agent's own process → typed events: changes to its limits and
 * scheduling (`task`), its cgroup moves, guarded cgroup writes and freezes (`cgroup`). Kept apart
 * from enrich.ts, which calls these, because their numbers (resources, I/O priority classes) mean
 * nothing to the file and ptrace records.
 */
import { CgroupOp, Decision, RecordFlag, TaskOp } from '../sensor/contract.js';
import type { CgroupRecordData, ProcessFields, TaskRecordData } from '../sensor/decoder.js';
import { pathText } from '../shared/pathText.js';
import type { CgroupEvent, CgroupOperation, ProcessInfo, ResourceLimit, TaskChange, TaskEvent } from './types.js';

export interface GuardEnrichContext {
  sensor: TaskEvent['sensor'];
  toRfc3339(monotonicNs: bigint): string;
  processInfo(proc: ProcessFields): ProcessInfo;
}

const RLIM_INFINITY = 0xffffffffffffffffn;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Linux resource numbers (asm-generic/resource.h) */
export const RLIMIT_NAMES: readonly string[] = [
  'RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS', 'RLIMIT_NPROC', 'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING', 'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME',
];

const IOPRIO_CLASSES = ['none', 'realtime', 'best-effort', 'idle'];

const CGROUP_OPERATIONS: Record<number, CgroupOperation> = {
  [CgroupOp.ATTACH]: 'attach',
  [CgroupOp.WRITE]: 'write',
  [CgroupOp.FREEZE]: 'freeze',
};

function limit(value: bigint): ResourceLimit {
  if (value === RLIM_INFINITY) return 'unlimited';
  return value <= MAX_SAFE ? Number(value) : value.toString();
}

/** The value of a 64-bit field holding a sign-extended int (nice values, I/O priorities). */
function signed(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

function taskChange(rec: TaskRecordData): TaskChange {
  switch (rec.op) {
    case TaskOp.SETRLIMIT: {
      const n = Number(rec.arg);
      return { operation: 'setrlimit', resource: RLIMIT_NAMES[n] ?? n, soft: limit(rec.value), hard: limit(rec.value2) };
    }
    case TaskOp.SETNICE:
      return { operation: 'setnice', nice: signed(rec.value) };
    case TaskOp.SETIOPRIO: {
      const prio = signed(rec.value);
      const cls = (prio >> 13) & 7;
      return { operation: 'setioprio', ioprioClass: IOPRIO_CLASSES[cls] ?? cls, ioprioLevel: prio & 0x1fff };
    }
    case TaskOp.SETSCHEDULER:
      return { operation: 'setscheduler' };
    default:
      return { operation: rec.op };
  }
}

export function enrichTask(rec: TaskRecordData, ctx: GuardEnrichContext): TaskEvent {
  return {
    kind: 'task',
    timeNs: rec.timeNs,
    time: ctx.toRfc3339(rec.timeNs),
    sensor: ctx.sensor,
    process: ctx.processInfo(rec.actor),
    targetPid: rec.targetPid,
    change: taskChange(rec),
    decision: rec.decision === Decision.DENY ? 'deny' : 'allow',
  };
}

export function enrichCgroup(rec: CgroupRecordData, ctx: GuardEnrichContext): CgroupEvent {
  return {
    kind: 'cgroup',
    timeNs: rec.timeNs,
    time: ctx.toRfc3339(rec.timeNs),
    sensor: ctx.sensor,
    process: ctx.processInfo(rec.actor),
    targetPid: rec.targetPid,
    operation: CGROUP_OPERATIONS[rec.op] ?? rec.op,
    path: pathText(rec.path),
    pathTruncated: (rec.flags & RecordFlag.PATH_TRUNCATED) !== 0,
    cgroupId: rec.cgroupId === 0n ? null : rec.cgroupId,
    level: rec.level < 0 ? null : rec.level,
    hierarchy: rec.root < 0 || rec.op === CgroupOp.WRITE ? null : rec.root,
    decision: rec.decision === Decision.DENY ? 'deny' : 'allow',
  };
}
