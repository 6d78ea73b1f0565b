/**
 * One batch of kernel records, as the addon delivers it: decode → enrich → typed events → the
 * output (every sink) and then the consumers. Output comes first, so an event is printed even if
 * a consumer fails on it. When a sink backs up, the sensor is paused until it drains.
 */
import { decodeBatch } from '../sensor/decoder.js';
import { enrichRecord, type EnrichContext } from '../events/enrich.js';
import { sensorEventLine } from '../output/records.js';
import type { Output } from '../output/sink.js';
import type { EventConsumers } from './eventConsumers.js';
import type { StatsReporter } from './statsReporter.js';

export interface Pausable {
  pause(): void;
  resume(): void;
}

export type BatchHandler = (batch: Buffer, count: number) => void;

export function createBatchHandler(deps: {
  enrich: EnrichContext;
  output: Output;
  consumers: EventConsumers;
  stats: StatsReporter;
  sensor: Pausable;
}): BatchHandler {
  let paused = false;
  deps.output.onDrain(() => {
    if (!paused) return;
    paused = false;
    deps.sensor.resume();
  });
  return (batch, count) => {
    const decoded = decodeBatch(batch, count);
    deps.stats.recordDecoded(decoded.records.length, decoded.invalid, decoded.error);
    deps.output.beginBatch();
    try {
      for (const record of decoded.records) {
        const event = enrichRecord(record, deps.enrich);
        if (event === null) {
          deps.stats.countProcessRecord(); // exec, fork, exit: taken by the process cache
          continue;
        }
        deps.stats.countOutput(deps.output.write(sensorEventLine(event)));
        deps.consumers.consume(event);
      }
    } finally {
      deps.output.endBatch();
    }
    if (deps.output.blocked && !paused) {
      paused = true;
      deps.sensor.pause();
    }
  };
}
