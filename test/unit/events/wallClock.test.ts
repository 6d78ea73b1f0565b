import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWallClock, formatRfc3339Ns, readUptimeNs, suspendedNs } from '../../../src/events/wallClock.js';

const RFC3339_NS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

test('formatRfc3339Ns: nine fractional digits, always', () => {
  assert.is(formatRfc3339Ns(0n), '1970-01-01T00:00:00.000000000Z');
  assert.is(formatRfc3339Ns(1n), '1970-01-01T00:00:00.000000001Z');
  assert.is(formatRfc3339Ns(1_700_000_000_123_456_789n), '2023-11-14T22:13:20.123456789Z');
  assert.is(formatRfc3339Ns(1_700_000_000_000_000_000n), '2023-11-14T22:13:20.000000000Z');
  assert.is(formatRfc3339Ns(1_999_999_999n), '1970-01-01T00:00:01.999999999Z');
  assert.is(formatRfc3339Ns(4_102_444_799_999_999_999n), '2099-12-31T23:59:59.999999999Z');
  for (const ns of [0n, 7n, 123_000n, 1_700_000_000_000_000_001n]) assert.match(formatRfc3339Ns(ns), RFC3339_NS);
});

test('the output is what Date.parse reads back (to the millisecond)', () => {
  const ns = 1_760_000_000_987_654_321n;
  assert.is(Date.parse(formatRfc3339Ns(ns)), Number(ns / 1_000_000n));
});

test('injected clocks: monotonic readings map to wall time with one sampled offset', () => {
  let mono = 5_000_000_000n; // 5 s after boot
  let wall = 1_700_000_000_000_000_000n;
  const clock = createWallClock(
    () => mono,
    () => wall,
  );
  assert.is(clock.toRfc3339(5_000_000_000n), '2023-11-14T22:13:20.000000000Z');
  assert.is(clock.toRfc3339(5_000_000_001n), '2023-11-14T22:13:20.000000001Z');
  assert.is(clock.toRfc3339(6_500_000_123n), '2023-11-14T22:13:21.500000123Z');
  assert.is(clock.toRfc3339(4_000_000_000n), '2023-11-14T22:13:19.000000000Z'); // before the sample
  // the offset is sampled once: later wall-clock steps do not move event times
  wall += 3_600_000_000_000n;
  assert.is(clock.toRfc3339(5_000_000_000n), '2023-11-14T22:13:20.000000000Z');
  mono = 7_000_000_042n;
  assert.is(clock.nowRfc3339(), '2023-11-14T22:13:22.000000042Z');
  assert.is(clock.monotonicNowNs(), 7_000_000_042n);
});

test('default clocks produce well-formed, current times', () => {
  const clock = createWallClock();
  const now = clock.nowRfc3339();
  assert.match(now, RFC3339_NS);
  assert.match(clock.toRfc3339(clock.monotonicNowNs()), RFC3339_NS);
  assert.is(typeof clock.monotonicNowNs(), 'bigint');
  assert.is(now.slice(0, 4), new Date().toISOString().slice(0, 4));
});

test('boot-time ns (process start times) map to wall time; suspend time is taken off when there was any', () => {
  const clock = createWallClock(
    () => 5_000_000_000n,
    () => 1_700_000_000_000_000_000n,
    () => 5_000_000_000n, // boot time = monotonic: never suspended
  );
  assert.is(clock.bootToRfc3339(5_000_000_000n), '2023-11-14T22:13:20.000000000Z');
  assert.is(clock.bootToRfc3339(4_000_000_001n), '2023-11-14T22:13:19.000000001Z');
  const resumed = createWallClock(
    () => 5_000_000_000n,
    () => 1_700_000_000_000_000_000n,
    () => 65_000_000_000n, // a minute asleep
  );
  assert.is(resumed.bootToRfc3339(65_000_000_000n), '2023-11-14T22:13:20.000000000Z');
});

test('suspended time: /proc/uptime has 10 ms steps, so less than 50 ms is none', () => {
  assert.is(suspendedNs(null, 5n), 0n);
  assert.is(suspendedNs(5_010_000_000n, 5_000_000_001n), 0n);
  assert.is(suspendedNs(4_990_000_000n, 5_000_000_000n), 0n);
  assert.is(suspendedNs(65_000_000_000n, 5_000_000_000n), 60_000_000_000n);
  const up = readUptimeNs();
  assert.ok(up !== null && up > 0n, 'this machine has /proc/uptime');
});

test.run();
