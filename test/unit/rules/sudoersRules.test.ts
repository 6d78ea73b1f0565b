import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skipsPassword } from '../../../src/rules/sudoersRules.js';
import { DPKG, alertsFor, change, rulesOf } from '../../fixtures/rules/helpers.js';

const SUDOERS = 'Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n';

test('skipsPassword: NOPASSWD tags and !authenticate', () => {
  assert.ok(skipsPassword('eve ALL=(ALL) NOPASSWD: ALL'));
  assert.ok(skipsPassword('eve ALL=(ALL) NOPASSWD:ALL'));
  assert.ok(skipsPassword('Defaults:eve !authenticate'));
  assert.not.ok(skipsPassword('eve ALL=(ALL) PASSWD: ALL'));
  assert.not.ok(skipsPassword('eve ALL=(ALL) ALL'));
});

test('sudoers_rule_added: a visudo-style drop-in with NOPASSWD, marked', () => {
  const alerts = alertsFor(change('/etc/sudoers.d/90-eve', null, '# added by hand\neve ALL=(ALL) NOPASSWD: ALL\n'));
  assert.equal(rulesOf(alerts), ['sudoers_rule_added']);
  const [alert] = alerts;
  assert.is(alert!.severity, 'high');
  assert.is(alert!.attack, 'T1548.003');
  assert.is(alert!.action, 'created');
  assert.is(alert!.message, 'sudoers rule added in /etc/sudoers.d/90-eve: "eve ALL=(ALL) NOPASSWD: ALL" (NOPASSWD: no password asked)');
  assert.equal(alert!.details, { line: 'eve ALL=(ALL) NOPASSWD: ALL', nopasswd: true });
  // one alert per rule line; continuation lines are one rule
  const two = alertsFor(change('/etc/sudoers', SUDOERS, SUDOERS + 'bob ALL=(ALL) \\\n  /usr/bin/apt\nDefaults:bob !authenticate\n'));
  assert.equal(two.map((a) => a.details.nopasswd), [false, true]);
  assert.is(two[0]!.details.line, 'bob ALL=(ALL) /usr/bin/apt');
});

test('sudoers_rule_added negative: comments only, a removed rule, the package manager', () => {
  assert.equal(alertsFor(change('/etc/sudoers', SUDOERS, SUDOERS + '# eve ALL=(ALL) NOPASSWD: ALL\n\n')), []);
  assert.equal(alertsFor(change('/etc/sudoers', SUDOERS, SUDOERS.replace('%sudo ALL=(ALL:ALL) ALL\n', ''))), []);
  assert.equal(alertsFor(change('/etc/sudoers.d/README', null, 'Defaults lecture=always\n', { by: DPKG })), []);
});

test('sudoers_rule_added: a sudoers file that cannot be diffed still says it changed', () => {
  const alerts = alertsFor(change('/etc/sudoers.d/blob', null, Buffer.from([0x65, 0x00, 0x76])));
  assert.equal(rulesOf(alerts), ['sudoers_rule_added']);
  assert.is(alerts[0]!.message, 'sudoers file /etc/sudoers.d/blob changed (binary, not diffed)');
});

test.run();
