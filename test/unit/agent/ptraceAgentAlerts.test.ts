import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPtraceAgentAggregator, type PtraceAgentBurst } from '../../../src/agent/ptraceAgentAlerts.js';
import { proc, ptraceEvent } from '../../fixtures/agent/fakes.js';

/** Timers run by hand, in the order asked. */
function fakeTimers() {
  const pending: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  return {
    pending,
    setTimeout: (fn: () => void, ms: number) => {
      const t = { fn, ms, cleared: false };
      pending.push(t);
      return t;
    },
    clearTimeout: (t: unknown) => ((t as { cleared: boolean }).cleared = true),
    /** runs the oldest live timer */
    fire() {
      const t = pending.find((p) => !p.cleared);
      if (!t) throw new Error('no timer');
      t.cleared = true;
      t.fn();
      return t.ms;
    },
    live: () => pending.filter((p) => !p.cleared).length,
  };
}

const gdb = proc({ comm: { text: 'gdb' }, pid: 7, key: '7:1' });
const find = proc({ comm: { text: 'find' }, pid: 8, key: '8:1' });

function setup(maxKeys?: number) {
  const timers = fakeTimers();
  const raised: PtraceAgentBurst[] = [];
  const agg = createPtraceAgentAggregator({ ...timers, raise: (b) => raised.push(b), holdMs: 10, quietMs: 100, ...(maxKeys ? { maxKeys } : {}) });
  return { timers, raised, agg };
}

test('repeats within the hold are one alert with the count, the first and the last', () => {
  const { timers, raised, agg } = setup();
  agg.add(ptraceEvent({ process: gdb, time: 'a' }));
  agg.add(ptraceEvent({ process: gdb, time: 'b' }));
  agg.add(ptraceEvent({ process: gdb, time: 'c' }));
  assert.is(raised.length, 0);
  assert.is(timers.fire(), 10);
  assert.equal(raised.map((b) => [b.count, b.first.time, b.last.time, b.repeat]), [[3, 'a', 'c', false]]);
});

test('a quiet period after the alert: its repeats are one more alert at its end; a silent one forgets the process', () => {
  const { timers, raised, agg } = setup();
  agg.add(ptraceEvent({ process: gdb }));
  timers.fire(); // hold
  agg.add(ptraceEvent({ process: gdb, time: 'x' }));
  agg.add(ptraceEvent({ process: gdb, time: 'y' }));
  assert.is(raised.length, 1, 'nothing while quiet');
  assert.is(timers.fire(), 100);
  assert.equal(raised.map((b) => [b.count, b.repeat]), [[1, false], [2, true]]);
  assert.is(timers.fire(), 100, 'a new quiet period');
  assert.is(raised.length, 2, 'nothing more to raise');
  assert.is(agg.size, 0, 'forgotten');
  assert.is(timers.live(), 0);
});

test('an attach and the requests that follow it (PTRACE_DETACH) are one alert, named attach', () => {
  const { timers, raised, agg } = setup();
  agg.add(ptraceEvent({ process: gdb, access: 'request', request: 'PTRACE_PEEKDATA', decision: 'allow', time: 'a' }));
  agg.add(ptraceEvent({ process: gdb, access: 'attach', decision: 'allow', time: 'b' }));
  agg.add(ptraceEvent({ process: gdb, access: 'request', request: 'PTRACE_DETACH', decision: 'allow', time: 'c' }));
  timers.fire();
  assert.equal(raised.map((b) => [b.first.access, b.first.time, b.count, b.last.time]), [['attach', 'b', 3, 'c']]);
});

test('processes, kinds (read, trace) and decisions are kept apart', () => {
  const { timers, raised, agg } = setup();
  agg.add(ptraceEvent({ process: gdb, access: 'attach', decision: 'allow' }));
  agg.add(ptraceEvent({ process: gdb, access: 'read', decision: 'allow' }));
  agg.add(ptraceEvent({ process: gdb, access: 'attach', decision: 'deny' }));
  agg.add(ptraceEvent({ process: find, access: 'attach', decision: 'allow' }));
  assert.is(agg.size, 4);
  for (let i = 0; i < 4; i++) timers.fire();
  assert.equal(raised.map((b) => b.count), [1, 1, 1, 1]);
});

test('past the key bound the oldest is raised at once; flush raises everything held and drops the timers', () => {
  const { timers, raised, agg } = setup(2);
  agg.add(ptraceEvent({ process: gdb }));
  agg.add(ptraceEvent({ process: gdb }));
  agg.add(ptraceEvent({ process: find }));
  agg.add(ptraceEvent({ process: proc({ pid: 9, key: '9:1' }) }));
  assert.equal(raised.map((b) => [b.first.process.pid, b.count]), [[7, 2]]);
  agg.flush();
  assert.equal(raised.map((b) => b.first.process.pid).sort(), [7, 8, 9]);
  assert.is(agg.size, 0);
  assert.is(timers.live(), 0);
});

test.run();
