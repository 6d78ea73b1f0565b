import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultDetectConfig, type DetectConfig } from '../../../src/detect/config.js';
import type { DetectAlert, WriteObservation } from '../../../src/detect/types.js';
import { createWriteDetectors, type WriteDetectors } from '../../../src/detect/writeDetectors.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const bootNs = 86_400_000_000_000n; // a day of uptime
const ns = (seconds: number) => bootNs + BigInt(Math.round(seconds * 1e9));
const seconds = (timeNs: bigint) => Number(timeNs - bootNs) / 1e9;

function write(t: number, fields: Partial<WriteObservation> = {}): WriteObservation {
  return { timeNs: ns(t), pid: 4242, processKey: `${fields.pid ?? 4242}@1`, comm: 'dd', uid: 1000, path: '/watched/f', count: 1, bytes: 1, ...fields };
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feeds time-ordered records with a tick at every whole second (as the agent does) up to `untilSeconds`. */
function simulate(detectors: WriteDetectors, records: Iterable<WriteObservation>, fromSeconds: number, untilSeconds: number): DetectAlert[] {
  const alerts: DetectAlert[] = [];
  let nextTick = Math.floor(fromSeconds) + 1;
  for (const record of records) {
    while (ns(nextTick) <= record.timeNs) alerts.push(...detectors.tick(ns(nextTick++)));
    alerts.push(...detectors.observe(record));
  }
  while (nextTick <= untilSeconds) alerts.push(...detectors.tick(ns(nextTick++)));
  return alerts;
}

const summary = (alerts: DetectAlert[]) => alerts.map((a) => `${a.rule} ${a.phase} ${a.key}`);

for (const [label, duration] of [
  ['fast (0.3 s)', 0.3],
  ['slow VM (2 s)', 2],
] as const) {
  test(`dd bs=1 count=20000, ${label}: exactly one pid and one path burst, within a second`, () => {
    const detectors = createWriteDetectors(defaultDetectConfig);
    const start = 1000.25;
    // Other activity in the watched tree beforehand: the file and other processes have some history.
    const background = Array.from({ length: 100 }, (_, i) => write(900 + i, { pid: 77, comm: 'logger', path: '/watched/log' }));
    const dd = Array.from({ length: 20_000 }, (_, i) => write(start + (i * duration) / 20_000));
    const alerts = simulate(detectors, [...background, ...dd], 900, start + 30);
    assert.equal(summary(alerts), [
      'write_burst_pid start 4242',
      'write_burst_path start /watched/f',
      'write_burst_pid end 4242',
      'write_burst_path end /watched/f',
    ]);
    for (const alert of alerts.filter((a) => a.phase === 'start')) {
      const delay = seconds(alert.time_ns) - start;
      assert.ok(delay >= 0 && delay < 1, `${alert.rule} after ${delay} s`);
      assert.equal([alert.pid, alert.comm, alert.uid, alert.path], [4242, 'dd', 1000, '/watched/f']);
    }
  });
}

test('a steady writer at 20 writes/s for 30 s raises nothing', () => {
  const detectors = createWriteDetectors(defaultDetectConfig);
  const records = Array.from({ length: 600 }, (_, i) => write(i / 20, { comm: 'rsyslogd', path: '/watched/syslog' }));
  assert.equal(simulate(detectors, records, 0, 40), []);
});

test('one process writing 200 distinct files within a second raises write_fanout_pid (and no burst)', () => {
  const detectors = createWriteDetectors(defaultDetectConfig);
  const records = Array.from({ length: 200 }, (_, i) => write(50 + i / 200, { comm: 'cryptor', path: `/watched/doc${i}.txt`, count: 3 }));
  const alerts = simulate(detectors, records, 49, 60);
  assert.equal(summary(alerts), ['write_fanout_pid start 4242', 'write_fanout_pid end 4242']);
  const start = alerts[0]!;
  assert.ok(start.rule === 'write_fanout_pid' && start.distinct_files === 100 && start.path === '/watched/doc99.txt');
  assert.ok(seconds(start.time_ns) < 51);
});

test('aggregated records give the same alerts as that many single writes', () => {
  // A mixed workload: a few processes and files, random gaps, bursts, a fan-out; records of 1..400 writes.
  const random = prng(42);
  const aggregated: WriteObservation[] = [];
  let t = 0;
  while (t < 200) {
    const bursting = Math.floor(t / 20) % 3 === 1;
    t += bursting ? random() * 0.002 : random() * 0.5;
    const pid = 10 + Math.floor(random() * 3);
    const fanningOut = pid === 12 && bursting;
    aggregated.push(
      write(t, {
        pid,
        comm: `p${pid}`,
        path: fanningOut ? `/watched/many/${aggregated.length}` : `/watched/f${Math.floor(random() * 4)}`,
        count: 1 + Math.floor(random() * (bursting ? 30 : 3)),
      }),
    );
  }
  const single = aggregated.flatMap((o) => Array.from({ length: o.count }, () => ({ ...o, count: 1, bytes: o.bytes / o.count })));
  assert.ok(single.length > 10 * aggregated.length);

  const fromAggregated = simulate(createWriteDetectors(defaultDetectConfig), aggregated, 0, 300);
  const fromSingle = simulate(createWriteDetectors(defaultDetectConfig), single, 0, 300);
  const rules = new Set(fromAggregated.map((a) => a.rule));
  assert.ok(rules.has('write_burst_pid') && rules.has('write_burst_path') && rules.has('write_fanout_pid'), [...rules].join());
  // Identical but for `rate` on a start: a single write can cross the threshold part-way through what is one
  // record in the other stream; both are then above the threshold at the same instant.
  const comparable = (alerts: DetectAlert[]) =>
    alerts.map((a) => ({ ...a, rate: a.phase === 'start' ? a.rate > a.threshold : a.rate }));
  assert.equal(comparable(fromSingle), comparable(fromAggregated));
});

test('tick forgets idle state: fan-out after its cooldown, rate baselines after four half-lives', () => {
  const detectors = createWriteDetectors(defaultDetectConfig);
  detectors.observe(write(10));
  detectors.tick(ns(69));
  assert.equal(detectors.trackedKeys(), { pid: 1, path: 1, fanout: 1 });
  detectors.tick(ns(70));
  assert.equal(detectors.trackedKeys(), { pid: 1, path: 1, fanout: 0 });
  detectors.tick(ns(250));
  assert.equal(detectors.trackedKeys(), { pid: 0, path: 0, fanout: 0 });
});

test('observe allocates no result when nothing fires; the shared empty result is frozen', () => {
  const detectors = createWriteDetectors(defaultDetectConfig);
  const first = detectors.observe(write(1));
  assert.is(detectors.observe(write(2)), first);
  assert.is(detectors.tick(ns(3)), first);
  assert.throws(() => first.push(undefined as never), TypeError);
  assert.equal(detectors.trackedKeys(), { pid: 1, path: 1, fanout: 1 });
});

/** A full collection, so heap figures measure what is retained (not garbage the GC has not reached yet). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

test('memory stays flat and the key cap holds while a million distinct keys pass through', () => {
  const cap = 1000;
  const config: DetectConfig = { ...defaultDetectConfig, maxTrackedKeys: cap };
  const detectors = createWriteDetectors(config);
  const record = (i: number) => write(i * 1e-6, { pid: 1 + (i % 4_000_000), path: `/watched/tree/${i}/file-with-a-longish-name.dat` });
  let alerts = 0;
  let maxTracked = 0;
  const step = (i: number) => {
    alerts += detectors.observe(record(i)).length;
    if (i % 50_000 === 0) alerts += detectors.tick(ns(i * 1e-6)).length;
    const tracked = detectors.trackedKeys();
    maxTracked = Math.max(maxTracked, tracked.pid, tracked.path, tracked.fanout);
  };
  // Fill the detectors to the cap first, so the measurement is of the steady state.
  for (let i = 0; i < 10 * cap; i++) step(i);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 10 * cap; i < 1_000_000; i++) step(i);
  collectGarbage();
  const growthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  assert.is(maxTracked, cap);
  assert.equal(detectors.trackedKeys(), { pid: cap, path: cap, fanout: cap });
  assert.is(alerts, 0);
  // Keeping every key would take hundreds of MiB (a path string, a map entry and a state object per key and
  // detector); measured after a full collection, so only what the detectors retain counts.
  assert.ok(growthMiB < 64, `heap grew by ${growthMiB.toFixed(1)} MiB`);
});

test('endAll ends every burst and fan-out in progress, once', () => {
  const d = createWriteDetectors({ ...defaultDetectConfig, warmupSeconds: 0, fanoutDistinctFiles: 3 });
  const before = [d.observe(write(1, { count: 20_000 })), ...[0, 1, 2].map((i) => d.observe(write(1.1, { path: `/watched/${i}` })))].flat();
  const open = new Set<string>();
  for (const a of before) (a.phase === 'start' ? open.add(`${a.rule}:${a.key}`) : open.delete(`${a.rule}:${a.key}`));
  assert.ok(open.has('write_fanout_pid:4242') && open.has('write_burst_path:/watched/f'), [...open].join());
  const ended = d.endAll(ns(1.2));
  assert.ok(ended.every((a) => a.phase === 'end'));
  assert.equal(ended.map((a) => `${a.rule}:${a.key}`).sort(), [...open].sort());
  assert.equal(d.endAll(ns(1.3)), [], 'nothing is in progress any more');
});

test.run();
