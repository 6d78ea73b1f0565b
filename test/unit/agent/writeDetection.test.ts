import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteDetection } from '../../../src/agent/writeDetection.js';
import { createAlertOutput } from '../../../src/agent/alertOutput.js';
import { defaultDetectConfig } from '../../../src/detect/config.js';
import { fileEvent, recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

function detection() {
  const output = recordingOutput();
  const notices = recordingNotices();
  let tick: (() => void) | null = null;
  let now = 0n;
  const d = createWriteDetection({
    config: { ...defaultDetectConfig, warmupSeconds: 0, fanoutDistinctFiles: 3, fanoutWindowSeconds: 10 },
    alerts: createAlertOutput(output, notices),
    toRfc3339: (ns) => `mono:${ns}`,
    monotonicNowNs: () => now,
    setInterval: (fn) => ((tick = fn), 'timer'),
    clearInterval: () => (tick = null),
  });
  return { d, output, notices, tick: () => tick?.(), setNow: (n: bigint) => (now = n), ticking: () => tick !== null };
}

test('a burst of writes raises one alert per rule, with wall time from the fake clock', () => {
  const h = detection();
  h.d.consume(fileEvent({ count: 20_000, timeNs: 1_000_000_000n }));
  const rules = h.output.records.map((r) => r.rule);
  assert.ok(rules.includes('write_burst_pid'));
  assert.ok(rules.includes('write_burst_path'));
  assert.is(h.output.records[0]!.time, 'mono:1000000000');
  assert.not.ok('time_ns' in h.output.records[0]!);
  assert.match(h.notices.lines[0]!, /^alert: burst of writes/);
});

test('only writes are observed; writes whose path the kernel lost still count as distinct files', () => {
  const h = detection();
  h.d.consume(fileEvent({ operation: 'open', count: 20_000 }));
  assert.equal(h.output.records, []);
  for (const inode of [1n, 2n, 3n]) h.d.consume(fileEvent({ path: null, pathSource: 'unknown', inode }));
  const fanout = h.output.records.find((r) => r.rule === 'write_fanout_pid');
  assert.ok(fanout, JSON.stringify(h.output.records));
  assert.match(String(fanout.path), /^\(inode 3 on dev 2049\)$/);
});

test('the timer runs the detectors tick between start and stop', () => {
  const h = detection();
  assert.is(h.ticking(), false);
  h.d.start();
  assert.is(h.ticking(), true);
  h.tick();
  h.d.stop();
  assert.is(h.ticking(), false);
});

test('reconfigure ends every burst in progress (each start keeps its end), then runs with the new settings', () => {
  const t = detection();
  t.d.start();
  t.d.consume(fileEvent({ count: 20_000, timeNs: 1_000_000_000n }));
  const starts = t.output.records.filter((r) => r.phase === 'start').length;
  assert.ok(starts >= 2, `bursts started: ${starts}`);
  t.setNow(2_000_000_000n);
  t.d.reconfigure({ ...defaultDetectConfig, pidFloorWritesPerSecond: 1e9, pathFloorWritesPerSecond: 1e9, warmupSeconds: 0 });
  const ends = t.output.records.filter((r) => r.phase === 'end').length;
  assert.is(ends, starts, 'every start got its end');
  t.d.consume(fileEvent({ count: 20_000, timeNs: 3_000_000_000n }));
  assert.is(t.output.records.filter((r) => r.phase === 'start').length, starts, 'the new floor holds');
  assert.equal(t.d.trackedKeys(), { pid: 1, path: 1, fanout: 1 });
});

test.run();
