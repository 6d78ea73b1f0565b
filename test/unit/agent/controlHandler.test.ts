import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createControlHandler } from '../../../src/agent/controlHandler.js';
import { createRuntimeSettings } from '../../../src/agent/runtimeSettings.js';
import { recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

function handler(enforcement: boolean, debugCommands = false, protect = false) {
  const written: unknown[] = [];
  const settings = createRuntimeSettings({ forbidPtrace: 'off', denyPtraceRead: false, protect }, (s) => written.push(s));
  const output = recordingOutput();
  const notices = recordingNotices();
  const h = createControlHandler({ sensor: enforcement ? 'lsm' : 'tracepoint', enforcement, settings, output, notices, nowRfc3339: () => 'now', debugCommands });
  return { h, written, output, notices, settings };
}

test('status reports the sensor and the current forbid-ptrace mode', () => {
  assert.equal(handler(true).h.handle({ command: 'status' }), { ok: true, sensor: 'lsm', enforcement: true, forbid_ptrace: 'off' });
});

test('forbid-ptrace: written to the kernel as a whole settings value, a setting line, a notice', () => {
  const t = handler(true);
  assert.equal(t.h.handle({ command: 'forbid-ptrace', mode: 'all' }), { ok: true, sensor: 'lsm', enforcement: true, forbid_ptrace: 'all' });
  assert.equal(t.written, [{ forbidPtrace: 'all', denyPtraceRead: false, protect: false }]);
  assert.equal(t.output.records, [{ type: 'setting', time: 'now', forbid_ptrace: 'all' }]);
  assert.equal(t.notices.lines, ['info: forbid-ptrace is now all']);
});

test('forbid-ptrace is refused where the sensor cannot enforce; debug commands only when enabled', () => {
  const t = handler(false);
  assert.equal(t.h.handle({ command: 'forbid-ptrace', mode: 'self' }), { ok: false, error: 'the tracepoint sensor cannot enforce forbid-ptrace (needs BPF LSM)' });
  assert.equal(t.written, []);
  assert.equal(t.h.handle({ command: 'debug-stall', seconds: 1 }), { ok: false, error: 'debug commands are disabled' });
});

test('under --protect a guard can be raised but never lowered, and the refusal says why', async () => {
  const t = handler(true, false, true);
  assert.equal(await t.h.handle({ command: 'forbid-ptrace', mode: 'self' }), { ok: true, sensor: 'lsm', enforcement: true, forbid_ptrace: 'self' });
  assert.equal(await t.h.handle({ command: 'forbid-ptrace', mode: 'all' }), { ok: true, sensor: 'lsm', enforcement: true, forbid_ptrace: 'all' });
  for (const mode of ['self', 'off'] as const) {
    const reply = (await t.h.handle({ command: 'forbid-ptrace', mode })) as { ok: boolean; error?: string };
    assert.is(reply.ok, false);
    assert.match((reply as { error: string }).error, new RegExp(`--protect: forbid-ptrace cannot be lowered from all to ${mode}`));
  }
  assert.is(t.settings.current.forbidPtrace, 'all');
  assert.is(t.written.length, 2);
  assert.match(t.notices.lines.at(-1)!, /^warn: refused 'ctl forbid-ptrace off': the agent runs with --protect/);
});

test('runtime settings: a failed write leaves the current value unchanged', () => {
  const settings = createRuntimeSettings({ forbidPtrace: 'off', denyPtraceRead: false, protect: false }, () => {
    throw new Error('map write failed');
  });
  assert.throws(() => settings.update({ protect: true }), /map write failed/);
  assert.is(settings.current.protect, false);
});

test('reload answers once the reload is done: the changes, or the rejection', async () => {
  const settings = createRuntimeSettings({ forbidPtrace: 'off', denyPtraceRead: false, protect: false }, () => {});
  let outcome: 'reloaded' | 'rejected' = 'reloaded';
  const h = createControlHandler({
    sensor: 'lsm', enforcement: true, settings, output: recordingOutput(), notices: recordingNotices(), nowRfc3339: () => 'now', debugCommands: false,
    reload: async (trigger) =>
      outcome === 'reloaded'
        ? { status: 'reloaded', record: { type: 'policy', status: 'reloaded', trigger, policy_sha256: 'ab', changes: { watch: { added: ['/x/'], removed: [] } }, requires_restart: [] } }
        : { status: 'rejected', error: 'invalid policy: /p: watch: expected …', record: { type: 'policy' } },
    top: () => ({ events: { open: 1 } }),
  });
  assert.equal(await h.handle({ command: 'reload' }), { ok: true, status: 'reloaded', policy_sha256: 'ab', changes: { watch: { added: ['/x/'], removed: [] } }, requires_restart: [] });
  outcome = 'rejected';
  assert.equal(await h.handle({ command: 'reload' }), { ok: false, status: 'rejected', error: 'invalid policy: /p: watch: expected …' });
  assert.equal(h.handle({ command: 'top' }), { ok: true, command: 'top', events: { open: 1 } });
});

test('without a reloader or a live view the request is refused, not crashed', () => {
  const t = handler(true);
  assert.equal(t.h.handle({ command: 'reload' }), { ok: false, error: 'this agent cannot reload its policy' });
  assert.equal(t.h.handle({ command: 'top' }), { ok: false, error: 'this agent has no live view' });
});

test.run();
