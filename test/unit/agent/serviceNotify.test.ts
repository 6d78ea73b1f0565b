import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServiceNotifier } from '../../../src/agent/serviceNotify.js';

function notifier(env: Record<string, string | undefined>, result = 0) {
  const sent: Array<[string, string]> = [];
  const errors: string[] = [];
  const n = createServiceNotifier({ send: (s, m) => (sent.push([s, m]), result), env, pid: 42, monotonicUs: () => 123n, onError: (m) => errors.push(m) });
  return { n, sent, errors };
}

test('without NOTIFY_SOCKET nothing is sent', () => {
  const t = notifier({});
  t.n.ready('x');
  t.n.stopping();
  assert.is(t.n.active, false);
  assert.equal(t.sent, []);
});

test('READY=1 with a status, RELOADING=1 with the monotonic time, STOPPING=1', () => {
  const t = notifier({ NOTIFY_SOCKET: '/run/systemd/notify' });
  t.n.ready('watching 3 paths\nwith the lsm sensor');
  t.n.reloading();
  t.n.reloaded();
  t.n.stopping();
  assert.equal(t.sent.map(([, m]) => m), ['READY=1\nSTATUS=watching 3 paths with the lsm sensor', 'RELOADING=1\nMONOTONIC_USEC=123', 'READY=1', 'STOPPING=1']);
  assert.ok(t.sent.every(([s]) => s === '/run/systemd/notify'));
});

test('a failing socket is reported once', () => {
  const t = notifier({ NOTIFY_SOCKET: '@x' }, 111);
  t.n.ready('a');
  t.n.stopping();
  assert.equal(t.errors, ['telling systemd "READY=1" over @x failed (errno 111)']);
});

test('watchdog pings at half of WATCHDOG_USEC, only for this pid', () => {
  const intervals: number[] = [];
  const fakeSet = (fn: () => void, ms: number) => {
    intervals.push(ms);
    fn();
    return { unref() {} };
  };
  const t = notifier({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' });
  const stop = t.n.startWatchdog(fakeSet, () => {});
  assert.equal(intervals, [30000]);
  assert.equal(t.sent.map(([, m]) => m), ['WATCHDOG=1']);
  stop();
  const other = notifier({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' });
  other.n.startWatchdog(fakeSet, () => {});
  assert.equal(other.sent, []);
});

test.run();
