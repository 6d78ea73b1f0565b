import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuleAlerts, describeRuleAlert, eventFacts } from '../../../src/agent/ruleAlerts.js';
import { defaultRulesConfig, parseRulesConfig } from '../../../src/rules/rulesConfig.js';
import { CONTEXT, SHELL, change, replace } from '../../fixtures/rules/helpers.js';
import { fileEvent, recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';
import { processInfo } from '../../fixtures/process/processFixtures.js';

const PASSWD_OLD = 'root:x:0:0:root:/root:/bin/bash\n';
const PASSWD_NEW = PASSWD_OLD + 'x:x:0:0::/:/bin/sh\n';

function rules(config = defaultRulesConfig()) {
  const output = recordingOutput();
  const notices = recordingNotices();
  const r = createRuleAlerts({ config, context: CONTEXT, output, notices, nowRfc3339: () => 'now', inBaseline: (p) => p.startsWith('/etc/') });
  return { r, output, notices };
}

test('a second uid-0 account: one critical alert line with ATT&CK id, and a graded stderr line', () => {
  const t = rules();
  t.r.judgeChange(change('/etc/passwd', { content: PASSWD_OLD }, { content: PASSWD_NEW }, { by: SHELL }));
  const uid0 = t.output.records.filter((r) => r.rule === 'account_uid0_added');
  assert.is(uid0.length, 1, JSON.stringify(t.output.records));
  const line = uid0[0]!;
  assert.equal(Object.keys(line).slice(0, 7), ['type', 'time', 'rule', 'severity', 'attack', 'message', 'path']);
  assert.is(line.severity, 'critical');
  assert.is(line.attack, 'T1136.001');
  assert.is(line.path, '/etc/passwd');
  assert.ok(t.notices.lines.some((l) => l.startsWith('alert[critical]: account_uid0_added: ') && l.includes('(by bash, pid 4242, uid 0)')), t.notices.lines.join('\n'));
});

test('a rule switched off in the policy raises nothing; a re-graded one carries its new severity', () => {
  const off = rules(parseRulesConfig({ account_uid0_added: { enabled: false }, account_added: { severity: 'low' } }, 'p.json'));
  off.r.judgeChange(change('/etc/passwd', { content: PASSWD_OLD }, { content: PASSWD_NEW }, { by: SHELL }));
  assert.not.ok(off.output.records.some((r) => r.rule === 'account_uid0_added'));
  off.r.judgeChange(change('/etc/passwd', { content: PASSWD_OLD }, { content: PASSWD_OLD + 'bob:x:1001:1001::/home/bob:/bin/sh\n' }, { by: SHELL }));
  const added = off.output.records.find((r) => r.rule === 'account_added');
  assert.ok(added);
  assert.is(added.severity, 'low');
});

test('eventFacts: opens only when they create, the rename target, the actor, whether the path is in the baseline', () => {
  const inBaseline = (p: string) => p === '/etc/ld.so.preload';
  assert.is(eventFacts(fileEvent({ operation: 'open', openFlags: 1 }), inBaseline), null);
  assert.is(eventFacts(fileEvent({ path: null, pathSource: 'unknown' }), inBaseline), null);
  const created = eventFacts(fileEvent({ operation: 'open', openFlags: 0o101, mode: 0o104755, path: { text: '/usr/local/bin/x' } }), inBaseline)!;
  assert.equal(created, { operation: 'create', path: '/usr/local/bin/x', actor: { pid: 100, comm: 'bash', uid: 0, exe: '/usr/bin/bash' }, in_baseline: false, mode: 0o4755 });
  const renamed = eventFacts(fileEvent({ operation: 'rename', path: { text: '/etc/ld.so.preload' }, oldPath: { text: '/tmp/p' } }), inBaseline)!;
  assert.equal([renamed.operation, renamed.path, renamed.old_path, renamed.in_baseline], ['rename', '/etc/ld.so.preload', '/tmp/p', true]);
});

test("eventFacts: a process dpkg runs (its maintainer script) is the package manager's work; one merely named dpkg is not", () => {
  const script = processInfo({ comm: { text: 'sh' } }, { exe: { text: '/usr/bin/dash' }, ancestors: [{ pid: 40, comm: 'dpkg', exe: '/usr/bin/dpkg' }] });
  const event = (process: typeof script) => fileEvent({ operation: 'open', openFlags: 0o101, mode: 0o100755, path: { text: '/usr/bin/x' }, process });
  assert.is(eventFacts(event(script), () => false)!.actor.package_manager, 'dpkg');
  const fake = processInfo({ comm: { text: 'dpkg' } }, { exe: { text: '/tmp/dpkg' } });
  assert.is(eventFacts(event(fake), () => false)!.actor.package_manager, undefined);
});

test('a system binary replaced by dpkg raises nothing; by a shell, system_binary_changed; an identical reinstall by anyone, nothing', () => {
  const t = rules();
  const dpkg = { pid: 40, comm: 'dpkg', uid: 0, exe: '/usr/bin/dpkg', package_manager: 'dpkg' };
  t.r.judgeChange(replace('/usr/bin/x', { content: 'a' }, { content: 'b' }, { by: dpkg }));
  assert.equal(t.output.records, [], JSON.stringify(t.output.records));
  const reinstall = replace('/usr/bin/x', { content: 'a' }, { content: 'a' }, { by: SHELL });
  assert.equal([reinstall.action, reinstall.content_changed], ['replaced', false]);
  t.r.judgeChange(reinstall);
  assert.equal(t.output.records, [], 'same content, mode and owner: no rule');
  t.r.judgeChange(replace('/usr/bin/x', { content: 'a' }, { content: 'b' }, { by: SHELL }));
  assert.equal(t.output.records.map((r) => [r.rule, r.severity, r.attack]), [['system_binary_changed', 'high', 'T1554']]);
});

const meta = { mode: null, ownerUid: null, ownerGid: null, size: null, atime: null, mtime: null, beforeOp: false };

test('eventFacts of metadata events: the new mode (and the old one), owner, mtime set; truncates are left to the baseline', () => {
  const none = () => false;
  const chmod = eventFacts(fileEvent({ operation: 'chmod', mode: 0o100755, metadata: { ...meta, mode: 0o4755 } }), none)!;
  assert.equal([chmod.operation, chmod.mode, chmod.old_mode], ['chmod', 0o4755, 0o755]);
  const chown = eventFacts(fileEvent({ operation: 'chown', metadata: { ...meta, ownerUid: 0, ownerGid: 5 } }), none)!;
  assert.equal([chown.uid, chown.gid], [0, 5]);
  const touch = eventFacts(fileEvent({ operation: 'utimes', metadata: { ...meta, mtime: '2000-01-01T00:00:00.000000000Z', atime: 'now' } }), none)!;
  assert.is(touch.mtime, '2000-01-01T00:00:00.000000000Z');
  assert.is(eventFacts(fileEvent({ operation: 'utimes', metadata: { ...meta, mtime: 'now' } }), none)!.mtime, undefined);
  assert.is(eventFacts(fileEvent({ operation: 'truncate', metadata: { ...meta, size: 0 } }), none), null);
});

test('eventFacts: a shared writable mapping (mmap, mprotect) is judged as the write it stands for', () => {
  const none = () => false;
  const mapping = { prot: ['read', 'write'], flags: ['shared'] };
  assert.is(eventFacts(fileEvent({ operation: 'mmap', mapping }), none)!.operation, 'write');
  assert.is(eventFacts(fileEvent({ operation: 'mprotect', mapping }), none)!.operation, 'write');
});

test('a chmod u+s and a timestomp outside the baseline are judged from the events themselves', () => {
  const t = rules();
  t.r.consume(fileEvent({ operation: 'chmod', mode: 0o100755, path: { text: '/opt/tool' }, metadata: { ...meta, mode: 0o4755 } }));
  t.r.consume(fileEvent({ operation: 'utimes', path: { text: '/opt/tool' }, metadata: { ...meta, mtime: '2000-01-01T00:00:00.000000000Z' } }));
  assert.ok(t.output.records.some((r) => r.rule === 'setuid_added' && r.source === 'event'), JSON.stringify(t.output.records));
  assert.ok(t.output.records.some((r) => r.rule === 'timestomp' && r.source === 'event'), JSON.stringify(t.output.records));
});

test('a setuid file created outside the baseline is judged from the event itself', () => {
  const t = rules();
  t.r.consume(fileEvent({ operation: 'open', openFlags: 0o101, mode: 0o104755, path: { text: '/opt/x' } }));
  assert.ok(t.output.records.some((r) => r.rule === 'setuid_added' && r.source === 'event'), JSON.stringify(t.output.records));
});

test('describeRuleAlert names the executable when known, else the comm; offline changes say so', () => {
  const base = { type: 'alert' as const, rule: 'timestomp' as const, severity: 'medium' as const, attack: 'T1070.006', message: 'm', path: '/p', source: 'change' as const, details: {} };
  assert.is(describeRuleAlert({ ...base, by: { pid: 1, comm: 'touch', uid: 0, exe: '/usr/bin/touch' } }), 'timestomp: m (by /usr/bin/touch, pid 1, uid 0)');
  assert.is(describeRuleAlert({ ...base, by: null, offline: true }), 'timestomp: m (while lsmwatch was not running)');
});

test.run();
