/**
 * Attempts on the agent itself, judged from typed events: a denied signal, a denied fd to its BPF
 * objects, a denied write/rename/unlink of its files, any ptrace access aimed at it. Pure: the
 * consumer below turns verdicts into output and stderr lines.
 */
import type { SensorEvent } from '../events/types.js';
import type { SelfProtectionAlert } from '../output/records.js';
import { selfProtectionAlertLine } from '../output/records.js';
import { actorFields } from '../output/eventRecord.js';
import { describeActor } from '../process/describeActor.js';
import type { AlertOutput } from './alertOutput.js';
import type { Notices } from '../log/notices.js';
import type { EventConsumer } from './eventConsumers.js';

export type SelfProtectionVerdict = { alert: SelfProtectionAlert; human: string } | { notice: string } | null;

/** "/usr/bin/gdb (pid 7) by alice via sudo, session 3" */
function who(e: SensorEvent): string {
  return describeActor(actorFields(e.process) as Parameters<typeof describeActor>[0]);
}

export function judgeSelfProtection(e: SensorEvent): SelfProtectionVerdict {
  const actor = { time: e.time, pid: e.process.pid, comm: e.process.comm.text, uid: e.process.uid };
  switch (e.kind) {
    case 'signal':
      if (e.decision !== 'deny') return { notice: `received ${String(e.signal)} from ${who(e)}` };
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
      if (!e.onAgent) return null;
      return {
        alert: { rule: 'ptrace_agent', ...actor, mode: e.access, decision: e.decision },
        human: `${who(e)} tried to ptrace the agent (${e.access}, ${e.decision})`,
      };
  }
}

export function createSelfProtectionConsumer(alerts: AlertOutput, notices: Notices): EventConsumer {
  return {
    name: 'self-protection alerts',
    consume(event) {
      const verdict = judgeSelfProtection(event);
      if (verdict === null) return;
      if ('notice' in verdict) notices.info(verdict.notice);
      else alerts.raise(selfProtectionAlertLine(verdict.alert, event.process), verdict.human);
    },
  };
}
