/** One write record from the sensor. It may stand for `count` writes (and `bytes` bytes) made at `timeNs`. */
export interface WriteObservation {
  /** CLOCK_MONOTONIC-like nanoseconds; the detectors tolerate small reorderings by clamping to the newest time seen. */
  timeNs: bigint;
  pid: number;
  /** the process's identity (pid and start): per-process state never passes to a reused pid */
  processKey: string;
  /** the writer, passed through untouched to the alerts it raises (the agent's process context) */
  actor?: unknown;
  comm: string;
  uid: number;
  path: string;
  count: number;
  bytes: number;
}

export type WriteBurstRule = 'write_burst_pid' | 'write_burst_path';
export type DetectRule = WriteBurstRule | 'write_fanout_pid';
export type DetectPhase = 'start' | 'end';

/** Fields shared by every alert. snake_case because alerts go to NDJSON as they are. */
interface DetectAlertBase {
  type: 'alert';
  phase: DetectPhase;
  /** The tracked key: the PID in decimal for per-PID rules, the path for `write_burst_path`. */
  key: string;
  /** Observed rate: writes/s for the burst rules, distinct files/s over the window for fan-out. */
  rate: number;
  /** The key's learned baseline in the same unit as `rate` (0 for fan-out, which has none). */
  baseline: number;
  /** The rate above which the rule fires, in the same unit as `rate`. */
  threshold: number;
  /** Identity of the last writer seen for this key. */
  pid: number;
  comm: string;
  uid: number;
  /** WriteObservation.actor of that writer */
  actor?: unknown;
  /** Last path written for this key. */
  path: string;
  time_ns: bigint;
}

export interface WriteBurstAlert extends DetectAlertBase {
  rule: WriteBurstRule;
}

export interface WriteFanoutAlert extends DetectAlertBase {
  rule: 'write_fanout_pid';
  /** Distinct files written by the PID within the window (counting stops at the configured limit). */
  distinct_files: number;
}

export type DetectAlert = WriteBurstAlert | WriteFanoutAlert;

/** Monotonic nanoseconds to seconds as a double: exact to well under a microsecond for any realistic uptime. */
export function nsToSeconds(ns: bigint): number {
  return Number(ns) / 1e9;
}
