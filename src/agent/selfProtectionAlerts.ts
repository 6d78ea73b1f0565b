/**
 * Attempts on the agent itself, judged from typed events: a denied signal, a denied fd to its BPF
 * objects, a denied write/rename/unlink of its files, any ptrace access aimed at it, a change to
 * its limits or scheduling, a move of it to another cgroup, a cgroup write that would stop it, a
 * freeze of a cgroup holding it. Pure: the consumer below turns verdicts into output and stderr lines.
 * ptrace is judged as an attach, or a read-mode access that is not a walk of /proc (the LSM sensor
 * does not even report those unless denied: bpf/lsm/ptrace_walk.bpf.h); one process's accesses are
 * one alert with a count (./ptraceAgentAlerts.ts).
 */
import type { CgroupEvent, SensorEvent, SignalEvent, TaskChange, TaskEvent } from '../events/types.js';
import type { SelfProtectionAlert } from '../output/records.js';
import { selfProtectionAlertLine } from '../output/records.js';
import { actorFields } from '../output/eventRecord.js';
import { describeActor } from '../process/describeActor.js';
import type { AlertOutput } from './alertOutput.js';
import type { Notices } from '../log/notices.js';
import type { EventConsumer } from './eventConsumers.js';
import { createPtraceAgentAggregator, type PtraceAgentBurst } from './ptraceAgentAlerts.js';

export type SelfProtectionVerdict = { alert: SelfProtectionAlert; human: string } | { notice: string } | null;

/** "/usr/bin/gdb (pid 7) by alice via sudo, session 3" */
function who(e: SensorEvent): string {
  return describeActor(actorFields(e.process) as Parameters<typeof describeActor>[0]);
}

/** Who sent a signal: a kernel-generated one (a tty, a timer, a resource limit) has no sender, only
 * a task that happened to run. */
function sender(e: SignalEvent): string {
  return e.fromKernel ? `the kernel (while ${who(e)} ran)` : who(e);
}

function describeTaskChange(c: TaskChange): string {
  switch (c.operation) {
    case 'setrlimit':
      return `set ${String(c.resource)} to ${String(c.soft)}/${String(c.hard)} on the agent`;
    case 'setnice':
      return `set the agent's nice value to ${c.nice}`;
    case 'setioprio':
      return `set the agent's I/O priority to ${String(c.ioprioClass)}`;
    default:
      return `changed the agent's scheduling (${String(c.operation)})`;
  }
}

/** The alert fields of a task change, in the order they print. */
function taskDetails(c: TaskChange): Partial<Record<'resource' | 'soft' | 'hard' | 'nice' | 'ioprio_class', string | number>> {
  if (c.operation === 'setrlimit') return { resource: c.resource, soft: c.soft, hard: c.hard };
  if (c.operation === 'setnice') return { nice: c.nice };
  if (c.operation === 'setioprio') return { ioprio_class: c.ioprioClass };
  return {};
}

function judgeTask(e: TaskEvent): SelfProtectionVerdict {
  const denied = e.decision === 'deny';
  return {
    alert: {
      rule: denied ? 'agent_task_denied' : 'agent_task_changed',
      time: e.time,
      pid: e.process.pid,
      comm: e.process.comm.text,
      uid: e.process.uid,
      target_pid: e.targetPid,
      operation: e.change.operation,
      ...taskDetails(e.change),
      decision: e.decision,
    },
    human: `${who(e)} ${denied ? 'was denied: ' : ''}${describeTaskChange(e.change)}`,
  };
}

function judgeCgroup(e: CgroupEvent): SelfProtectionVerdict {
  const base = { time: e.time, pid: e.process.pid, comm: e.process.comm.text, uid: e.process.uid, target_pid: e.targetPid, operation: e.operation, path: e.path.text, decision: e.decision };
  switch (e.operation) {
    case 'attach':
      return { alert: { rule: 'agent_cgroup_moved', ...base }, human: `${who(e)} moved the agent into the cgroup ${e.path.text}` };
    case 'write':
      return { alert: { rule: 'agent_cgroup_denied', ...base }, human: `${who(e)} was denied writing ${e.path.text}, which would freeze, kill or limit the agent` };
    default:
      return {
        alert: { rule: 'agent_cgroup_frozen', ...base },
        human: `${who(e)} froze the cgroup ${e.path.text}, which holds the agent (it could not run until thawed)`,
      };
  }
}

export function judgeSelfProtection(e: SensorEvent): SelfProtectionVerdict {
  const actor = { time: e.time, pid: e.process.pid, comm: e.process.comm.text, uid: e.process.uid };
  switch (e.kind) {
    case 'signal':
      if (e.decision !== 'deny') return { notice: `received ${String(e.signal)} from ${sender(e)}` };
      return {
        alert: { rule: 'signal_agent_denied', ...actor, signal: e.signal },
        human: `${String(e.signal)} to the agent from ${who(e)} denied`,
      };
    case 'bpf_access':
      return {
        alert: { rule: 'bpf_access_denied', ...actor, object: e.object, object_id: e.objectId },
        human: `${who(e)} was denied access to the agent's BPF ${String(e.object)} ${e.objectId}`,
      };
    case 'file':
      if (!e.denied) return null;
      return {
        alert: { rule: 'agent_file_denied', ...actor, path: e.path?.text ?? null, operation: e.operation },
        human: `${who(e)} was denied ${e.operation} of the agent's file ${e.path?.text ?? '(unknown path)'}`,
      };
    case 'ptrace':
      // a stat/readlink/readdir walk of the agent's /proc entries (find, ps, lsof) shows names and
      // numbers only: its ptrace line is enough (it reaches user space only when denied)
      if (!e.onAgent || (e.access === 'read' && e.walk)) return null;
      return {
        alert: { rule: 'ptrace_agent', ...actor, mode: e.access, decision: e.decision, count: 1 },
        human: `${who(e)} tried to ptrace the agent (${e.access}, ${e.decision})`,
      };
    case 'task':
      return judgeTask(e);
    case 'cgroup':
      return judgeCgroup(e);
  }
}

/** The one alert of a burst of ptrace accesses by one process: the first's fields, the count. */
export function ptraceBurstVerdict(burst: PtraceAgentBurst): { alert: SelfProtectionAlert; human: string } | null {
  const verdict = judgeSelfProtection(burst.first);
  if (verdict === null || !('alert' in verdict) || verdict.alert.rule !== 'ptrace_agent') return null;
  const alert = { ...verdict.alert, count: burst.count };
  if (burst.count > 1) alert.last_time = burst.last.time;
  if (burst.repeat) alert.repeat = true;
  const times = burst.count > 1 ? `, ${burst.count} times` : '';
  return { alert, human: `${verdict.human}${times}${burst.repeat ? ' again' : ''}` };
}

export interface SelfProtectionConsumer extends EventConsumer {
  /** raises the ptrace alerts still held (the agent stops) */
  stop(): void;
}

export interface ConsumerTimers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (timer: unknown) => void;
}

const realTimers: ConsumerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export function createSelfProtectionConsumer(alerts: AlertOutput, notices: Notices, timers: ConsumerTimers = realTimers): SelfProtectionConsumer {
  const ptrace = createPtraceAgentAggregator({
    ...timers,
    raise(burst) {
      const verdict = ptraceBurstVerdict(burst);
      if (verdict) alerts.raise(selfProtectionAlertLine(verdict.alert, burst.first.process), verdict.human);
    },
  });
  return {
    name: 'self-protection alerts',
    consume(event) {
      const verdict = judgeSelfProtection(event);
      if (verdict === null) return;
      if ('notice' in verdict) notices.info(verdict.notice);
      else if (event.kind === 'ptrace') ptrace.add(event);
      else alerts.raise(selfProtectionAlertLine(verdict.alert, event.process), verdict.human);
    },
    stop() {
      ptrace.flush();
    },
  };
}
