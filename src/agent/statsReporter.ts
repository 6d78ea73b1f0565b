/**
 * Loss accounting. Per stage, what came in equals what went out plus what was dropped:
 *   kernel: seen = filtered + aggregated + emitted + lost   (lost: ring buffer full)
 *           aggregated = aggregated_reported + aggregated_lost + aggregated_pending
 *           (writes counted in the kernel leave later inside a record's count; pending is 0 at exit)
 *   agent:  received = delivered + dropped_queue + queued (bounded hand-off queue in the addon)
 *           delivered = decoded + invalid
 *           decoded = emitted + dropped_output + process_records   (the output backed up past its
 *           bound; exec/fork/exit records feed the process cache and are not output)
 * A {"type":"stats"} line reports them; any new loss also gives one rate-limited stderr warning.
 */
import { Stat } from '../sensor/contract.js';
import type { NativeStats } from '../sensor/nativeAddon.js';
import type { SensorName } from '../sensor/settings.js';
import type { Output, WriteOutcome } from '../output/sink.js';
import { statsLine, type KernelCounts, type StatsLine } from '../output/records.js';
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
  /** cheap check between reports so a loss is warned about promptly */
  checkLoss(): void;
}

const LOSS_WARNING_INTERVAL_NS = 60_000_000_000n;

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
  processCounts: () => ProcessCounts;
}): StatsReporter {
  let decoded = 0;
  let invalid = 0;
  let emitted = 0;
  let droppedOutput = 0;
  let processRecords = 0;
  let lastDecodeError: string | undefined;
  let lastLossTotal = 0;
  let lastWarningNs = -LOSS_WARNING_INTERVAL_NS;

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
    });
  };

  const warnOnNewLoss = (lostTotal: number) => {
    if (lostTotal <= lastLossTotal) return;
    const now = deps.monotonicNowNs();
    if (now - lastWarningNs >= LOSS_WARNING_INTERVAL_NS) {
      lastWarningNs = now;
      deps.notices.warn(
        `${lostTotal - lastLossTotal} events lost since the last report (total ${lostTotal}); see the "stats" lines for the stage`,
      );
      lastLossTotal = lostTotal;
    }
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
      warnOnNewLoss(s.lost);
    },
    checkLoss() {
      warnOnNewLoss(snapshot(false).lost);
    },
  };
}
