import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configFileRule, permissionWeakenings } from '../../../src/rules/configFileRule.js';
import { CONTEXT, change } from '../../fixtures/rules/helpers.js';

const rule = configFileRule({
  id: 'cron_job_changed',
  severity: 'high',
  attack: 'T1053.003',
  trigger: 'test',
  packageManagerExempt: true,
  noun: 'test file',
  matches: (path) => path.startsWith('/t/'),
  executes: true,
  mark: (line) => (line.includes('evil') ? 'evil' : null),
});

test('findings: added lines with marks, created vs changed', () => {
  const findings = rule.onChange!(change('/t/a', null, 'ok\nevil\n'), CONTEXT);
  assert.equal(findings, [{
    message: 'test file /t/a created: "ok"; "evil"; evil',
    details: { added_lines: ['ok', 'evil'], added_count: 2, marked_lines: [{ line: 'evil', note: 'evil' }] },
  }]);
  assert.is(rule.onChange!(change('/t/a', 'x\n', 'x\ny\n'), CONTEXT)[0]!.message, 'test file /t/a changed: "y"');
  assert.equal(rule.onChange!(change('/u/a', null, 'evil\n'), CONTEXT), [], 'outside the class');
});

test('permission weakenings: world-writable, made executable, given away from root', () => {
  const mode = (old: number, now: number, uid = 0) => change('/t/a', { content: 'x', mode: old }, { content: 'x', mode: now, uid });
  assert.equal(permissionWeakenings(mode(0o100644, 0o100666), false), ['made writable by every user']);
  assert.equal(permissionWeakenings(mode(0o100644, 0o100755), true), ['made executable']);
  assert.equal(permissionWeakenings(mode(0o100644, 0o100755), false), [], 'only where files are run');
  assert.equal(permissionWeakenings(mode(0o100644, 0o100644, 1000), false), ['now owned by uid 1000']);
  assert.equal(permissionWeakenings(change('/t/a', { content: 'x', mode: 0o100666 }, { content: 'y', mode: 0o100666 }), true), [], 'already so');
  assert.equal(permissionWeakenings(change('/t/l', null, { content: '', symlink: '/x' }), true), [], 'a symlink\'s 0777 means nothing');
  const finding = rule.onChange!(mode(0o100644, 0o100666), CONTEXT)[0]!;
  assert.is(finding.message, 'test file /t/a changed: made writable by every user');
  assert.equal(finding.details, { permissions: ['made writable by every user'], mode: '0666', uid: 0 });
});

test.run();
