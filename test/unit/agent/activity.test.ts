import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActivity, ACTIVITY_HALF_LIFE_S } from '../../../src/agent/activity.js';
import { fileEvent, proc, ptraceEvent } from '../../fixtures/agent/fakes.js';

const S = 1_000_000_000n;

test('totals count operations (an aggregated write as its count); the busiest come first', () => {
  const a = createActivity();
  a.consume(fileEvent({ process: proc({ pid: 1, comm: { text: 'dd' } }), path: { text: '/etc/a' }, count: 500, timeNs: 10n * S }));
  a.consume(fileEvent({ process: proc({ pid: 2, comm: { text: 'vim' } }), path: { text: '/etc/b' }, count: 1, timeNs: 10n * S }));
  a.consume(ptraceEvent({ process: proc({ pid: 2, comm: { text: 'vim' } }), timeNs: 10n * S }));
  const procs = a.busiestProcesses(10n * S, 10);
  assert.equal(procs.map((p) => [p.pid, p.comm, p.total]), [[1, 'dd', 500], [2, 'vim', 2]]);
  assert.equal(a.busiestPaths(10n * S, 10).map((p) => [p.path, p.total]), [['/etc/a', 500], ['/etc/b', 1]]);
});

test('rates decay: one half-life later the rate is half', () => {
  const a = createActivity();
  a.consume(fileEvent({ count: 100, timeNs: 0n }));
  const now = a.busiestPaths(0n, 1)[0]!.rate;
  const later = a.busiestPaths(BigInt(ACTIVITY_HALF_LIFE_S) * S, 1)[0]!.rate;
  assert.ok(Math.abs(later - now / 2) < 1e-9, `${now} → ${later}`);
  assert.ok(Math.abs(now - (100 * Math.LN2) / ACTIVITY_HALF_LIFE_S) < 1e-9);
});

test('bounded: least recently active keys leave; a lost path is not a path', () => {
  const a = createActivity(3);
  for (let i = 0; i < 10; i++) a.consume(fileEvent({ process: proc({ pid: i }), path: { text: `/p${i}` }, timeNs: BigInt(i) * S }));
  a.consume(fileEvent({ path: null, timeNs: 11n * S }));
  assert.equal(a.busiestPaths(11n * S, 10).map((p) => p.path).sort(), ['/p7', '/p8', '/p9']);
  assert.is(a.busiestProcesses(11n * S, 10).length, 3);
});

test.run();
