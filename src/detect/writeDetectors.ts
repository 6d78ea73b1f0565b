import type { DetectConfig } from './config.js';
import { nsToSeconds, type DetectAlert, type WriteObservation } from './types.js';
import { createWriteBurstDetector } from './writeBurstDetector.js';
import { createWriteFanoutDetector } from './writeFanoutDetector.js';

export interface WriteDetectors {
  /** Feeds one write record (hot path). Returns the alerts it raised, usually none. */
  observe(o: WriteObservation): DetectAlert[];
  /** Call about once a second with the sensor's clock: reports burst ends and expires idle state. */
  tick(nowNs: bigint): DetectAlert[];
  /** Ends whatever is in progress, before the detectors are replaced (a policy reload). */
  endAll(nowNs: bigint): DetectAlert[];
  trackedKeys(): { pid: number; path: number; fanout: number };
}

/** Returned when nothing fired, so the common case allocates nothing. Frozen: callers must not push to it. */
const noAlerts: DetectAlert[] = Object.freeze([]) as unknown as DetectAlert[];

/** The three write rules behind one entry point: write_burst_pid, write_burst_path, write_fanout_pid. */
export function createWriteDetectors(config: DetectConfig): WriteDetectors {
  const perPid = createWriteBurstDetector('write_burst_pid', config);
  const perPath = createWriteBurstDetector('write_burst_path', config);
  const fanout = createWriteFanoutDetector(config);
  const pending: DetectAlert[] = [];

  function drain(): DetectAlert[] {
    return pending.length === 0 ? noAlerts : pending.splice(0);
  }

  return {
    observe(o) {
      const now = nsToSeconds(o.timeNs);
      perPid.observe(o, pending, now);
      perPath.observe(o, pending, now);
      fanout.observe(o, pending, now);
      return drain();
    },

    tick(nowNs) {
      perPid.tick(nowNs, pending);
      perPath.tick(nowNs, pending);
      fanout.tick(nowNs, pending);
      return drain();
    },

    endAll(nowNs) {
      perPid.endAll(nowNs, pending);
      perPath.endAll(nowNs, pending);
      fanout.endAll(nowNs, pending);
      return drain();
    },

    trackedKeys() {
      return { pid: perPid.trackedKeys(), path: perPath.trackedKeys(), fanout: fanout.trackedKeys() };
    },
  };
}
