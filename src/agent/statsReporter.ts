/**
 * Loss accounting. Per stage, what came in equals what went out plus what was dropped:
 *   kernel: seen = filtered + aggregated + emitted + lost   (lost: ring buffer full)
 *           aggregated = aggregated_reported + aggregated_lost + aggregated_pending
 *           (writes counted in the kernel leave later inside a record's count; pending is 0 at exit)
 *   agent:  received = delivered + dropped_queue + queued (bounded hand-off queue in the addon)
 *           delivered = decoded + invalid
 *           decoded = emitted + dropped_output + process_records   (the output backed up past its
 *           bound; exec/fork/exit records feed the process cache and are not output)
 * A {"type":"stats"} line reports them. A new loss is an `events_lost` alert (at most one per
 * stats interval, naming the stage that lost most; kept in the history) and tells the agent to
 * re-check the baseline, so a change hidden in a flood still gets its change line.
 */
import { Stat } from '../sensor/contract.js';
import type { NativeStats } from '../sensor/nativeAddon.js';
import type { SensorName } from '../sensor/settings.js';
import type { Output, WriteOutcome } from '../output/sink.js';
import { eventsDroppedInQueue, eventsLostLine, statsLine, type BaselineScanProgress, type KernelCounts, type LossByStage, type StatsLine } from '../output/records.js';
import type { AlertOutput } from './alertOutput.js';
import type { Notices } from '../log/notices.js';
import type { ProcessCounts } from '../process/processContexts.js';

export interface StatsReporter {
  recordDecoded(decoded: number, invalid: number, error?: string): void;
  /** the output's outcome for one sensor event */
  countOutput(outcome: WriteOutcome): void;
  /** an exec, fork or exit record, taken by the process cache */
  countProcessRecord(): void;
  /** builds the stats line (also used by tests and the final line) */
  snapshot(final: boolean): StatsLine;
  report(final: boolean): void;
  /** cheap check between reports so a loss is raised promptly */
  checkLoss(): void;
}

export function lossByStage(s: StatsLine): LossByStage {
  return {
    kernel_ring_buffer: s.kernel.lost + s.kernel.aggregated_lost,
    agent_queue: eventsDroppedInQueue(s.agent),
    decode: s.agent.invalid,
    output: s.agent.dropped_output,
  };
}

const STAGE_NAMES: Record<keyof LossByStage, string> = {
  kernel_ring_buffer: 'kernel ring buffer',
  agent_queue: 'agent queue',
  decode: 'decoding',
  output: 'output',
};

export function describeLoss(lost: LossByStage, total: number): string {
  const parts = (Object.keys(lost) as Array<keyof LossByStage>).filter((k) => lost[k] > 0).map((k) => `${STAGE_NAMES[k]} ${lost[k]}`);
  const n = Object.values(lost).reduce((a, b) => a + b, 0);
  return `${n} events lost (${parts.join(', ')}; total ${total}); the baseline files are re-checked; see the "stats" lines`;
}

export function kernelCounts(k: readonly number[]): KernelCounts {
  const aggregated = k[Stat.AGGREGATED]!;
  const aggregatedReported = k[Stat.AGG_REPORTED]!;
  const aggregatedLost = k[Stat.AGG_LOST]!;
  return {
    seen: k[Stat.SEEN]!,
    filtered: k[Stat.FILTERED]!,
    aggregated,
    emitted: k[Stat.EMITTED]!,
    lost: k[Stat.LOST_RINGBUF]!,
    aggregated_reported: aggregatedReported,
    aggregated_lost: aggregatedLost,
    aggregated_pending: Math.max(0, aggregated - aggregatedReported - aggregatedLost),
    flushed: k[Stat.FLUSHED]!,
    flush_lost: k[Stat.FLUSH_LOST]!,
    verdict_miss: k[Stat.VERDICT_MISS]!,
    path_truncated: k[Stat.PATH_TRUNCATED]!,
    denied: k[Stat.DENIED]!,
    verdict_walks: k[Stat.VERDICT_WALKS]!,
    depth_unknown: k[Stat.DEPTH_UNKNOWN]!,
    marks_full: k[Stat.MARKS_FULL]!,
    unresolved: k[Stat.UNRESOLVED]!,
    generations: k[Stat.GENERATIONS]!,
    marked: k[Stat.MARKED]!,
    guard_denied: k[Stat.GUARD_DENIED]!,
    process_records: k[Stat.PROC_EMITTED]!,
    process_records_lost: k[Stat.PROC_LOST]!,
  };
}

export function createStatsReporter(deps: {
  readNative: () => NativeStats;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  monotonicNowNs: () => bigint;
  sensor: SensorName;
  consumerErrors: () => number;
  alerts: AlertOutput;
  /** at most one events_lost alert per this many ns (the stats interval) */
  alertIntervalNs: bigint;
  /** told about every new loss (the agent re-checks the baseline) */
  onLoss?: () => void;
  /** a baseline scan in progress (state tracking), shown in the line while it runs */
  baselineScan?: () => BaselineScanProgress | null;
  processCounts: () => ProcessCounts;
}): StatsReporter {
  let decoded = 0;
  let invalid = 0;
  let emitted = 0;
  let droppedOutput = 0;
  let processRecords = 0;
  let lastDecodeError: string | undefined;
  let seenLoss: LossByStage = { kernel_ring_buffer: 0, agent_queue: 0, decode: 0, output: 0 };
  let alertedLoss: LossByStage = seenLoss;
  let lastAlertNs: bigint | null = null;

  const snapshot = (final: boolean) => {
    const native = deps.readNative();
    const u = native.user;
    return statsLine(deps.nowRfc3339(), deps.sensor, final, kernelCounts(native.kernel), {
      received: u.recordsReceived,
      delivered: u.recordsDelivered,
      dropped_queue: u.recordsDropped,
      process_records_dropped: u.processRecordsDropped,
      queued_bytes: u.queuedBytes,
      decoded,
      invalid,
      emitted,
      dropped_output: droppedOutput,
      process_records: processRecords,
      process: deps.processCounts(),
      consumer_errors: deps.consumerErrors(),
      sinks: deps.output.counts(),
      ...(lastDecodeError ? { last_decode_error: lastDecodeError } : {}),
    }, deps.baselineScan?.() ?? null);
  };

  const noticeLoss = (line: StatsLine) => {
    const now = lossByStage(line);
    if (!(Object.keys(now) as Array<keyof LossByStage>).some((k) => now[k] > seenLoss[k])) return;
    seenLoss = now;
    deps.onLoss?.();
    const t = deps.monotonicNowNs();
    if (lastAlertNs !== null && t - lastAlertNs < deps.alertIntervalNs) return;
    lastAlertNs = t;
    const since = {} as LossByStage;
    for (const k of Object.keys(now) as Array<keyof LossByStage>) since[k] = now[k] - alertedLoss[k];
    alertedLoss = now;
    deps.alerts.raise(eventsLostLine(line.time, since, line.lost), describeLoss(since, line.lost));
  };

  return {
    recordDecoded(n, bad, error) {
      decoded += n;
      invalid += bad;
      if (error) lastDecodeError = error;
    },
    countOutput(outcome) {
      if (outcome === 'dropped') droppedOutput++;
      else emitted++;
    },
    countProcessRecord() {
      processRecords++;
    },
    snapshot,
    report(final) {
      const s = snapshot(final);
      deps.output.write(s);
      noticeLoss(s);
    },
    checkLoss() {
      noticeLoss(snapshot(false));
    },
  };
}
