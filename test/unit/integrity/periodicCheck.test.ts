import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startPeriodicCheck } from '../../../src/integrity/periodicCheck.js';
import type { IntegrityCheckResult, IntegrityFinding } from '../../../src/integrity/selfIntegrityChecker.js';

/** A manual timer: nothing fires until the test says so. */
function fakeTimers() {
  let nextId = 1;
  const pending = new Map<number, { fn: () => void; ms: number }>();
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      pending.set(id, { fn, ms });
      return id;
    },
    clearTimer: (id: number) => {
      pending.delete(id);
    },
    /** Fires every timer pending right now. */
    fireAll() {
      const due = [...pending.entries()];
      pending.clear();
      for (const [, t] of due) t.fn();
    },
    delays: () => [...pending.values()].map((t) => t.ms),
  };
}

/** A checker whose checks finish only when the test resolves them. */
function controlledChecker() {
  const waiting: ((r: IntegrityCheckResult) => void)[] = [];
  let active = 0;
  let maxActive = 0;
  let started = 0;
  return {
    checker: {
      check: () =>
        new Promise<IntegrityCheckResult>((resolve) => {
          started++;
          active++;
          maxActive = Math.max(maxActive, active);
          waiting.push((r) => {
            active--;
            resolve(r);
          });
        }),
    },
    finish(findings: IntegrityFinding[] = []) {
      const next = waiting.shift();
      assert.ok(next, 'no check is running');
      next({ findings, filesChecked: 3 });
    },
    get started() {
      return started;
    },
    get maxActive() {
      return maxActive;
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const mismatch: IntegrityFinding = { type: 'integrity', status: 'mismatch', file: '/x', expected: 'a', actual: 'b' };

test('the first check waits one interval, or runs at once with immediate', () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  const periodic = startPeriodicCheck(c.checker, { intervalMs: 30_000, onFindings: () => {}, ...timers });
  assert.equal(timers.delays(), [30_000]);
  void periodic.stop();

  const timers2 = fakeTimers();
  const periodic2 = startPeriodicCheck(c.checker, { intervalMs: 30_000, onFindings: () => {}, immediate: true, ...timers2 });
  assert.equal(timers2.delays(), [0]);
  void periodic2.stop();
});

test('never overlaps: the next check is scheduled only after the previous one finished', async () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  const periodic = startPeriodicCheck(c.checker, { intervalMs: 1000, onFindings: () => {}, ...timers });
  timers.fireAll();
  assert.is(c.started, 1);
  assert.equal(timers.delays(), [], 'no timer while a check runs');
  await flush();
  assert.equal(timers.delays(), []);
  c.finish();
  await flush();
  assert.equal(timers.delays(), [1000]);
  timers.fireAll();
  assert.is(c.started, 2);
  c.finish();
  await flush();
  assert.is(c.maxActive, 1);
  await periodic.stop();
});

test('a timer callback fired twice does not start a second check', async () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  const periodic = startPeriodicCheck(c.checker, { intervalMs: 1000, onFindings: () => {}, ...timers });
  const [first] = [...timers.pending.values()];
  first!.fn();
  first!.fn();
  assert.is(c.started, 1);
  assert.is(c.maxActive, 1);
  c.finish();
  await periodic.stop();
});

test('onFindings gets findings only when there are some', async () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  const seen: [IntegrityFinding[], number][] = [];
  const periodic = startPeriodicCheck(c.checker, {
    intervalMs: 1000,
    onFindings: (findings, result) => {
      seen.push([findings, result.filesChecked]);
    },
    ...timers,
  });
  timers.fireAll();
  c.finish([]);
  await flush();
  timers.fireAll();
  c.finish([mismatch]);
  await flush();
  assert.equal(seen, [[[mismatch], 3]]);
  await periodic.stop();
});

test('stop() cancels the pending timer and schedules nothing more', async () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  const periodic = startPeriodicCheck(c.checker, { intervalMs: 1000, onFindings: () => {}, ...timers });
  await periodic.stop();
  assert.is(timers.pending.size, 0);
  await periodic.stop(); // idempotent
  assert.is(c.started, 0);
});

test('stop() during a check waits for it, drops its findings and schedules nothing', async () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  const seen: IntegrityFinding[][] = [];
  const periodic = startPeriodicCheck(c.checker, { intervalMs: 1000, onFindings: (f) => void seen.push(f), ...timers });
  timers.fireAll();
  let stopped = false;
  const stopping = periodic.stop().then(() => {
    stopped = true;
  });
  await flush();
  assert.not.ok(stopped, 'stop() resolves only after the running check');
  c.finish([mismatch]);
  await stopping;
  assert.equal(seen, []);
  assert.is(timers.pending.size, 0);
});

test('stop() during a check aborts it (a stop need not wait for a whole check); stop() when idle aborts nothing', async () => {
  const timers = fakeTimers();
  let aborts = 0;
  const c = controlledChecker();
  const checker = { check: c.checker.check, abort: () => void aborts++ };
  const idle = startPeriodicCheck(checker, { intervalMs: 1000, onFindings: () => {}, ...timers });
  await idle.stop();
  assert.is(aborts, 0, 'no check in progress: nothing to abort');
  const periodic = startPeriodicCheck(checker, { intervalMs: 1000, onFindings: () => {}, ...timers });
  timers.fireAll();
  const stopping = periodic.stop();
  assert.is(aborts, 1);
  c.finish([]);
  await stopping;
});

test('a failing check or onFindings goes to onError and checks continue', async () => {
  const timers = fakeTimers();
  const errors: unknown[] = [];
  let n = 0;
  const periodic = startPeriodicCheck(
    {
      check: async () => {
        n++;
        if (n === 1) throw new Error('check broke');
        return { findings: [mismatch], filesChecked: 1 };
      },
    },
    {
      intervalMs: 1000,
      onFindings: () => {
        throw new Error('output broke');
      },
      onError: (err) => errors.push(err),
      ...timers,
    },
  );
  timers.fireAll();
  await flush();
  timers.fireAll();
  await flush();
  assert.equal(
    errors.map((e) => (e as Error).message),
    ['check broke', 'output broke'],
  );
  assert.equal(timers.delays(), [1000]);
  await periodic.stop();
});

test('an async onFindings is awaited before the next check is scheduled', async () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  let release: () => void = () => {};
  const periodic = startPeriodicCheck(c.checker, {
    intervalMs: 1000,
    onFindings: () => new Promise<void>((resolve) => (release = resolve)),
    ...timers,
  });
  timers.fireAll();
  c.finish([mismatch]);
  await flush();
  assert.equal(timers.delays(), []);
  release();
  await flush();
  assert.equal(timers.delays(), [1000]);
  await periodic.stop();
});

test('rejects a bad interval', () => {
  const timers = fakeTimers();
  const c = controlledChecker();
  for (const intervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => startPeriodicCheck(c.checker, { intervalMs, onFindings: () => {}, ...timers }), RangeError);
  }
});

test.run();
