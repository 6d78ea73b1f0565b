import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeSettings, type SensorSettings } from '../../../src/sensor/settings.js';
import { ForbidPtrace, Settings } from '../../../src/sensor/contract.js';

// ---- encodeSettings ----

test('encodeSettings: 32 bytes, forbid_ptrace and deny_ptrace_read little-endian, rest zero', () => {
  const cases: Array<[SensorSettings, number, number]> = [
    [{ forbidPtrace: 'off', denyPtraceRead: false }, ForbidPtrace.OFF, 0],
    [{ forbidPtrace: 'self', denyPtraceRead: false }, ForbidPtrace.SELF, 0],
    [{ forbidPtrace: 'all', denyPtraceRead: true }, ForbidPtrace.ALL, 1],
    [{ forbidPtrace: 'off', denyPtraceRead: true }, ForbidPtrace.OFF, 1],
  ];
  for (const [settings, mode, read] of cases) {
    const b = encodeSettings(settings);
    assert.is(b.length, Settings.size);
    assert.is(b.length, 32);
    assert.is(b.readUInt32LE(Settings.forbidPtrace), mode);
    assert.is(b.readUInt32LE(Settings.denyPtraceRead), read);
    assert.ok(b.subarray(8).equals(Buffer.alloc(24)), 'reserved bytes are zero');
  }
  assert.equal(
    [...encodeSettings({ forbidPtrace: 'all', denyPtraceRead: true }).subarray(0, 8)],
    [2, 0, 0, 0, 1, 0, 0, 0],
  );
});

test.run();
