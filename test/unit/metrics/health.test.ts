import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateHealth, watchEventLoop } from '../../../src/metrics/health.js';

const attached = { program: 'p', hook: 'lsm/file_open', progId: 7, linkId: 8, progPresent: true, linkPresent: true };

test('healthy: attached, no stall, no watchdog', () => {
  const r = evaluateHealth({ attachments: [attached], maxGapMs: 0, thresholdMs: 5000, watchdogFired: false });
  assert.is(r.healthy, true);
  assert.equal(r.checks.sensor, { ok: true, programs: 1, detached: [] });
});

test('a detached program, a stall over the threshold, or a lifted guard each make it unhealthy', () => {
  const detached = evaluateHealth({ attachments: [attached, { ...attached, progId: 9, linkPresent: false }], maxGapMs: 0, thresholdMs: 5000, watchdogFired: false });
  assert.is(detached.healthy, false);
  assert.equal(detached.checks.sensor.detached, [{ hook: 'lsm/file_open', prog_id: 9 }]);
  assert.is(evaluateHealth({ attachments: [attached], maxGapMs: 6000, thresholdMs: 5000, watchdogFired: false }).healthy, false);
  assert.is(evaluateHealth({ attachments: [attached], maxGapMs: 0, thresholdMs: 5000, watchdogFired: true }).healthy, false);
  assert.is(evaluateHealth({ attachments: [], maxGapMs: 0, thresholdMs: 5000, watchdogFired: false }).healthy, false, 'nothing attached');
});

test('the loop watch remembers a stall for its window, then forgets it', () => {
  let now = 0;
  let tick: () => void = () => {};
  const w = watchEventLoop({ nowMs: () => now, setInterval: (fn) => ((tick = fn), 1), clearInterval: () => {}, tickMs: 250, windowMs: 60_000 });
  now = 250;
  tick();
  assert.is(w.maxGapMs(), 0);
  now = 8250; // the thread was blocked 8 s
  tick();
  assert.is(w.maxGapMs(), 8000);
  for (let i = 0; i < 250; i++) {
    now += 250;
    tick();
  }
  assert.is(w.maxGapMs(), 0, 'a minute later it is gone');
});

test.run();
