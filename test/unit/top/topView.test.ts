import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTopFrame, formatRate } from '../../../src/top/topView.js';
import type { TopSnapshot } from '../../../src/agent/topSnapshot.js';

function snap(over: Partial<TopSnapshot> = {}): TopSnapshot {
  return {
    time: '2026-12-01T12:00:00.000Z', version: '0.1.0', sensor: 'tracepoint', pid: 77, uptime_seconds: 3725,
    events: { open: 200, write: 10 }, operations: { open: 200, write: 5000 }, alerts: [], recent_alerts: [], lost: 0,
    losses: { kernel_ring: 0, kernel_aggregated: 0, agent_queue: 0, decode: 0, output: 0 }, kernel: { seen: 9, filtered: 1, emitted: 8 },
    queue: { bytes: 0, capacity: 32 * 1024 * 1024 }, processes: [{ pid: 4321, comm: 'writer', rate: 50, total: 200 }],
    paths: [{ path: '/tmp/box/watched/a', rate: 50, total: 200 }], policy_sha256: 'abcdef0123456789', watch_entries: 2, healthy: true, ...over,
  };
}

test('rates from two snapshots, totals, the busiest, plain text without colour', () => {
  const before = snap({ events: { open: 100, write: 5 }, operations: { open: 100, write: 2500 } });
  const text = renderTopFrame(snap(), { snapshot: before, secondsAgo: 2 }, { width: 100, height: 40, color: false }).join('\n');
  assert.match(text, /^lsmwatch top  healthy  tracepoint sensor, pid 77, up 1:02:05$/m);
  assert.match(text, /^open\s+50\.0\s+200\s+50\.0\s+200$/m);
  assert.match(text, /^write\s+2\.5\s+10\s+1250\s+5000$/m);
  assert.match(text, /^\s+4321 writer\s+50\.0\s+200$/m);
  assert.match(text, /^\s+\/tmp\/box\/watched\/a\s+50\.0\s+200$/m);
  assert.match(text, /^LOST 0 /m);
  assert.not.match(text, /\x1b\[/, 'no escape sequences without colour');
  assert.match(text, /q or Ctrl-C: quit/);
});

test('the first frame has no rates yet; colour only when asked', () => {
  const lines = renderTopFrame(snap(), null, { width: 100, height: 40, color: true });
  assert.match(lines.find((l) => l.startsWith('open'))!, /^open\s+-\s+200\s+-\s+200$/);
  assert.ok(lines.some((l) => l.includes('\x1b[')), 'colour codes when colour is on');
});

test('strings from events cannot reach the terminal raw, and lines fit the width', () => {
  const evil = snap({
    processes: [{ pid: 1, comm: 'x\x1b[2Jy', rate: 1, total: 1 }],
    paths: [{ path: `/tmp/${'d/'.repeat(100)}\x1b]0;pwned\x07`, rate: 1, total: 1 }],
    recent_alerts: [{ time: '2026-12-01T12:00:01Z', rule: 'r\x1b[31m', severity: 'high', summary: 'bad\x9bname' }],
    alerts: [{ rule: 'r', severity: 'high', count: 1 }],
  });
  const lines = renderTopFrame(evil, null, { width: 80, height: 40, color: false });
  const text = lines.join('\n');
  assert.not.ok(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text), JSON.stringify(text));
  assert.match(text, /x\\x1b\[2Jy/);
  for (const l of lines) assert.ok(l.length <= 80, `${l.length}: ${l}`);
  assert.match(text, /ALERTS 1/);
});

test('formatRate', () => {
  assert.equal([formatRate(null), formatRate(0), formatRate(2.25), formatRate(1234.5)], ['-', '0.0', '2.3', '1235']);
});

test.run();
