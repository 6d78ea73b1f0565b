import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settleEnforcement } from '../../../src/agent/enforcement.js';
import type { RunOptions } from '../../../src/agent/runOptions.js';
import type { ActiveSensor } from '../../../src/agent/sensorSetup.js';
import type { NativeAddon } from '../../../src/sensor/nativeAddon.js';
import { SensorError } from '../../../src/sensor/nativeAddon.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';
import { recordingNotices } from '../../fixtures/agent/fakes.js';

const options = (over: Partial<RunOptions>): RunOptions => ({
  command: 'run', policyFile: 'p', sensor: 'auto', forbidPtrace: 'off', requireEnforcement: false, dbPath: null,
  statsInterval: null, ringBytes: 4096, queueBytes: 4096, controlPath: 'c', protect: false, watchdogSeconds: 10, metricsListen: null,
  allowNodeOptions: false, allowIntegrityMismatch: false, ...over,
});

function setting(enforcement: boolean) {
  const native = fakeNative();
  const active: ActiveSensor = { name: enforcement ? 'lsm' : 'tracepoint', native, attach: { attached: [], skipped: [], variants: [] }, fallbackReason: null, enforcement, marks: { keys: new Set(), missing: 0 } };
  const dumpable: boolean[] = [];
  const addon = { setDumpable: (d: boolean) => dumpable.push(d) } as unknown as NativeAddon;
  return { native, active, addon, dumpable, notices: recordingNotices() };
}

test('an enforcing sensor: nothing to settle', () => {
  const s = setting(true);
  settleEnforcement(s.active, options({ protect: true, forbidPtrace: 'all', requireEnforcement: true }), s.addon, s.notices);
  assert.equal(s.notices.lines, []);
  assert.equal(s.native.calls, []);
});

test('--require-enforcement without an enforcing sensor: the sensor is closed and the run refused', () => {
  for (const over of [{ protect: true }, { forbidPtrace: 'self' as const }]) {
    const s = setting(false);
    try {
      settleEnforcement(s.active, options({ ...over, requireEnforcement: true }), s.addon, s.notices);
      assert.unreachable('should refuse');
    } catch (err) {
      assert.instance(err, SensorError);
      assert.is((err as SensorError).code, 'ENOENFORCE');
      assert.match((err as Error).message, /needs the LSM sensor, and the tracepoint sensor cannot enforce \(--require-enforcement\)/);
    }
    assert.equal(s.native.calls, ['close']);
  }
});

test('without --require-enforcement: non-dumpable for forbid-ptrace, and a warning for each', () => {
  const s = setting(false);
  settleEnforcement(s.active, options({ protect: true, forbidPtrace: 'self' }), s.addon, s.notices);
  assert.equal(s.dumpable, [false]);
  assert.is(s.notices.lines.length, 2);
  assert.match(s.notices.lines[0]!, /^warn: --forbid-ptrace=self cannot be enforced by the tracepoint sensor/);
  assert.match(s.notices.lines[1]!, /^warn: --protect needs the LSM sensor/);
});

test.run();
