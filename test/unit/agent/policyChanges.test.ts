import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffPolicies, snakeCase } from '../../../src/agent/policyChanges.js';
import { parseAgentPolicy } from '../../../src/agent/agentPolicy.js';

const policy = (doc: Record<string, unknown>) => parseAgentPolicy(JSON.stringify({ watch: ['/etc/'], ...doc }), '/p.json');

test('the same policy: no changes', () => {
  assert.equal(diffPolicies(policy({}), policy({})), { changes: {}, requiresRestart: [] });
});

test('lists: what was added and removed, in the file\'s names', () => {
  const d = diffPolicies(policy({ ignore: ['/etc/x/'] }), policy({ watch: ['/etc/', '/srv/'], watch_reads: ['/etc/shadow'] }));
  assert.equal(d.changes.watch, { added: ['/srv/'], removed: [] });
  assert.equal(d.changes.watch_reads, { added: ['/etc/shadow'], removed: [] });
  assert.equal(d.changes.ignore, { added: [], removed: ['/etc/x/'] });
  assert.equal(d.requiresRestart, []);
});

test('object sections: changed keys in snake_case, nested ones dotted', () => {
  const d = diffPolicies(policy({}), policy({ detect: { burst_factor: 8 }, state: { retention: { max_rows: 10 } }, ptrace: { deny_read: true } }));
  assert.equal(d.changes.detect, { changed: ['burst_factor'] });
  assert.equal(d.changes.ptrace, { changed: ['deny_read'] });
  assert.equal(d.changes.state, { changed: ['retention.max_rows'] });
});

test('baseline paths are a list: added and removed', () => {
  const d = diffPolicies(policy({ state: { baseline: ['/etc/passwd', '/etc/group'] } }), policy({ state: { baseline: ['/etc/passwd', '/srv/app'] } }));
  assert.equal(d.changes.state, { baseline_added: ['/srv/app'], baseline_removed: ['/etc/group'], changed: ['baseline'] });
});

test('what the programs fixed at load (aggregation window) and the metrics socket need a restart', () => {
  const d = diffPolicies(policy({}), policy({ aggregate: { window_ms: 250 }, metrics: { listen: '9464' }, stats: { interval: 5 } }));
  assert.equal(d.requiresRestart, ['aggregate.window_ms', 'metrics.listen']);
  assert.equal(d.changes.stats, { changed: ['interval'] });
});

test('snakeCase', () => {
  assert.is(snakeCase('pidFloorWritesPerSecond'), 'pid_floor_writes_per_second');
  assert.is(snakeCase('interval'), 'interval');
});

test.run();
