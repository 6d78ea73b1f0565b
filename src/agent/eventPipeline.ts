/** What happens to each event after it is printed: alerts (ptrace on the agent, write bursts) and,
 * where a state database is enabled, history. Every consumer here is bounded. */
import type { Policy } from '../policy/policy.js';
import type { RunOptions } from '../cli/args.js';
import type { DecodedRecord } from '../sensor/decoder.js';
import type { NdjsonWriter } from '../output/ndjsonWriter.js';
import type { Notices } from '../log/notices.js';
import type { WallClock } from '../events/wallClock.js';

export interface PipelineConfig {
  placeholder?: never;
}

export interface EventPipeline {
  start(): void;
  stop(): void;
  onEvent(record: DecodedRecord, event: Record<string, unknown>): void;
  recordHistory(type: 'alert' | 'change' | 'integrity', record: Record<string, unknown>): void;
}

export function parsePipelineConfig(_policy: Policy): PipelineConfig {
  return {};
}

export function createEventPipeline(deps: {
  config: PipelineConfig;
  policy: Policy;
  options: RunOptions;
  writer: NdjsonWriter;
  notices: Notices;
  clock: WallClock;
  agentPid: number;
}): EventPipeline {
  const raiseAlert = (alert: Record<string, unknown>, human: string) => {
    deps.writer.write(alert);
    deps.notices.alert(human);
  };
  return {
    start() {},
    stop() {},
    onEvent(record, event) {
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
    recordHistory() {},
  };
}
