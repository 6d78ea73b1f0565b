/**
 * Where output records go. A sink takes records one by one inside batches, reports back-pressure
 * (so the sensor can be paused) and counts what it had to drop. The agent writes to one Output,
 * which hands each record to every registered sink that takes its kind. A new destination (a file,
 * syslog, OTLP) is one new Sink plus one line where the agent registers its sinks.
 */
import type { OutputRecord } from './records.js';

/** written; written but the sink is now backed up (pause the source); dropped (counted) */
export type WriteOutcome = 'written' | 'blocked' | 'dropped';

export interface SinkCounts {
  written: number;
  dropped: number;
}

export interface Sink {
  readonly name: string;
  /** whether this sink takes the record at all (a history keeps alerts, not every event) */
  accepts(record: OutputRecord): boolean;
  write(record: OutputRecord): WriteOutcome;
  /** records written until endBatch() may be passed on together */
  beginBatch(): void;
  endBatch(): void;
  readonly blocked: boolean;
  onDrain(listener: () => void): void;
  counts(): SinkCounts;
}

export interface Output {
  /** the worst outcome among the sinks that took the record */
  write(record: OutputRecord): WriteOutcome;
  beginBatch(): void;
  endBatch(): void;
  /** some sink is backed up */
  readonly blocked: boolean;
  /** called when no sink is backed up any more */
  onDrain(listener: () => void): void;
  counts(): Record<string, SinkCounts>;
}

const SEVERITY: Record<WriteOutcome, number> = { written: 0, blocked: 1, dropped: 2 };

export function createOutput(sinks: readonly Sink[]): Output {
  const drainListeners: Array<() => void> = [];
  for (const sink of sinks) {
    sink.onDrain(() => {
      if (sinks.some((s) => s.blocked)) return;
      for (const listener of drainListeners) listener();
    });
  }
  return {
    write(record) {
      let outcome: WriteOutcome = 'written';
      for (const sink of sinks) {
        if (!sink.accepts(record)) continue;
        const o = sink.write(record);
        if (SEVERITY[o] > SEVERITY[outcome]) outcome = o;
      }
      return outcome;
    },
    beginBatch() {
      for (const sink of sinks) sink.beginBatch();
    },
    endBatch() {
      for (const sink of sinks) sink.endBatch();
    },
    get blocked() {
      return sinks.some((s) => s.blocked);
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
    counts() {
      const out: Record<string, SinkCounts> = {};
      for (const sink of sinks) out[sink.name] = sink.counts();
      return out;
    },
  };
}
