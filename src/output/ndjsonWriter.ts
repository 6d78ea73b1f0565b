/**
 * One JSON object per line. JSON.stringify escapes newlines and control characters and (since
 * Node 12) lone surrogates, so every line is valid JSON whatever bytes a path held. Honours
 * back-pressure: write() returns false once the stream is backed up, so the caller can pause its
 * source; past maxBufferedBytes lines are dropped and counted instead of growing memory.
 */
import type { Writable } from 'node:stream';

/** written; written but the stream is now backed up (pause the source); dropped (counted) */
export type WriteOutcome = 'written' | 'blocked' | 'dropped';

export interface NdjsonWriter {
  write(record: object): WriteOutcome;
  onDrain(listener: () => void): void;
  readonly blocked: boolean;
  readonly linesWritten: number;
  readonly linesDropped: number;
}

function bigintSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

export function toNdjsonLine(record: object): string {
  try {
    return JSON.stringify(record) + '\n';
  } catch {
    return JSON.stringify(record, bigintSafe) + '\n'; // rare path: records carrying bigint
  }
}

export function createNdjsonWriter(stream: Writable, maxBufferedBytes = 16 * 1024 * 1024): NdjsonWriter {
  let blocked = false;
  let linesWritten = 0;
  let linesDropped = 0;
  const drainListeners: Array<() => void> = [];
  stream.on('drain', () => {
    blocked = false;
    for (const listener of drainListeners) listener();
  });
  return {
    write(record) {
      if (stream.destroyed || stream.writableEnded) {
        linesDropped++;
        return 'dropped';
      }
      if (stream.writableLength > maxBufferedBytes) {
        linesDropped++;
        blocked = true;
        return 'dropped';
      }
      const ok = stream.write(toNdjsonLine(record));
      linesWritten++;
      if (!ok) blocked = true;
      return ok ? 'written' : 'blocked';
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
    get blocked() {
      return blocked;
    },
    get linesWritten() {
      return linesWritten;
    },
    get linesDropped() {
      return linesDropped;
    },
  };
}
