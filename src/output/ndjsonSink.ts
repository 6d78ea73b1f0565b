/** The first sink: one JSON object per line on a stream (stdout), with its back-pressure and
 * bounded buffer (./ndjsonWriter.ts). It takes every record. */
import type { Writable } from 'node:stream';
import { createNdjsonWriter } from './ndjsonWriter.js';
import type { Sink } from './sink.js';

export function createNdjsonSink(name: string, stream: Writable, maxBufferedBytes?: number): Sink {
  const writer = createNdjsonWriter(stream, maxBufferedBytes);
  return {
    name,
    accepts: () => true,
    write: (record) => writer.write(record),
    beginBatch: () => writer.beginBatch(),
    endBatch: () => writer.endBatch(),
    get blocked() {
      return writer.blocked;
    },
    onDrain: (listener) => writer.onDrain(listener),
    counts: () => ({ written: writer.linesWritten, dropped: writer.linesDropped }),
  };
}
