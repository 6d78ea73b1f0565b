import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitForStdoutFlush } from '../../../src/cli/exitFlush.js';

/** A fake clock and a queue that the reader empties by `perPoll` bytes per poll (0: stalled). */
function fakeStdout(pending: number, perPoll: (poll: number) => number) {
  let t = 0;
  let polls = 0;
  return {
    deps: {
      pendingBytes: () => pending,
      sleep: async (ms: number) => {
        t += ms;
        pending = Math.max(0, pending - perPoll(polls++));
      },
      now: () => t,
    },
    elapsed: () => t,
  };
}

test('nothing queued: done at once', async () => {
  const f = fakeStdout(0, () => 0);
  assert.is(await waitForStdoutFlush(f.deps), true);
  assert.is(f.elapsed(), 0);
});

test('a slow reader that keeps reading gets everything, even past the stall time', async () => {
  const f = fakeStdout(16 * 1024 * 1024, () => 64 * 1024); // 16 MiB at 64 KiB per 50 ms: 12.8 s
  assert.is(await waitForStdoutFlush(f.deps), true);
  assert.ok(f.elapsed() > 5000, `took ${f.elapsed()} ms`);
});

test('a reader that stopped reading is given up on after the stall time', async () => {
  const f = fakeStdout(1000, (poll) => (poll < 10 ? 10 : 0));
  assert.is(await waitForStdoutFlush({ ...f.deps, stallMs: 2000 }), false);
  assert.ok(f.elapsed() >= 2000 && f.elapsed() < 3000, `gave up after ${f.elapsed()} ms`);
});

test('a trickle never holds the exit longer than maxMs', async () => {
  const f = fakeStdout(1e9, () => 1);
  assert.is(await waitForStdoutFlush({ ...f.deps, maxMs: 10_000 }), false);
  assert.ok(f.elapsed() >= 10_000 && f.elapsed() < 10_100);
});

test.run();
