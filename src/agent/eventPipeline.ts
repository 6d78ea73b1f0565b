/** What happens to each event after it is printed: alerts (ptrace on the agent, write bursts) and,
 * where a state database is enabled, history. Every consumer here is bounded. */
import type { Policy } from '../policy/policy.js';
import type { RunOptions } from '../cli/args.js';
import type { DecodedRecord } from '../sensor/decoder.js';
import type { NdjsonWriter } from '../output/ndjsonWriter.js';
import type { Notices } from '../log/notices.js';
import type { WallClock } from '../events/wallClock.js';
import { RecordFlag, RecordType } from '../sensor/contract.js';
import { createWriteDetectors, parseDetectConfig, type DetectAlert, type DetectConfig } from '../detect/index.js';
import { parseStateConfig, type StateConfig } from '../state/stateConfig.js';
import type { StateTracking } from './stateTracking.js';

export interface PipelineConfig {
  detect: DetectConfig;
  state: StateConfig;
}

const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

export interface EventPipeline {
  start(): void;
  stop(): Promise<void>;
  onEvent(record: DecodedRecord, event: Record<string, unknown>): void;
  recordHistory(type: 'alert' | 'change' | 'integrity', record: Record<string, unknown>): void;
}

export function parsePipelineConfig(policy: Policy): PipelineConfig {
  return { detect: parseDetectConfig(policy.detectRaw, policy.file), state: parseStateConfig(policy.stateRaw, policy.file) };
}

function describeDetectAlert(a: DetectAlert): string {
  const who = `${a.comm} (pid ${a.pid}, uid ${a.uid})`;
  const numbers = `${Math.round(a.rate)}/s, baseline ${Math.round(a.baseline)}/s, threshold ${Math.round(a.threshold)}/s`;
  if (a.phase === 'end') return `${a.rule} ended for ${a.key}`;
  switch (a.rule) {
    case 'write_burst_pid':
      return `burst of writes by ${who}: ${numbers}, last file ${a.path}`;
    case 'write_burst_path':
      return `burst of writes to ${a.path}: ${numbers}, by ${who}`;
    case 'write_fanout_pid':
      return `${who} wrote ${'distinct_files' in a ? a.distinct_files : '?'} distinct files in a short time (last ${a.path})`;
  }
}

export function createEventPipeline(deps: {
  config: PipelineConfig;
  policy: Policy;
  options: RunOptions;
  writer: NdjsonWriter;
  notices: Notices;
  clock: WallClock;
  agentPid: number;
  state: StateTracking | null;
}): EventPipeline {
  const raiseAlert = (alert: Record<string, unknown>, human: string) => {
    deps.writer.write(alert);
    deps.notices.alert(human);
    deps.state?.recordHistory('alert', alert);
  };
  const detectors = createWriteDetectors(deps.config.detect);
  const raiseDetectAlerts = (alerts: readonly DetectAlert[]) => {
    for (const a of alerts) {
      const { time_ns: timeNs, ...rest } = a;
      const alert = { ...rest, time: deps.clock.toRfc3339(timeNs) };
      if (a.phase === 'end') {
        deps.writer.write(alert);
        deps.state?.recordHistory('alert', alert);
        deps.notices.info(describeDetectAlert(a));
      } else {
        raiseAlert(alert, describeDetectAlert(a));
      }
    }
  };
  let tickTimer: NodeJS.Timeout | null = null;
  return {
    start() {
      tickTimer = setInterval(() => raiseDetectAlerts(detectors.tick(deps.clock.monotonicNowNs())), 1000);
      deps.state?.start().catch((err: Error) => deps.notices.warn(`reconciling the baseline failed: ${err.message}`));
    },
    async stop() {
      if (tickTimer) clearInterval(tickTimer);
      tickTimer = null;
      await deps.state?.stop();
    },
    onEvent(record, event) {
      // hot path: plain file events fall through to the detectors and the state with no extra work
      const who = () => `${String(event.comm)} (pid ${String(event.pid)}, uid ${String(event.uid)})`;
      if (record.kind === 'signal') {
        if (event.decision === 'deny') {
          raiseAlert({ type: 'alert', rule: 'signal_agent_denied', time: event.time, pid: event.pid, comm: event.comm, uid: event.uid, signal: event.signal }, `${String(event.signal)} to the agent from ${who()} denied`);
        } else {
          deps.notices.info(`received ${String(event.signal)} from ${who()}`);
        }
        return;
      }
      if (record.kind === 'bpf_access') {
        raiseAlert(
          { type: 'alert', rule: 'bpf_access_denied', time: event.time, pid: event.pid, comm: event.comm, uid: event.uid, object: event.object, object_id: event.object_id },
          `${who()} was denied access to the agent's BPF ${String(event.object)} ${String(event.object_id)}`,
        );
        return;
      }
      if (record.kind === 'file' && record.flags & RecordFlag.DENIED) {
        raiseAlert(
          { type: 'alert', rule: 'agent_file_denied', time: event.time, pid: event.pid, comm: event.comm, uid: event.uid, path: event.path, operation: event.type },
          `${who()} was denied ${String(event.type)} of the agent's file ${String(event.path)}`,
        );
        return;
      }
      if (deps.state && record.kind === 'file') {
        const by = { pid: record.proc.pid, comm: event.comm as string, uid: record.proc.uid };
        const touchesContent =
          record.type !== RecordType.OPEN || (record.openFlags & (O_CREAT | O_TRUNC)) !== 0;
        if (touchesContent) {
          deps.state.onPathTouched((event.watched_path ?? event.path) as string, by);
          if (typeof event.old_path === 'string') deps.state.onPathTouched((event.watched_old_path ?? event.old_path) as string, by);
        }
      }
      if (record.kind === 'file' && record.type === RecordType.WRITE) {
        raiseDetectAlerts(
          detectors.observe({
            timeNs: record.timeNs,
            pid: record.proc.pid,
            comm: event.comm as string,
            uid: record.proc.uid,
            path: event.path as string,
            count: record.count,
            bytes: record.bytes,
          }),
        );
      }
      if (record.kind === 'ptrace' && record.targetPid === deps.agentPid) {
        raiseAlert(
          {
            type: 'alert',
            rule: 'ptrace_agent',
            time: event.time,
            pid: event.pid,
            comm: event.comm,
            uid: event.uid,
            mode: event.mode,
            decision: event.decision,
          },
          `${String(event.comm)} (pid ${String(event.pid)}, uid ${String(event.uid)}) tried to ptrace the agent (${String(event.mode)}, ${String(event.decision)})`,
        );
      }
    },
    recordHistory(type, record) {
      if (type !== 'change') deps.state?.recordHistory(type, record);
    },
  };
}
