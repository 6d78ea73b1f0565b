/**
 * One JSON object per line. JSON.stringify escapes newlines and control characters and (since
 * Node 12) lone surrogates, so every line is valid JSON whatever bytes a path held. Honours
 * back-pressure: write() returns false once the stream is backed up, so the caller can pause its
 * source; past maxBufferedBytes lines are dropped and counted instead of growing memory. The
 * final stats line is the exception: it holds the count of every line dropped before it, so it is
 * always buffered (one line more, however full).
 */
import type { Writable } from 'node:stream';
import type { WriteOutcome } from './sink.js';
import { stringifyWithTail } from './jsonTail.js';

export type { WriteOutcome };

export interface NdjsonWriter {
  write(record: object): WriteOutcome;
  onDrain(listener: () => void): void;
  /** Lines written until endBatch() go to the stream as one write (the hot path: one batch of
   * kernel records becomes one write, not one per event). */
  beginBatch(): void;
  endBatch(): void;
  readonly blocked: boolean;
  readonly linesWritten: number;
  readonly linesDropped: number;
}

function bigintSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function isFinalStats(record: object): boolean {
  const r = record as { type?: unknown; final?: unknown };
  return r.type === 'stats' && r.final === true;
}

/** One line: the record, and its pre-serialized members (./jsonTail.ts) last. */
export function toNdjsonLine(record: object): string {
  try {
    return stringifyWithTail(record) + '\n';
  } catch {
    return stringifyWithTail(record, bigintSafe) + '\n'; // rare path: records carrying bigint
  }
}

export function createNdjsonWriter(stream: Writable, maxBufferedBytes = 16 * 1024 * 1024): NdjsonWriter {
  let blocked = false;
  let linesWritten = 0;
  let linesDropped = 0;
  // A batch is encoded straight into one buffer (no array of strings to join and encode again).
  // The buffer is reused only when the stream took the bytes at once (files, and pipes with room):
  // otherwise the stream still holds it and the next batch gets a fresh one.
  let batching = false;
  let batchBuf: Buffer | null = null;
  let batchBytes = 0;
  let lastBatchBytes = 64 * 1024;
  const drainListeners: Array<() => void> = [];
  stream.on('drain', () => {
    blocked = false;
    for (const listener of drainListeners) listener();
  });
  const appendToBatch = (line: string) => {
    const worst = line.length * 3; // UTF-16 code unit → at most 3 UTF-8 bytes
    if (batchBuf === null || batchBytes + worst > batchBuf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(lastBatchBytes + (lastBatchBytes >> 2), 2 * (batchBytes + worst)));
      if (batchBuf !== null) batchBuf.copy(grown, 0, 0, batchBytes);
      batchBuf = grown;
    }
    batchBytes += batchBuf.write(line, batchBytes);
  };
  return {
    write(record) {
      if (stream.destroyed || stream.writableEnded) {
        linesDropped++;
        return 'dropped';
      }
      if (stream.writableLength + batchBytes > maxBufferedBytes && !isFinalStats(record)) {
        linesDropped++;
        blocked = true;
        return 'dropped';
      }
      const line = toNdjsonLine(record);
      if (batching) {
        appendToBatch(line);
        linesWritten++;
        return 'written';
      }
      const ok = stream.write(line);
      linesWritten++;
      if (!ok) blocked = true;
      return ok ? 'written' : 'blocked';
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
    beginBatch() {
      batching = true;
    },
    endBatch() {
      const bytes = batchBytes;
      const buf = batchBuf;
      batching = false;
      batchBytes = 0;
      if (buf === null || bytes === 0 || stream.destroyed || stream.writableEnded) return;
      lastBatchBytes = bytes;
      if (!stream.write(buf.subarray(0, bytes))) blocked = true;
      if (stream.writableLength !== 0) batchBuf = null;
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
