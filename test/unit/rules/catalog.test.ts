import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RULES, RULE_IDS, findRule } from '../../../src/rules/catalog.js';
import { isSeverity } from '../../../src/shared/severity.js';
import { OTHER_ALERT_SEVERITIES } from '../../../src/shared/severity.js';

test('every rule: unique snake_case id, a severity, an ATT&CK technique id, a trigger, something to judge', () => {
  assert.is(new Set(RULE_IDS).size, RULES.length);
  for (const rule of RULES) {
    assert.match(rule.id, /^[a-z][a-z0-9_]+$/);
    assert.ok(isSeverity(rule.severity), rule.id);
    assert.match(rule.attack, /^T\d{4}(\.\d{3})?$/, rule.id);
    assert.ok(rule.trigger.length > 10, rule.id);
    assert.ok(rule.onChange || rule.onEvent, rule.id);
    assert.is(findRule(rule.id), rule);
    assert.not.ok(rule.id in OTHER_ALERT_SEVERITIES, `${rule.id} clashes with an older alert rule`);
  }
  assert.is(findRule('nope'), undefined);
  assert.is(findRule('constructor'), undefined);
});

test('the rules the issue asks for are there, with their techniques', () => {
  const expected: Record<string, string> = {
    account_uid0_added: 'T1136.001',
    account_added: 'T1136.001',
    password_removed: 'T1098',
    sudoers_rule_added: 'T1548.003',
    ssh_authorized_key_added: 'T1098.004',
    ld_preload_written: 'T1574.006',
    ld_so_conf_changed: 'T1574.006',
    setuid_added: 'T1548.001',
    file_capability_added: 'T1548',
    cron_job_changed: 'T1053.003',
    systemd_unit_changed: 'T1543.002',
    systemd_timer_changed: 'T1053.006',
    pam_config_changed: 'T1556.003',
    shell_startup_changed: 'T1546.004',
    sshd_config_weakened: 'T1556',
    system_binary_changed: 'T1554',
    timestomp: 'T1070.006',
    mount_over_watched: 'T1564.013',
    kernel_module_config_changed: 'T1547.006',
  };
  for (const [id, attack] of Object.entries(expected)) assert.is(findRule(id)?.attack, attack, id);
  // never excused for a package manager: no package does these
  for (const id of ['account_uid0_added', 'account_uid0_granted', 'password_removed', 'ssh_authorized_key_added', 'ld_preload_written']) {
    assert.is(findRule(id)!.packageManagerExempt, false, id);
  }
});

test.run();
