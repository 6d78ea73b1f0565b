import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultDetectConfig, type DetectConfig } from '../../../src/detect/config.js';
import type { DetectAlert, WriteObservation } from '../../../src/detect/types.js';
import { createWriteBurstDetector, type WriteBurstDetector } from '../../../src/detect/writeBurstDetector.js';

/** Fake monotonic clock: seconds since an arbitrary boot offset. */
const bootNs = 1_000_000_000_000n;
const ns = (seconds: number) => bootNs + BigInt(Math.round(seconds * 1e9));
const seconds = (timeNs: bigint) => Number(timeNs - bootNs) / 1e9;

function write(t: number, fields: Partial<WriteObservation> = {}): WriteObservation {
  return { timeNs: ns(t), pid: 100, processKey: `${fields.pid ?? 100}@1`, comm: 'writer', uid: 1000, path: '/watched/a', count: 1, bytes: 1, ...fields };
}

/** `total` writes spread evenly over [from, from + duration), `perRecord` writes per record. */
function evenly(from: number, duration: number, total: number, fields: Partial<WriteObservation> = {}, perRecord = 1): WriteObservation[] {
  const records = Math.ceil(total / perRecord);
  return Array.from({ length: records }, (_, i) => write(from + (i * duration) / records, { ...fields, count: perRecord }));
}

/** Feeds records in time order with a tick at every whole second, as the agent does. Returns all alerts. */
function simulate(detector: WriteBurstDetector, records: WriteObservation[], untilSeconds: number): DetectAlert[] {
  const out: DetectAlert[] = [];
  const sorted = [...records].sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  let nextTick = Math.floor(seconds(sorted[0]?.timeNs ?? bootNs)) + 1;
  for (const record of sorted) {
    while (ns(nextTick) <= record.timeNs) detector.tick(ns(nextTick++), out);
    detector.observe(record, out);
  }
  while (nextTick <= untilSeconds) detector.tick(ns(nextTick++), out);
  return out;
}

const starts = (alerts: DetectAlert[]) => alerts.filter((a) => a.phase === 'start');
const ends = (alerts: DetectAlert[]) => alerts.filter((a) => a.phase === 'end');

test('a quiet process that suddenly writes 5,000 times in a second is flagged within that second', () => {
  const detector = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  const quiet = evenly(0, 60, 60); // 1 write/s, well past warm-up
  const burst = evenly(60, 1, 5000, { comm: 'evil', path: '/watched/b' });
  const alerts = simulate(detector, [...quiet, ...burst], 75);
  assert.is(starts(alerts).length, 1);
  const start = starts(alerts)[0]!;
  const at = seconds(start.time_ns);
  assert.ok(at >= 60 && at < 61, `flagged at ${at}`);
  assert.equal(
    { rule: start.rule, key: start.key, pid: start.pid, comm: start.comm, uid: start.uid, path: start.path },
    { rule: 'write_burst_pid', key: '100', pid: 100, comm: 'evil', uid: 1000, path: '/watched/b' },
  );
  // The baseline is the quiet 1/s plus the first 0.3 s of the burst itself, diluted over the baseline horizon.
  assert.ok(start.baseline > 0.5 && start.baseline < 10, `baseline ${start.baseline}`);
  assert.is(start.threshold, defaultDetectConfig.pidFloorWritesPerSecond);
  assert.ok(start.rate > start.threshold);
  // The end is reported once, by a tick, after the rate has decayed below the threshold again.
  assert.is(ends(alerts).length, 1);
  const end = ends(alerts)[0]!;
  assert.ok(end.rate < end.threshold);
  assert.ok(seconds(end.time_ns) > 61 && seconds(end.time_ns) <= 65, `ended at ${seconds(end.time_ns)}`);
});

test('a new key bursting during warm-up is judged by the floor alone', () => {
  const detector = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  const alerts = simulate(detector, evenly(0, 0.5, 2000), 0);
  assert.is(alerts.length, 1);
  assert.is(alerts[0]!.threshold, 1000);
  // 4000 writes/s: the decayed count 4000·(1 - 2^-t)/λ reaches 1000/λ (rate 1000/s) at t = log2(4/3) ≈ 0.415 s.
  const at = seconds(alerts[0]!.time_ns);
  assert.ok(at > 0.41 && at < 0.42, `flagged at ${at}`);
});

test('a steady high rate is not flagged after warm-up, but a burst above it still is', () => {
  const detector = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  // A database: 5,000 writes/s, reported as aggregated records of 50 writes every 10 ms, for two minutes.
  const steady = evenly(0, 120, 600_000, { comm: 'postgres' }, 50);
  const alerts = simulate(detector, steady, 120);
  // Before warm-up nothing tells it from a burst (it passes the floor within the first second) ...
  assert.is(starts(alerts).length, 1);
  assert.ok(seconds(starts(alerts)[0]!.time_ns) < 1);
  // ... and once warm-up is over its own baseline takes over and that burst is over.
  assert.is(ends(alerts).length, 1);
  assert.ok(seconds(ends(alerts)[0]!.time_ns) <= defaultDetectConfig.warmupSeconds + 1);
  assert.ok(ends(alerts)[0]!.threshold > 15_000, `threshold ${ends(alerts)[0]!.threshold} ≈ 4 × 5000`);
  // After the cooldown, the same process going to six times its usual rate is a burst again.
  const later = simulate(detector, evenly(120, 3, 90_000, { comm: 'postgres' }, 50), 125);
  assert.is(starts(later).length, 1);
  assert.ok(starts(later)[0]!.baseline > 4000 && starts(later)[0]!.baseline < 5500);
  assert.ok(seconds(starts(later)[0]!.time_ns) < 121.5);
});

test('cooldown: one alert per burst, not per event, and no new start within the cooldown', () => {
  const config: DetectConfig = { ...defaultDetectConfig, cooldownSeconds: 60 };
  const detector = createWriteBurstDetector('write_burst_path', config);
  const first = simulate(detector, evenly(100, 0.5, 20_000), 110);
  assert.equal(
    first.map((a) => a.phase),
    ['start', 'end'],
  );
  // Another burst 20 s later: within the cooldown, nothing (and so no 'end' either).
  assert.equal(simulate(detector, evenly(120, 0.5, 20_000), 130), []);
  // 61 s after the first start: a new start.
  const third = simulate(detector, evenly(161, 0.5, 20_000), 170);
  assert.equal(
    third.map((a) => a.phase),
    ['start', 'end'],
  );
  assert.is(third[0]!.key, '/watched/a');
});

test('a rate hovering just above the threshold is one burst, not a flapping series', () => {
  const detector = createWriteBurstDetector('write_burst_path', { ...defaultDetectConfig, cooldownSeconds: 0 });
  // 1,100 writes/s for 8 s (floor 1,000/s, still in warm-up): the rate rises past 1,000 and stays near 1,100.
  const alerts = simulate(detector, evenly(0, 8, 8800), 20);
  assert.equal(
    alerts.map((a) => a.phase),
    ['start', 'end'],
  );
  // It ends once the rate has decayed below half the threshold: one half-life after the writes stop, plus a bit.
  const endedAt = seconds(alerts[1]!.time_ns);
  assert.ok(endedAt > 9 && endedAt <= 10, `ended at ${endedAt}`);
});

test('the path rule keys by path and reports the last writer', () => {
  const pidRule = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  const pathRule = createWriteBurstDetector('write_burst_path', defaultDetectConfig);
  // Two processes at 900 writes/s each on one file for 2 s: neither process passes the floor (its rate tops out
  // at 900·(1 - 2^-2) = 675/s), the file does (1350/s).
  const records = [...evenly(0, 2, 1800, { pid: 1, comm: 'one' }), ...evenly(0.0001, 2, 1800, { pid: 2, comm: 'two', uid: 0 })];
  assert.equal(simulate(pidRule, records, 10), []);
  const alerts = simulate(pathRule, records, 10);
  assert.is(starts(alerts).length, 1);
  assert.is(starts(alerts)[0]!.key, '/watched/a');
  assert.ok([1, 2].includes(starts(alerts)[0]!.pid));
  assert.is(ends(alerts).length, 1);
});

test('evicting a key in a burst reports its end, and the key cap holds', () => {
  const detector = createWriteBurstDetector('write_burst_pid', { ...defaultDetectConfig, maxTrackedKeys: 3 });
  const out: DetectAlert[] = [];
  for (const record of evenly(0, 0.2, 2000, { pid: 1 })) detector.observe(record, out);
  assert.equal(
    out.map((a) => [a.phase, a.key]),
    [['start', '1']],
  );
  for (const pid of [2, 3]) detector.observe(write(0.3, { pid }), out);
  assert.is(detector.trackedKeys(), 3);
  assert.is(out.length, 1);
  detector.observe(write(0.3, { pid: 4 }), out);
  assert.is(detector.trackedKeys(), 3);
  assert.equal(
    out.map((a) => [a.phase, a.key]),
    [
      ['start', '1'],
      ['end', '1'],
    ],
  );
  // Pid 1 comes back as a new key (its cooldown went with it) and its burst is reported again.
  for (const record of evenly(0.4, 0.2, 2000, { pid: 1 })) detector.observe(record, out);
  assert.equal(out.slice(2).map((a) => [a.phase, a.key]), [['start', '1']]);
});

test('idle keys are forgotten on tick after four baseline half-lives', () => {
  const detector = createWriteBurstDetector('write_burst_path', defaultDetectConfig);
  const out: DetectAlert[] = [];
  detector.observe(write(0, { path: '/watched/old' }), out);
  detector.observe(write(100, { path: '/watched/new' }), out);
  detector.tick(ns(239), out);
  assert.is(detector.trackedKeys(), 2);
  detector.tick(ns(240), out);
  assert.is(detector.trackedKeys(), 1);
  detector.tick(ns(340), out);
  assert.is(detector.trackedKeys(), 0);
  assert.equal(out, []);
});

test('records with no writes (or nonsense counts) are ignored', () => {
  const detector = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  const out: DetectAlert[] = [];
  for (const count of [0, -5, NaN, Infinity]) detector.observe(write(1, { count }), out);
  assert.is(detector.trackedKeys(), 0);
  detector.observe(write(1, { count: 1e6 }), out);
  assert.is(out.length, 1);
  assert.ok(Number.isFinite(out[0]!.rate));
});

test('a reordered (slightly older) record counts at the latest time seen', () => {
  const detector = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  const out: DetectAlert[] = [];
  detector.observe(write(10, { count: 1000 }), out);
  detector.observe(write(9.999, { count: 1000 }), out);
  assert.is(out.length, 1);
  assert.is(out[0]!.time_ns, ns(9.999));
  assert.ok(Math.abs(out[0]!.rate - 2000 * Math.LN2) < 1e-9);
});

test('PID reuse: a new process does not inherit the baseline of its pid\'s previous holder (which would hide its burst)', () => {
  const detector = createWriteBurstDetector('write_burst_pid', defaultDetectConfig);
  // a busy writer learns a high baseline (900/s for a minute), exits; its pid goes to a process writing 3000/s
  const busy = evenly(0, 60, 54_000, { processKey: '100@1' }, 100);
  const burst = evenly(61, 2, 6000, { processKey: '100@2', comm: 'evil' }, 10);
  const alerts = starts(simulate(detector, [...busy, ...burst], 70));
  assert.is(alerts.length, 1, 'keyed by pid alone, the threshold learnt from the busy writer (about 3600/s) hides it');
  assert.is(alerts[0]!.comm, 'evil');
  assert.is(alerts[0]!.key, '100', 'the key printed is still the pid');
});

test.run();
