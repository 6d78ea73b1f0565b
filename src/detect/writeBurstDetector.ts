import type { DetectConfig } from './config.js';
import { LruMap } from '../shared/lruMap.js';
import { RateBaseline, rateHorizons, type RateHorizons } from './rateBaseline.js';
import { nsToSeconds, type DetectAlert, type WriteBurstAlert, type WriteBurstRule, type WriteObservation } from './types.js';

type BurstKey = number | string;

/** Per-key state: the rate estimator, the alert state machine and the last writer (for alert context). */
class BurstKeyState {
  readonly rate: RateBaseline;
  active = false;
  lastStartSeconds = -Infinity;
  /** Time of the last observed write (not of the last tick), for idle expiry in LRU order. */
  lastWriteSeconds: number;
  pid = 0;
  comm = '';
  uid = 0;
  path = '';
  actor: unknown = undefined;

  constructor(
    public key: BurstKey,
    horizons: RateHorizons,
    nowSeconds: number,
  ) {
    this.rate = new RateBaseline(horizons, nowSeconds);
    this.lastWriteSeconds = nowSeconds;
  }

  /** Turns an evicted key's state into a fresh one, so a flood of new keys allocates no state. */
  reuseFor(key: BurstKey, nowSeconds: number): this {
    this.key = key;
    this.rate.reset(nowSeconds);
    this.active = false;
    this.lastStartSeconds = -Infinity;
    this.lastWriteSeconds = nowSeconds;
    return this;
  }
}

/** One per-key burst rule (per PID or per path). Alerts are appended to `out` so the hot path allocates nothing. */
export interface WriteBurstDetector {
  readonly rule: WriteBurstRule;
  /** `nowSeconds` is `o.timeNs` in seconds; pass it when several detectors share the conversion. */
  observe(o: WriteObservation, out: DetectAlert[], nowSeconds?: number): void;
  /** Advances bursts in progress to `nowNs` (reporting those that ended) and forgets keys idle for long. */
  tick(nowNs: bigint, out: DetectAlert[]): void;
  /** Ends every burst in progress (the detector is being replaced): each 'start' keeps its one 'end'. */
  endAll(nowNs: bigint, out: DetectAlert[]): void;
  trackedKeys(): number;
}

/** A burst ends when the rate has fallen below this fraction of the threshold (hysteresis against flapping). */
const burstEndFraction = 0.5;

/**
 * A burst starts when a key's short-horizon rate rises above
 *   threshold = max(floor, burstFactor·mean, mean + deviationFactor·stdDev)   (only the floor during warm-up)
 * where mean/stdDev are the key's long-horizon baseline, and ends when the rate falls below half the threshold.
 * 'start' is reported unless the key reported one less than cooldownSeconds ago; each reported 'start' gets
 * exactly one 'end' (also when the key is evicted).
 */
export function createWriteBurstDetector(rule: WriteBurstRule, config: DetectConfig): WriteBurstDetector {
  const horizons = rateHorizons(config.shortHalfLifeSeconds, config.halfLifeSeconds);
  const floor = rule === 'write_burst_pid' ? config.pidFloorWritesPerSecond : config.pathFloorWritesPerSecond;
  const { burstFactor, deviationFactor, warmupSeconds, cooldownSeconds } = config;
  // After four half-lives idle the baseline is down to 1/16; re-learning from warm-up is then no less strict.
  const idleExpirySeconds = Math.max(cooldownSeconds, 4 * config.halfLifeSeconds);
  // per process by identity (pid and start): a reused pid starts with a fresh baseline
  const perProcess = rule === 'write_burst_pid';
  const keyOf: (o: WriteObservation) => BurstKey = perProcess ? (o) => o.processKey : (o) => o.path;
  const states = new LruMap<BurstKey, BurstKeyState>(config.maxTrackedKeys);
  const active = new Set<BurstKeyState>();

  function thresholdOf(state: BurstKeyState): number {
    const baseline = state.rate;
    if (baseline.ageSeconds() < warmupSeconds) return floor;
    const mean = baseline.mean();
    return Math.max(floor, burstFactor * mean, mean + deviationFactor * baseline.stdDev());
  }

  function alert(state: BurstKeyState, phase: 'start' | 'end', rate: number, threshold: number, timeNs: bigint): WriteBurstAlert {
    return {
      type: 'alert',
      rule,
      phase,
      key: perProcess ? String(state.pid) : String(state.key),
      rate,
      baseline: state.rate.mean(),
      threshold,
      pid: state.pid,
      comm: state.comm,
      uid: state.uid,
      path: state.path,
      ...(state.actor !== undefined ? { actor: state.actor } : {}),
      time_ns: timeNs,
    };
  }

  function endBurst(state: BurstKeyState, rate: number, threshold: number, timeNs: bigint, out: DetectAlert[]): void {
    state.active = false;
    active.delete(state);
    out.push(alert(state, 'end', rate, threshold, timeNs));
  }

  /**
   * Ends are judged on the decayed rate before a record's writes are added (and on ticks), starts after: the rate
   * only falls between records and only rises within one, so a record of `count` writes and `count` single
   * writes at the same instant pass through the same decisions.
   */
  function checkEnd(state: BurstKeyState, timeNs: bigint, out: DetectAlert[]): void {
    const rate = state.rate.rate();
    const threshold = thresholdOf(state);
    if (rate < burstEndFraction * threshold) endBurst(state, rate, threshold, timeNs, out);
  }

  function checkStart(state: BurstKeyState, timeNs: bigint, out: DetectAlert[]): void {
    const rate = state.rate.rate();
    if (rate <= floor) return; // fast path: the threshold is never below the floor
    const now = state.rate.lastSeconds;
    if (now - state.lastStartSeconds < cooldownSeconds) return;
    const threshold = thresholdOf(state);
    if (rate > threshold) {
      state.active = true;
      state.lastStartSeconds = now;
      active.add(state);
      out.push(alert(state, 'start', rate, threshold, timeNs));
    }
  }

  return {
    rule,

    observe(o, out, now = nsToSeconds(o.timeNs)) {
      if (!(o.count > 0 && o.count < Infinity)) return;
      const key = keyOf(o);
      let state = states.get(key);
      if (state === undefined) {
        const evicted = states.size >= states.capacity ? states.evictOldest() : undefined;
        if (evicted === undefined) {
          state = new BurstKeyState(key, horizons, now);
        } else {
          // An evicted key in a burst still owes its 'end'.
          if (evicted.active) {
            evicted.rate.advance(now);
            endBurst(evicted, evicted.rate.rate(), thresholdOf(evicted), o.timeNs, out);
          }
          state = evicted.reuseFor(key, now);
        }
        states.set(key, state);
      } else {
        state.rate.advance(now);
        if (state.active) checkEnd(state, o.timeNs, out);
      }
      state.rate.addWrites(o.count);
      state.lastWriteSeconds = state.rate.lastSeconds;
      state.pid = o.pid;
      state.comm = o.comm;
      state.uid = o.uid;
      state.path = o.path;
      state.actor = o.actor;
      if (!state.active) checkStart(state, o.timeNs, out);
    },

    tick(nowNs, out) {
      const now = nsToSeconds(nowNs);
      for (const state of active) {
        state.rate.advance(now);
        checkEnd(state, nowNs, out);
      }
      for (const [key, state] of states.entriesOldestFirst()) {
        if (now - state.lastWriteSeconds < idleExpirySeconds) break;
        if (!state.active) states.delete(key);
      }
    },

    endAll(nowNs, out) {
      const now = nsToSeconds(nowNs);
      for (const state of [...active]) {
        state.rate.advance(now);
        endBurst(state, state.rate.rate(), thresholdOf(state), nowNs, out);
      }
    },

    trackedKeys() {
      return states.size;
    },
  };
}
