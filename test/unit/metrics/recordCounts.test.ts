import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRecordCounts, alertSeverity } from '../../../src/metrics/recordCounts.js';

test('events by type with the operations they stand for; the rest by type and status', () => {
  const c = createRecordCounts();
  c.sink.write({ type: 'write', count: 500 });
  c.sink.write({ type: 'write', count: 1 });
  c.sink.write({ type: 'open' });
  c.sink.write({ type: 'integrity', status: 'baseline' });
  c.sink.write({ type: 'policy', status: 'rejected' });
  c.sink.write({ type: 'stats' });
  assert.equal(c.events(), { write: 2, open: 1 });
  assert.equal(c.operations(), { write: 501, open: 1 });
  assert.equal([...c.byType()], [['integrity:baseline', 1], ['policy:rejected', 1], ['stats', 1]]);
  assert.equal(c.sink.counts(), { written: 6, dropped: 0 });
  assert.ok(c.sink.accepts({ type: 'ready' }));
});

test('alerts by rule and severity (fixed grades for the detectors), the last ten kept', () => {
  const c = createRecordCounts();
  for (let i = 0; i < 12; i++) c.sink.write({ type: 'alert', rule: 'write_burst_pid', phase: 'start', time: `t${i}`, comm: 'dd', path: '/etc/x' });
  c.sink.write({ type: 'alert', rule: 'account_added', severity: 'medium', message: 'account "eve" added', time: 'u' });
  assert.equal([...c.alerts()], [['write_burst_pid\tmedium', 12], ['account_added\tmedium', 1]]);
  const recent = c.recentAlerts();
  assert.is(recent.length, 10);
  assert.equal(recent.at(-1), { time: 'u', rule: 'account_added', severity: 'medium', summary: 'account "eve" added' });
  assert.equal(recent[0], { time: 't3', rule: 'write_burst_pid', severity: 'medium', phase: 'start', summary: 'dd /etc/x' });
  assert.is(alertSeverity({ type: 'alert', rule: 'something_new' }), 'unknown');
});

test.run();
