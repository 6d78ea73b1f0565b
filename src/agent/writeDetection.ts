/** Feeds writes to the burst and fan-out detectors (src/detect/) and outputs what they raise;
 * a timer reports burst ends and expires idle state. */
import { createWriteDetectors, type DetectAlert, type DetectConfig } from '../detect/index.js';
import type { FileEvent, ProcessInfo } from '../events/types.js';
import { actorFields } from '../output/eventRecord.js';
import { describeActor, type ActorLike } from '../process/describeActor.js';
import { detectAlertLine } from '../output/records.js';
import type { AlertOutput } from './alertOutput.js';
import type { EventConsumer } from './eventConsumers.js';

export interface WriteDetection extends EventConsumer {
  start(): void;
  stop(): void;
  /** New settings (a policy reload): bursts in progress end, the detectors start over with them. */
  reconfigure(config: DetectConfig): void;
  trackedKeys(): { pid: number; path: number; fanout: number };
}

export function describeDetectAlert(a: DetectAlert): string {
  const who = a.actor !== undefined ? describeActor(actorFields(a.actor as ProcessInfo) as ActorLike) : `${a.comm} (pid ${a.pid}, uid ${a.uid})`;
  const numbers = `${Math.round(a.rate)}/s, baseline ${Math.round(a.baseline)}/s, threshold ${Math.round(a.threshold)}/s`;
  if (a.phase === 'end') return `${a.rule} ended for ${a.key}`;
  switch (a.rule) {
    case 'write_burst_pid':
      return `burst of writes from ${who}: ${numbers}, last file ${a.path}`;
    case 'write_burst_path':
      return `burst of writes to ${a.path}: ${numbers}, from ${who}`;
    case 'write_fanout_pid':
      return `${who} wrote ${a.distinct_files} distinct files in a short time (last ${a.path})`;
  }
}

/** A file the kernel could no longer name still counts as one distinct file. */
function pathKey(e: FileEvent): string {
  return e.path?.text ?? `(inode ${String(e.inode)} on dev ${String(e.dev)})`;
}

export function createWriteDetection(deps: {
  config: DetectConfig;
  alerts: AlertOutput;
  toRfc3339: (monotonicNs: bigint) => string;
  monotonicNowNs: () => bigint;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (timer: unknown) => void;
}): WriteDetection {
  let detectors = createWriteDetectors(deps.config);
  const output = (alerts: readonly DetectAlert[]) => {
    for (const a of alerts) {
      const line = detectAlertLine(a, deps.toRfc3339(a.time_ns));
      if (a.phase === 'end') deps.alerts.settle(line, describeDetectAlert(a));
      else deps.alerts.raise(line, describeDetectAlert(a));
    }
  };
  let timer: unknown = null;
  return {
    name: 'write detectors',
    consume(event) {
      if (event.kind !== 'file' || event.operation !== 'write') return;
      output(
        detectors.observe({
          timeNs: event.timeNs,
          pid: event.process.pid,
          processKey: event.process.key,
          actor: event.process,
          comm: event.process.comm.text,
          uid: event.process.uid,
          path: pathKey(event),
          count: event.count,
          bytes: event.bytes,
        }),
      );
    },
    start() {
      timer = deps.setInterval(() => output(detectors.tick(deps.monotonicNowNs())), 1000);
    },
    stop() {
      if (timer !== null) deps.clearInterval(timer);
      timer = null;
    },
    reconfigure(config) {
      output(detectors.endAll(deps.monotonicNowNs()));
      detectors = createWriteDetectors(config);
    },
    trackedKeys: () => detectors.trackedKeys(),
  };
}
