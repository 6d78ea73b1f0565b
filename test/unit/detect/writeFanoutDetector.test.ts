import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultDetectConfig, type DetectConfig } from '../../../src/detect/config.js';
import type { DetectAlert, WriteFanoutAlert, WriteObservation } from '../../../src/detect/types.js';
import { createWriteFanoutDetector } from '../../../src/detect/writeFanoutDetector.js';

const bootNs = 5_000_000_000_000n;
const ns = (seconds: number) => bootNs + BigInt(Math.round(seconds * 1e9));
const seconds = (timeNs: bigint) => Number(timeNs - bootNs) / 1e9;

function write(t: number, path: string, fields: Partial<WriteObservation> = {}): WriteObservation {
  return { timeNs: ns(t), pid: 666, processKey: `${fields.pid ?? 666}@1`, comm: 'wiper', uid: 0, path, count: 1, bytes: 4096, ...fields };
}

/** `files` distinct files /watched/f<i>, written evenly over [from, from + duration). */
function distinctFiles(from: number, duration: number, files: number, fields: Partial<WriteObservation> = {}): WriteObservation[] {
  return Array.from({ length: files }, (_, i) => write(from + (i * duration) / files, `/watched/f${i}`, fields));
}

const config: DetectConfig = defaultDetectConfig; // 100 distinct files within 2 s

function feed(records: WriteObservation[], detector = createWriteFanoutDetector(config), out: DetectAlert[] = []) {
  for (const record of records) detector.observe(record, out);
  return { detector, out };
}

test('200 distinct files within one second raise write_fanout_pid once', () => {
  const { detector, out } = feed(distinctFiles(10, 1, 200));
  assert.is(out.length, 1);
  const alert = out[0] as WriteFanoutAlert;
  assert.equal(
    { ...alert, time_ns: seconds(alert.time_ns) },
    {
      type: 'alert',
      rule: 'write_fanout_pid',
      phase: 'start',
      key: '666',
      rate: 50,
      baseline: 0,
      threshold: 50,
      pid: 666,
      comm: 'wiper',
      uid: 0,
      path: '/watched/f99', // the 100th distinct file is the one that crossed the limit
      distinct_files: 100,
      time_ns: 10.495,
    },
  );
  // The window slides past the last write (10.995 s) two seconds later: one 'end'.
  detector.tick(ns(12), out);
  assert.is(out.length, 1);
  detector.tick(ns(13), out);
  assert.equal(
    out.map((a) => a.phase),
    ['start', 'end'],
  );
  assert.is((out[1] as WriteFanoutAlert).distinct_files, 0);
  assert.is(out[1]!.path, '/watched/f199');
});

test('many distinct files slowly, or few files often, are not a fan-out', () => {
  assert.equal(feed(distinctFiles(0, 60, 200)).out, []); // 3.3 files/s
  const hammer = Array.from({ length: 10_000 }, (_, i) => write(i * 1e-4, `/watched/f${i % 50}`));
  assert.equal(feed(hammer).out, []);
});

test('the window slides: 99 files, a pause longer than the window, 99 more is not a fan-out', () => {
  const first = distinctFiles(0, 0.5, 99);
  const second = distinctFiles(2.6, 0.5, 99).map((o) => ({ ...o, path: o.path.replace('/f', '/g') }));
  assert.equal(feed([...first, ...second]).out, []);
  // Without the pause the same files are one.
  const close = distinctFiles(1.2, 0.5, 99).map((o) => ({ ...o, path: o.path.replace('/f', '/g') }));
  assert.is(feed([...first, ...close]).out.length, 1);
});

test('counts are per PID', () => {
  const records = [...distinctFiles(0, 1, 60, { pid: 1 }), ...distinctFiles(0.001, 1, 60, { pid: 2 })];
  assert.equal(feed(records).out, []);
});

test('aggregated counts make no difference: only distinct paths do', () => {
  const single = feed(distinctFiles(0, 1, 150)).out;
  const aggregated = feed(distinctFiles(0, 1, 150, { count: 1000, bytes: 4_096_000 })).out;
  assert.equal(aggregated, single);
  assert.is(single.length, 1);
});

test('cooldown holds across fan-outs of the same PID', () => {
  const { detector, out } = feed(distinctFiles(0, 1, 200));
  detector.tick(ns(5), out);
  feed(distinctFiles(10, 1, 200), detector, out); // within the 60 s cooldown
  detector.tick(ns(15), out);
  feed(distinctFiles(61, 1, 200), detector, out);
  assert.equal(
    out.map((a) => [a.phase, Math.floor(seconds(a.time_ns))]),
    [
      ['start', 0],
      ['end', 5],
      ['start', 61],
    ],
  );
});

test('rewriting a file moves it to the front of the window', () => {
  // 99 files at t=0, then f0 again at t=1.9, then 1 new file at t=2.5: f1..f98 have left the window, f0 has not.
  const records = [...distinctFiles(0, 0.01, 99), write(1.9, '/watched/f0'), write(2.5, '/watched/new')];
  const { detector, out } = feed(records);
  assert.equal(out, []);
  // One more distinct file within the window of f0 (and 98 others) is needed: write 98 new ones at 2.6.
  feed(distinctFiles(2.6, 0.1, 98).map((o) => ({ ...o, path: o.path.replace('/f', '/h') })), detector, out);
  assert.is(out.length, 1);
  assert.is((out[0] as WriteFanoutAlert).distinct_files, 100);
});

test('PIDs are capped (an evicted fan-out still gets its end) and idle PIDs expire', () => {
  const detector = createWriteFanoutDetector({ ...config, maxTrackedKeys: 2 });
  const { out } = feed(distinctFiles(0, 1, 100, { pid: 1 }), detector);
  feed([write(1, '/watched/x', { pid: 2 }), write(1, '/watched/y', { pid: 3 })], detector, out);
  assert.is(detector.trackedKeys(), 2);
  assert.equal(
    out.map((a) => [a.phase, a.key]),
    [
      ['start', '1'],
      ['end', '1'],
    ],
  );
  detector.tick(ns(60), out);
  assert.is(detector.trackedKeys(), 2);
  detector.tick(ns(61), out);
  assert.is(detector.trackedKeys(), 0);
});

test('PID reuse: a new process with the pid of one that wrote 99 files starts from zero, not from its predecessor', () => {
  // 99 distinct files by the first holder of pid 666, then it exits and a new process gets pid 666
  const first = distinctFiles(10, 0.5, 99, { processKey: '666@1000' });
  const second = [write(10.6, '/watched/new', { processKey: '666@2000', comm: 'innocent' })];
  const { out } = feed([...first, ...second]);
  assert.equal(out, [], 'keyed by pid alone, the 100th distinct file would be the innocent process\'s fan-out alert');
});

test('the alert carries the last writer\'s actor (its process context) through untouched', () => {
  const actor = { any: 'object' };
  const { out } = feed(distinctFiles(10, 1, 100, { actor }));
  assert.is(out[0]!.actor, actor);
});

test.run();
