import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicyError } from '../../../src/policy/policyError.js';
import { RULES } from '../../../src/rules/catalog.js';
import { defaultRulesConfig, parseRulesConfig } from '../../../src/rules/rulesConfig.js';

test('absent section: every rule on, at its own severity', () => {
  const config = parseRulesConfig(undefined, 'p.json');
  assert.equal(config, defaultRulesConfig());
  assert.is(Object.keys(config.rules).length, RULES.length);
  for (const rule of RULES) assert.equal(config.rules[rule.id], { enabled: true, severity: rule.severity });
  assert.equal(parseRulesConfig({}, 'p.json'), defaultRulesConfig());
});

test('a rule switched off, another re-graded; the rest untouched', () => {
  const config = parseRulesConfig({ account_removed: { enabled: false }, timestomp: { severity: 'low', enabled: true } }, 'p.json');
  assert.equal(config.rules.account_removed, { enabled: false, severity: 'low' });
  assert.equal(config.rules.timestomp, { enabled: true, severity: 'low' });
  assert.equal(config.rules.account_uid0_added, { enabled: true, severity: 'critical' });
  // a fresh default each time (no shared state)
  assert.is(defaultRulesConfig().rules.account_removed.enabled, true);
});

function rejects(raw: unknown, field: string, expected?: RegExp): void {
  try {
    parseRulesConfig(raw, 'policy.json');
  } catch (error) {
    assert.instance(error, PolicyError);
    assert.is((error as PolicyError).file, 'policy.json');
    assert.is((error as PolicyError).field, field);
    if (expected) assert.match((error as PolicyError).message, expected);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

test('errors: unknown rule ids, unknown keys, wrong types, unknown severities', () => {
  rejects([], 'rules');
  rejects('off', 'rules');
  rejects({ acount_added: { enabled: false } }, 'rules.acount_added', /expected one of the known keys \(account_uid0_added, .*got an unknown key/);
  rejects(JSON.parse('{"__proto__": {"enabled": false}}'), 'rules.__proto__');
  rejects({ toString: {} }, 'rules.toString');
  rejects({ timestomp: false }, 'rules.timestomp');
  rejects({ timestomp: { enable: false } }, 'rules.timestomp.enable');
  rejects({ timestomp: { enabled: 'no' } }, 'rules.timestomp.enabled');
  rejects({ timestomp: { severity: 'severe' } }, 'rules.timestomp.severity', /expected one of "info", "low", "medium", "high", "critical", got "severe"/);
  rejects({ timestomp: { severity: 3 } }, 'rules.timestomp.severity');
});

test.run();
