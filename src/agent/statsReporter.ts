/**
 * Loss accounting. Per stage, what came in equals what went out plus what was dropped:
 *   kernel: seen = filtered + aggregated + emitted + lost   (lost: ring buffer full)
 *           aggregated = aggregated_reported + aggregated_lost + aggregated_pending
 *           (writes counted in the kernel leave later inside a record's count; pending is 0 at exit)
 *   agent:  received = delivered + dropped_queue + queued (bounded hand-off queue in the addon)
 *           delivered = decoded + invalid
 *           decoded = emitted + dropped_output          (stdout backed up past its bound)
 * A {"type":"stats"} line reports them; any new loss also gives one rate-limited stderr warning.
 */
import { Stat } from '../sensor/contract.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import type { NdjsonWriter, WriteOutcome } from '../output/ndjsonWriter.js';
import type { Notices } from '../log/notices.js';
import type { WallClock } from '../events/wallClock.js';
import type { SensorName } from '../events/formatEvent.js';

export interface StatsReporter {
  recordDecoded(decoded: number, invalid: number, error?: string): void;
  countOutput(outcome: WriteOutcome): void;
  /** builds the stats object (also used by tests and the final line) */
  snapshot(final: boolean): Record<string, unknown>;
  report(final: boolean): void;
  /** cheap check between reports so a loss is warned about promptly */
  checkLoss(): void;
}

const LOSS_WARNING_INTERVAL_NS = 60_000_000_000n;

export function createStatsReporter(deps: {
  native: NativeSensor;
  writer: NdjsonWriter;
  notices: Notices;
  clock: WallClock;
  sensor: SensorName;
}): StatsReporter {
  let decoded = 0;
  let invalid = 0;
  let emitted = 0;
  let droppedOutput = 0;
  let lastDecodeError: string | undefined;
  let lastLossTotal = 0;
  let lastWarningNs = -LOSS_WARNING_INTERVAL_NS;

  const snapshot = (final: boolean) => {
    const native = deps.native.stats();
    const k = native.kernel;
    const u = native.user;
    const aggregated = k[Stat.AGGREGATED];
    const aggregatedReported = k[Stat.AGG_REPORTED];
    const aggregatedLost = k[Stat.AGG_LOST];
    const kernel = {
      seen: k[Stat.SEEN],
      filtered: k[Stat.FILTERED],
      aggregated,
      emitted: k[Stat.EMITTED],
      lost: k[Stat.LOST_RINGBUF],
      aggregated_reported: aggregatedReported,
      aggregated_lost: aggregatedLost,
      aggregated_pending: Math.max(0, aggregated - aggregatedReported - aggregatedLost),
      flushed: k[Stat.FLUSHED],
      flush_lost: k[Stat.FLUSH_LOST],
      verdict_miss: k[Stat.VERDICT_MISS],
      path_truncated: k[Stat.PATH_TRUNCATED],
      denied: k[Stat.DENIED],
      verdict_walks: k[Stat.VERDICT_WALKS],
      depth_unknown: k[Stat.DEPTH_UNKNOWN],
      marks_full: k[Stat.MARKS_FULL],
      unresolved: k[Stat.UNRESOLVED],
      generations: k[Stat.GENERATIONS],
    };
    const agent = {
      received: u.recordsReceived,
      delivered: u.recordsDelivered,
      dropped_queue: u.recordsDropped,
      queued_bytes: u.queuedBytes,
      decoded,
      invalid,
      emitted,
      dropped_output: droppedOutput,
      ...(lastDecodeError ? { last_decode_error: lastDecodeError } : {}),
    };
    const lost = kernel.lost + kernel.aggregated_lost + agent.dropped_queue + agent.invalid + agent.dropped_output;
    return { type: 'stats', time: deps.clock.nowRfc3339(), sensor: deps.sensor, final, lost, kernel, agent };
  };

  const warnOnNewLoss = (lostTotal: number) => {
    if (lostTotal <= lastLossTotal) return;
    const now = deps.clock.monotonicNowNs();
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
    snapshot,
    report(final) {
      const s = snapshot(final);
      deps.writer.write(s);
      warnOnNewLoss(s.lost as number);
    },
    checkLoss() {
      warnOnNewLoss(snapshot(false).lost as number);
    },
  };
}
