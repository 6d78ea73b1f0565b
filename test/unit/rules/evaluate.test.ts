import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_FINDINGS_PER_RULE, MAX_MESSAGE_LENGTH, evaluateChange, evaluateEvent, formatAlertLine } from '../../../src/rules/evaluate.js';
import { parseRulesConfig } from '../../../src/rules/rulesConfig.js';
import { CONTEXT, DPKG, PASSWD, alertsFor, change, replace, rulesOf } from '../../fixtures/rules/helpers.js';

const UID0 = change('/etc/passwd', PASSWD, PASSWD + 'x:x:0:0::/:/bin/sh\n');

test('an alert is one NDJSON line starting type, rule, severity, attack, message, path', () => {
  const [alert] = alertsFor(UID0);
  const line = formatAlertLine(alert!);
  assert.ok(line.startsWith('{"type":"alert","rule":"account_uid0_added","severity":"critical","attack":"T1136.001","message":"account \\"x\\" with uid 0'), line);
  assert.not.ok(line.includes('\n'));
  const parsed = JSON.parse(line);
  assert.equal(Object.keys(parsed), ['type', 'rule', 'severity', 'attack', 'message', 'path', 'source', 'action', 'by', 'details']);
  assert.is(parsed.path, '/etc/passwd');
  assert.is(parsed.source, 'change');
  assert.is(parsed.action, 'modified');
  const timed = JSON.parse(formatAlertLine(alert!, '2024-05-01T12:00:00.000000000Z'));
  assert.equal(Object.keys(timed).slice(0, 3), ['type', 'time', 'rule']);
});

test('policy: a rule switched off raises nothing, a re-graded one carries its new severity', () => {
  const off = parseRulesConfig({ account_uid0_added: { enabled: false } }, 'p');
  assert.equal(evaluateChange(UID0, off, CONTEXT), []);
  const regraded = parseRulesConfig({ account_uid0_added: { severity: 'low' } }, 'p');
  const [alert] = evaluateChange(UID0, regraded, CONTEXT);
  assert.is(alert!.severity, 'low');
  assert.is(alert!.attack, 'T1136.001');
});

test('package manager: exempt rules are skipped, the others still fire; the actor is carried', () => {
  const record = replace('/etc/passwd', PASSWD, PASSWD + 'pg:x:110:118::/var/lib/pg:/bin/sh\nx:x:0:0::/:/bin/sh\n', { by: DPKG, package: 'base-passwd' });
  const alerts = alertsFor(record);
  assert.equal(rulesOf(alerts), ['account_uid0_added'], 'account_added is exempt, a uid-0 account is not');
  assert.equal(alerts[0]!.by, { pid: 77, comm: 'dpkg', uid: 0, exe: '/usr/bin/dpkg', package_manager: 'dpkg' });
  assert.is(alerts[0]!.package, 'base-passwd');
});

test('a replace with the same content, mode and owner raises no rule, even on a critical file', () => {
  const same = replace('/etc/ld.so.preload', '/usr/lib/x.so\n', '/usr/lib/x.so\n');
  assert.is(same.content_changed, false);
  assert.equal(alertsFor(same), []);
  assert.equal(rulesOf(alertsFor(replace('/etc/ld.so.preload', '', '/usr/lib/x.so\n'))), ['ld_preload_written']);
});

test('offline records: marked, writer unknown', () => {
  const [alert] = alertsFor(change('/etc/passwd', PASSWD, PASSWD + 'x:x:0:0::/:/bin/sh\n', { by: null, offline: true }));
  assert.is(alert!.offline, true);
  assert.is(alert!.by, null);
});

test('one input cannot flood: findings of a rule are capped with a summary', () => {
  const users = Array.from({ length: 50 }, (_, i) => `u${i}:x:${2000 + i}:${2000 + i}::/home/u${i}:/bin/sh`).join('\n') + '\n';
  const alerts = alertsFor(change('/etc/passwd', PASSWD, PASSWD + users));
  assert.is(alerts.length, MAX_FINDINGS_PER_RULE);
  assert.is(alerts.at(-1)!.message, `${50 - MAX_FINDINGS_PER_RULE + 1} more account_added findings in /etc/passwd`);
  assert.equal(alerts.at(-1)!.details, { more: 41 });
});

test('messages are bounded', () => {
  const long = 'x'.repeat(5000);
  const alerts = alertsFor(change('/etc/sudoers.d/long', null, `eve ALL=(ALL) NOPASSWD: /bin/${long}\n`));
  assert.ok(alerts[0]!.message.length <= MAX_MESSAGE_LENGTH);
});

test('a rule that throws is reported and does not stop the others', () => {
  const record = change('/etc/passwd', PASSWD, PASSWD + 'x:x:0:0::/:/bin/sh\n');
  // a stored record whose diff lists are not what the diff module writes (the history is untrusted)
  const broken = { ...record, diff: { ...record.diff, changed: null } } as unknown as typeof record;
  const errors: string[] = [];
  const alerts = evaluateChange(broken, parseRulesConfig(undefined, 'p'), CONTEXT, { onRuleError: (id) => errors.push(id) });
  assert.ok(errors.includes('account_uid0_granted'), errors.join());
  assert.equal(rulesOf(alerts), ['account_uid0_added']);
});

test('events: alerts name the operation and the actor without its ancestors', () => {
  const alerts = evaluateEvent(
    { operation: 'chmod', path: '/tmp/x', mode: 0o104755, actor: { pid: 5, comm: 'chmod', uid: 0, exe: '/usr/bin/chmod', ancestors: [{ comm: 'bash' }] } },
    parseRulesConfig(undefined, 'p'),
    CONTEXT,
  );
  assert.equal(rulesOf(alerts), ['setuid_added']);
  assert.is(alerts[0]!.source, 'event');
  assert.is(alerts[0]!.operation, 'chmod');
  assert.equal(alerts[0]!.by, { pid: 5, comm: 'chmod', uid: 0, exe: '/usr/bin/chmod' });
  assert.equal(evaluateEvent({ operation: 'write', path: '/etc/passwd', actor: { pid: 1, comm: 'x', uid: 0 } }, parseRulesConfig(undefined, 'p'), CONTEXT), []);
});

test.run();
