import type { DetectConfig } from './config.js';
import { LruMap } from '../shared/lruMap.js';
import { nsToSeconds, type DetectAlert, type WriteFanoutAlert, type WriteObservation } from './types.js';

/**
 * Distinct paths one process (pid and start: a reused pid is another process) wrote within the sliding window: path → time of its last write, oldest first.
 * Only the most recent `limit` paths are kept: the PID has written at least `limit` distinct files in the window
 * exactly when all of those are inside it, so older ones cannot change the answer and memory stays bounded.
 */
class FanoutPidState {
  readonly paths: LruMap<string, number>;
  active = false;
  lastStartSeconds = -Infinity;
  lastWriteSeconds: number;
  comm = '';
  uid = 0;
  path = '';
  actor: unknown = undefined;

  constructor(
    public processKey: string,
    public pid: number,
    nowSeconds: number,
    limit: number,
  ) {
    this.paths = new LruMap(limit);
    this.lastWriteSeconds = nowSeconds;
  }

  /** Turns an evicted process's state into a fresh one, so a flood of new processes allocates no state. */
  reuseFor(processKey: string, pid: number, nowSeconds: number): this {
    this.processKey = processKey;
    this.pid = pid;
    this.paths.clear();
    this.active = false;
    this.lastStartSeconds = -Infinity;
    this.lastWriteSeconds = nowSeconds;
    return this;
  }
}

export interface WriteFanoutDetector {
  /** `nowSeconds` is `o.timeNs` in seconds; pass it when several detectors share the conversion. */
  observe(o: WriteObservation, out: DetectAlert[], nowSeconds?: number): void;
  /** Slides the windows of fan-outs in progress to `nowNs` (reporting those that ended) and forgets idle PIDs. */
  tick(nowNs: bigint, out: DetectAlert[]): void;
  /** Ends every fan-out in progress (the detector is being replaced). */
  endAll(nowNs: bigint, out: DetectAlert[]): void;
  trackedKeys(): number;
}

/**
 * `write_fanout_pid`: one PID wrote at least `fanoutDistinctFiles` distinct files within the last
 * `fanoutWindowSeconds` (the shape of ransomware or a wiper). Write counts do not matter, only distinct paths.
 * Alert rate/threshold are in distinct files per second over the window.
 */
export function createWriteFanoutDetector(config: DetectConfig): WriteFanoutDetector {
  const limit = config.fanoutDistinctFiles;
  const windowSeconds = config.fanoutWindowSeconds;
  const { cooldownSeconds } = config;
  // Keep a PID at least as long as its cooldown must be remembered; its paths are cleared once out of window.
  const idleExpirySeconds = Math.max(cooldownSeconds, windowSeconds);
  const states = new LruMap<string, FanoutPidState>(config.maxTrackedKeys);
  const active = new Set<FanoutPidState>();

  /** Drops paths last written at or before now - window. */
  function prune(state: FanoutPidState, now: number): void {
    const cutoff = now - windowSeconds;
    const paths = state.paths;
    for (let oldest = paths.oldestValue(); oldest !== undefined && oldest <= cutoff; oldest = paths.oldestValue()) {
      paths.evictOldest();
    }
  }

  function alert(state: FanoutPidState, phase: 'start' | 'end', timeNs: bigint): WriteFanoutAlert {
    const distinct = state.paths.size;
    return {
      type: 'alert',
      rule: 'write_fanout_pid',
      phase,
      key: String(state.pid),
      rate: distinct / windowSeconds,
      baseline: 0,
      threshold: limit / windowSeconds,
      pid: state.pid,
      comm: state.comm,
      uid: state.uid,
      path: state.path,
      distinct_files: distinct,
      ...(state.actor !== undefined ? { actor: state.actor } : {}),
      time_ns: timeNs,
    };
  }

  function endFanout(state: FanoutPidState, timeNs: bigint, out: DetectAlert[]): void {
    state.active = false;
    active.delete(state);
    out.push(alert(state, 'end', timeNs));
  }

  function evaluate(state: FanoutPidState, now: number, timeNs: bigint, out: DetectAlert[]): void {
    const distinct = state.paths.size;
    if (!state.active) {
      if (distinct >= limit && now - state.lastStartSeconds >= cooldownSeconds) {
        state.active = true;
        state.lastStartSeconds = now;
        active.add(state);
        out.push(alert(state, 'start', timeNs));
      }
    } else if (distinct < limit) {
      endFanout(state, timeNs, out);
    }
  }

  return {
    observe(o, out, now = nsToSeconds(o.timeNs)) {
      if (!(o.count > 0 && o.count < Infinity)) return;
      let state = states.get(o.processKey);
      if (state === undefined) {
        const evicted = states.size >= states.capacity ? states.evictOldest() : undefined;
        if (evicted === undefined) {
          state = new FanoutPidState(o.processKey, o.pid, now, limit);
        } else {
          if (evicted.active) endFanout(evicted, o.timeNs, out); // still owes its 'end'
          state = evicted.reuseFor(o.processKey, o.pid, now);
        }
        states.set(o.processKey, state);
      } else if (now < state.lastWriteSeconds) {
        now = state.lastWriteSeconds; // reordered record: count it at the latest time seen, keeping the order
      }
      prune(state, now);
      state.paths.set(o.path, now); // beyond `limit` paths, the least recently written one is dropped
      state.lastWriteSeconds = now;
      state.comm = o.comm;
      state.uid = o.uid;
      state.path = o.path;
      state.actor = o.actor;
      evaluate(state, now, o.timeNs, out);
    },

    tick(nowNs, out) {
      const now = nsToSeconds(nowNs);
      for (const state of active) {
        prune(state, Math.max(now, state.lastWriteSeconds));
        evaluate(state, now, nowNs, out);
      }
      for (const [key, state] of states.entriesOldestFirst()) {
        const idle = now - state.lastWriteSeconds;
        if (idle < windowSeconds) break;
        // Everything this process wrote is out of the window by now, so it cannot be active.
        if (idle >= idleExpirySeconds) states.delete(key);
        else if (state.paths.size > 0) state.paths.clear();
      }
    },

    endAll(nowNs, out) {
      for (const state of [...active]) endFanout(state, nowNs, out);
    },

    trackedKeys() {
      return states.size;
    },
  };
}
