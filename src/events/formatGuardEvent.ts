/** NDJSON fields of the guard's records about the agent's own process: limits and scheduling changes
 * (`task`), cgroup moves and guarded cgroup writes (`cgroup`), and the siginfo details of `signal`
 * events. Kept apart from formatEvent.ts so it can move with the formatter; the caller passes the
 * common fields (type, time, sensor, the acting process). */
import { CgroupOp, Decision, RecordFlag, TaskOp } from '../sensor/contract.js';
import type { CgroupRecordData, SignalRecordData, TaskRecordData } from '../sensor/decoder.js';
import { putPath } from '../output/pathText.js';

const RLIM_INFINITY = 0xffffffffffffffffn;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Linux resource numbers (asm-generic/resource.h) */
export const RLIMIT_NAMES: readonly string[] = [
  'RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS', 'RLIMIT_NPROC', 'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING', 'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME',
];

const TASK_OPS: Record<number, string> = {
  [TaskOp.SETRLIMIT]: 'setrlimit',
  [TaskOp.SETNICE]: 'setnice',
  [TaskOp.SETSCHEDULER]: 'setscheduler',
  [TaskOp.SETIOPRIO]: 'setioprio',
};

const CGROUP_OPS: Record<number, string> = {
  [CgroupOp.ATTACH]: 'attach',
  [CgroupOp.WRITE]: 'write',
  [CgroupOp.FREEZE]: 'freeze',
};

const IOPRIO_CLASSES = ['none', 'realtime', 'best-effort', 'idle'];

type Base = Record<string, unknown>;

function decisionName(decision: number): string {
  return decision === Decision.DENY ? 'deny' : 'allow';
}

function limit(value: bigint): number | string {
  if (value === RLIM_INFINITY) return 'unlimited';
  return value <= MAX_SAFE ? Number(value) : value.toString();
}

/** The value of a 64-bit field holding a sign-extended int (nice values, I/O priorities). */
function signed(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

/** `task` event: base carries type, time, sensor and the acting process. */
export function formatTask(rec: TaskRecordData, base: Base): Base {
  const out = base;
  out.target_pid = rec.targetPid;
  out.operation = TASK_OPS[rec.op] ?? rec.op;
  if (rec.op === TaskOp.SETRLIMIT) {
    const n = Number(rec.arg);
    out.resource = RLIMIT_NAMES[n] ?? n;
    out.soft = limit(rec.value);
    out.hard = limit(rec.value2);
  } else if (rec.op === TaskOp.SETNICE) {
    out.nice = signed(rec.value);
  } else if (rec.op === TaskOp.SETIOPRIO) {
    const prio = signed(rec.value);
    out.ioprio_class = IOPRIO_CLASSES[(prio >> 13) & 7] ?? (prio >> 13) & 7;
    out.ioprio_level = prio & 0x1fff;
  }
  out.decision = decisionName(rec.decision);
  return out;
}

/** `cgroup` event: a move of the agent (path = destination), a guarded write (path = the file), a
 * freeze (path = the cgroup). */
export function formatCgroup(rec: CgroupRecordData, base: Base): Base {
  const out = base;
  out.target_pid = rec.targetPid;
  out.operation = CGROUP_OPS[rec.op] ?? rec.op;
  putPath(out, 'path', rec.path);
  out.cgroup_id = rec.cgroupId === 0n ? null : rec.cgroupId <= MAX_SAFE ? Number(rec.cgroupId) : rec.cgroupId.toString();
  out.level = rec.level < 0 ? null : rec.level;
  if (rec.op !== CgroupOp.WRITE) out.hierarchy = rec.root < 0 ? null : rec.root;
  if (rec.flags & RecordFlag.PATH_TRUNCATED) out.path_truncated = true;
  out.decision = decisionName(rec.decision);
  return out;
}

/** Fields a `signal` event adds for its siginfo: the code, and whether the kernel sent it (then the
 * process fields name the task that happened to run, not a sender). */
export function signalOrigin(rec: SignalRecordData, out: Base): Base {
  out.code = rec.code;
  if (rec.flags & RecordFlag.SIGNAL_FROM_KERNEL) out.from_kernel = true;
  return out;
}
