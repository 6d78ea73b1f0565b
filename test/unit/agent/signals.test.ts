import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ALLOWED_UNDER_PROTECT,
  describeReport,
  EARLY_SIGNALS_KEY,
  IGNORED_SIGNALS,
  installSignalHandling,
  RELOAD_SIGNALS,
  REPORT_INTERVAL_MS,
  REPORTED_SIGNALS,
  signalDispositions,
  signalNumbers,
  STOP_SIGNALS,
  type SignalReport,
} from '../../../src/agent/signals.js';

function setUp(early?: string[]) {
  const target = new EventEmitter();
  const reports: SignalReport[] = [];
  let now = 0;
  const handling = installSignalHandling({
    target: target as unknown as Parameters<typeof installSignalHandling>[0]['target'],
    onReport: (r) => reports.push(r),
    now: () => now,
    early: early ?? [],
  });
  return { target, reports, handling, advance: (ms: number) => (now += ms) };
}

test('SIGTERM, SIGINT and SIGHUP are left to the stop requests and the reload signal', () => {
  const { target } = setUp();
  for (const s of [...STOP_SIGNALS, ...RELOAD_SIGNALS]) assert.is(target.listenerCount(s), 0, s);
});

test('every other signal whose default would end or stop the agent is caught and reported', () => {
  const { target, reports } = setUp();
  for (const s of REPORTED_SIGNALS) {
    assert.is(target.listenerCount(s), 1, `${s} has a listener`);
    target.emit(s);
  }
  assert.equal(reports.map((r) => r.signal), [...REPORTED_SIGNALS]);
  assert.ok(reports.every((r) => r.action === 'ignored' && !r.early));
  for (const s of ['SIGUSR1', 'SIGUSR2', 'SIGQUIT', 'SIGABRT', 'SIGALRM', 'SIGTSTP', 'SIGXCPU']) assert.ok((REPORTED_SIGNALS as readonly string[]).includes(s), s);
});

test('SIGTTIN and SIGTTOU get no listener (they are SIG_IGN), and SIGSEGV and friends are left to V8', () => {
  const { target } = setUp();
  for (const s of [...IGNORED_SIGNALS, 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL']) assert.is(target.listenerCount(s), 0, s);
  assert.equal(signalNumbers(IGNORED_SIGNALS), [21, 22]);
});

test('a flood of one signal gives one line per interval, with the count of the rest', () => {
  const { target, reports, handling, advance } = setUp();
  for (let i = 0; i < 100; i++) target.emit('SIGUSR2');
  assert.is(reports.length, 1);
  advance(REPORT_INTERVAL_MS);
  target.emit('SIGUSR2');
  assert.is(reports.length, 2);
  assert.is(reports[1].suppressed, 99);
  target.emit('SIGUSR2');
  handling.flush();
  assert.equal(reports[2], { signal: 'SIGUSR2', action: 'ignored', suppressed: 1, early: false });
  target.emit('SIGQUIT'); // another signal is not held back by the first one's interval
  assert.is(reports[3].signal, 'SIGQUIT');
});

test('signals noted by the launcher before the handlers were in place are reported as early', () => {
  const early = ['SIGUSR1'];
  const { reports } = setUp(early);
  assert.equal(reports, [{ signal: 'SIGUSR1', action: 'ignored', suppressed: 0, early: true }]);
  assert.equal(early, [], 'drained');
});

test('by default the early signals come from the launcher global, which then stops collecting', () => {
  const g = globalThis as Record<symbol, unknown>;
  g[EARLY_SIGNALS_KEY] = ['SIGUSR1'];
  const reports: SignalReport[] = [];
  const h = installSignalHandling({ target: new EventEmitter() as never, onReport: (r) => reports.push(r), now: () => 0 });
  assert.is(reports.length, 1);
  assert.is(g[EARLY_SIGNALS_KEY], null);
  h.uninstall();
});

test('uninstall removes every listener', () => {
  const { target, handling } = setUp();
  handling.uninstall();
  for (const s of REPORTED_SIGNALS) assert.is(target.listenerCount(s), 0, s);
});

test('report lines say what happened and how to stop the agent', () => {
  assert.match(describeReport({ signal: 'SIGQUIT', action: 'ignored', suppressed: 3, early: false }), /SIGQUIT handled \(and 3 more since the last line\): ignored, still running \(stop the agent with SIGTERM or SIGINT\)/);
  assert.match(describeReport({ signal: 'SIGUSR1', action: 'ignored', suppressed: 0, early: true }), /during start-up/);
});

test('the ready line lists what stops, what reloads, what is reported, and what --protect allows', () => {
  assert.equal(signalDispositions(true).allowedUnderProtect, ALLOWED_UNDER_PROTECT);
  assert.is(signalDispositions(true).unhandled, null);
  assert.ok(signalDispositions(false).unhandled?.includes('SIGSEGV'));
  assert.is(signalDispositions(false).allowedUnderProtect, null);
  assert.equal(signalDispositions(false).stop, ['SIGTERM', 'SIGINT']);
  assert.equal(signalDispositions(false).reload, ['SIGHUP']);
});

test('ALLOWED_UNDER_PROTECT is the list the kernel guard allows (bpf/lsm/guard.bpf.h)', () => {
  const source = readFileSync(fileURLToPath(new URL('../../../bpf/lsm/guard.bpf.h', import.meta.url)), 'utf8');
  const body = /lw_signal_allowed_under_protect\(int sig\)\s*\{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  const inKernel = [...body.matchAll(/case LW_(SIG\w+):/g)].map((m) => m[1]).sort();
  assert.equal(inKernel, [...ALLOWED_UNDER_PROTECT].sort());
});

test.run();
