import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OTHER_ALERT_SEVERITIES, SEVERITIES, atLeast, integritySeverity, isSeverity, severityRank } from '../../../src/shared/severity.js';

test('severities are ordered info < low < medium < high < critical', () => {
  assert.equal([...SEVERITIES], ['info', 'low', 'medium', 'high', 'critical']);
  assert.is(severityRank('info'), 0);
  assert.is(severityRank('critical'), 4);
  assert.ok(atLeast('high', 'medium'));
  assert.ok(atLeast('medium', 'medium'));
  assert.not.ok(atLeast('low', 'medium'));
});

test('isSeverity accepts only the five names', () => {
  for (const s of SEVERITIES) assert.ok(isSeverity(s));
  for (const s of ['HIGH', 'warning', '', 3, null, undefined, 'toString']) assert.not.ok(isSeverity(s), String(s));
});

test('grades for records without a severity of their own', () => {
  assert.is(OTHER_ALERT_SEVERITIES.ptrace_agent, 'high');
  assert.is(OTHER_ALERT_SEVERITIES.write_burst_pid, 'medium');
  assert.ok(Object.isFrozen(OTHER_ALERT_SEVERITIES));
  assert.is(integritySeverity('baseline'), 'info');
  assert.is(integritySeverity('resolved'), 'info');
  assert.is(integritySeverity('mismatch'), 'critical');
  assert.is(integritySeverity(undefined), 'critical');
});

test.run();
