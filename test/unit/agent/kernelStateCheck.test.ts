import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKernelStateCheck, describeMapDifference } from '../../../src/agent/kernelStateCheck.js';
import { encodeSettings } from '../../../src/sensor/settings.js';
import { buildWatchEntries } from '../../../src/sensor/watchKeys.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';

const SETTINGS = { forbidPtrace: 'self' as const, denyPtraceRead: false, protect: true };

function setup() {
  const native = fakeNative();
  const entries = buildWatchEntries({ watch: ['/etc/', '/root/.ssh/'], watchReads: ['/etc/shadow'], ignore: [] });
  for (const e of entries) native.updateElem('lw_watch', e.key, e.value);
  native.setSettings(encodeSettings(SETTINGS));
  const check = createKernelStateCheck({ native, watchEntries: () => entries, settings: () => SETTINGS });
  return { native, entries, check, fire: () => (native.fired = true) };
}

test('maps as the agent wrote them: no problem', async () => {
  const s = setup();
  assert.equal(await s.check(), [
    { name: 'lw_settings_map', problem: null },
    { name: 'lw_watch', problem: null },
  ]);
});

test('protect zeroed from outside (a settings-map fd taken from the agent) is tampering', async () => {
  const s = setup();
  s.native.updateElem('lw_settings_map', Buffer.alloc(4), encodeSettings({ ...SETTINGS, protect: false }));
  const [settings] = await s.check();
  assert.match(String(settings!.problem), /read back as 010000000000000000000000, written 010000000000000001000000/);
});

test('the watchdog lifting protect is the agent itself, not tampering', async () => {
  const s = setup();
  s.native.updateElem('lw_settings_map', Buffer.alloc(4), encodeSettings({ ...SETTINGS, protect: false }));
  s.fire();
  assert.is((await s.check())[0]!.problem, null);
});

test('a watch entry removed, another added, a flag changed: each named', async () => {
  const s = setup();
  const etc = s.entries.find((e) => e.label === '/|etc/')!;
  s.native.maps.get('lw_watch')!.delete(etc.key.toString('latin1'));
  const extra = buildWatchEntries({ watch: [], watchReads: [], ignore: ['/etc/cron.d/'] })[0]!;
  s.native.updateElem('lw_watch', extra.key, extra.value);
  const shadow = s.entries.find((e) => e.label === '/|etc/shadow$')!;
  s.native.updateElem('lw_watch', shadow.key, Buffer.alloc(shadow.value.length));
  const watch = (await s.check())[1]!.problem!;
  assert.match(watch, /1 added \("1\|etc\/cron\.d\/"\)/);
  assert.match(watch, /1 removed \("1\|etc\/"\)/);
  assert.match(watch, /1 changed \("1\|etc\/shadow\$"\)/);
});

test('describeMapDifference: lists are cut after three names', () => {
  const e = (n: number) => ({ key: Buffer.from([n]), value: Buffer.from([0]) });
  const text = describeMapDifference([], [e(1), e(2), e(3), e(4)], (k) => String(k[0]));
  assert.is(text, '4 added (1, 2, 3, …)');
  assert.is(describeMapDifference([e(1)], [e(1)], String), null);
});

test.run();
