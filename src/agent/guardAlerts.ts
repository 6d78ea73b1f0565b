/** Alerts for the guard's records about the agent's own process: its limits or scheduling changed
 * (or a change denied), it was moved to another cgroup, a cgroup write that would have stopped it was
 * denied, a cgroup holding it was frozen. Pure: from a decoded record and its formatted event. */
import { CgroupOp } from '../sensor/contract.js';
import type { DecodedRecord } from '../sensor/decoder.js';

export interface GuardAlert {
  alert: Record<string, unknown>;
  /** one line for stderr */
  human: string;
}

type Event = Record<string, unknown>;

const who = (e: Event) => `${String(e.comm)} (pid ${String(e.pid)}, uid ${String(e.uid)})`;

function base(rule: string, e: Event): Record<string, unknown> {
  return { type: 'alert', rule, time: e.time, pid: e.pid, comm: e.comm, uid: e.uid, target_pid: e.target_pid, operation: e.operation };
}

function taskChange(e: Event): string {
  switch (e.operation) {
    case 'setrlimit':
      return `set ${String(e.resource)} to ${String(e.soft)}/${String(e.hard)} on the agent`;
    case 'setnice':
      return `set the agent's nice value to ${String(e.nice)}`;
    case 'setioprio':
      return `set the agent's I/O priority to ${String(e.ioprio_class)}`;
    default:
      return `changed the agent's scheduling (${String(e.operation)})`;
  }
}

/** The alert a guard record raises, or null for every other record. */
export function guardAlertFor(record: DecodedRecord, e: Event): GuardAlert | null {
  if (record.kind === 'task') {
    const denied = e.decision === 'deny';
    const alert = base(denied ? 'agent_task_denied' : 'agent_task_changed', e);
    for (const key of ['resource', 'soft', 'hard', 'nice', 'ioprio_class', 'decision']) if (key in e) alert[key] = e[key];
    return { alert, human: `${who(e)} ${denied ? 'was denied: ' : ''}${taskChange(e)}` };
  }
  if (record.kind === 'cgroup') {
    const alert = base('', e);
    alert.path = e.path;
    alert.decision = e.decision;
    switch (record.op) {
      case CgroupOp.ATTACH:
        alert.rule = 'agent_cgroup_moved';
        return { alert, human: `${who(e)} moved the agent into the cgroup ${String(e.path)}` };
      case CgroupOp.WRITE:
        alert.rule = 'agent_cgroup_denied';
        return { alert, human: `${who(e)} was denied writing ${String(e.path)}, which would freeze, kill or limit the agent` };
      default:
        alert.rule = 'agent_cgroup_frozen';
        return { alert, human: `${who(e)} froze the cgroup ${String(e.path)}, which holds the agent (it could not run until thawed)` };
    }
  }
  return null;
}

/** Who sent a signal, for the "received SIGx from ..." line: a kernel-generated signal (a tty, a
 * timer, a resource limit) has no sender, only a task that happened to run. */
export function signalSender(e: Event): string {
  return e.from_kernel === true ? `the kernel (while ${who(e)} ran)` : who(e);
}
