import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mappingFollower, type MappingFollowerDeps } from '../../../src/agent/mappingFollower.js';

function fakeDeps() {
  const touched: string[] = [];
  const alive = new Set<number>();
  const handover = new Map<number, number>(); // a gone holder → the child that maps the file still
  let clock = 0;
  let tick: (() => void) | null = null;
  let cancels = 0;
  const deps: MappingFollowerDeps = {
    touch: (path) => touched.push(path),
    holderOf: (h) => (alive.has(h.pid) ? h.pid : (handover.get(h.pid) ?? null)),
    now: () => clock,
    every: (fn) => {
      tick = fn;
      return () => {
        cancels++;
        tick = null;
      };
    },
  };
  return {
    deps,
    touched,
    alive,
    handover,
    advance(ms: number) {
      clock += ms;
      tick?.();
    },
    get running() {
      return tick !== null;
    },
    get cancels() {
      return cancels;
    },
  };
}

const by = { pid: 7, comm: 'w' } as never;
const h = (pid: number) => ({ pid, kernelDev: 0x28, ino: 49n });
const opts = { pollMs: 1000, maxPollMs: 4000, maxFollowed: 2 };

test('compares the file while the mapping process lives, once more after it exits, then stops polling', () => {
  const f = fakeDeps();
  const follower = mappingFollower(f.deps, opts);
  f.alive.add(7);
  follower.follow('/etc/a', h(7), by);
  assert.ok(f.running);
  f.advance(1000);
  f.advance(1000);
  assert.equal(f.touched, ['/etc/a'], 'the second interval is twice the first');
  f.advance(1000);
  assert.equal(f.touched, ['/etc/a', '/etc/a']);
  f.alive.delete(7);
  f.advance(1000);
  assert.equal(f.touched, ['/etc/a', '/etc/a', '/etc/a'], 'the last comparison as soon as the process is gone');
  assert.is(follower.size, 0);
  assert.not.ok(f.running, 'no timer left when nothing is followed');
  f.advance(1000);
  assert.is(f.touched.length, 3);
});

test('a holder gone is replaced by the child that still maps the file: compared at once, then followed by the child', () => {
  const f = fakeDeps();
  const follower = mappingFollower(f.deps, opts);
  f.alive.add(7);
  follower.follow('/etc/a', h(7), by);
  f.advance(1000);
  f.advance(1000); // 2 s: not due (next at 3 s)
  assert.is(f.touched.length, 1);
  f.alive.delete(7);
  f.alive.add(9);
  f.handover.set(7, 9);
  f.advance(100);
  assert.is(f.touched.length, 2, 'compared as the holder changed, not at the next due time');
  f.advance(1000);
  assert.is(f.touched.length, 3, 'the new holder starts at the first interval');
  assert.is(follower.size, 1);
  f.alive.delete(9);
  f.advance(100);
  assert.is(f.touched.length, 4);
  assert.is(follower.size, 0, 'no process maps it any more');
});

test('a long-lived mapping is compared at most every maxPollMs, for as long as its process lives', () => {
  const f = fakeDeps();
  const follower = mappingFollower(f.deps, opts);
  f.alive.add(7);
  follower.follow('/etc/a', h(7), by);
  for (let i = 0; i < 100; i++) f.advance(1000);
  // at 1, 3, 7, then every 4 s: 1 + 1 + 1 + floor((100 - 7) / 4)
  assert.is(f.touched.length, 3 + Math.floor(93 / 4));
  assert.is(follower.size, 1);
});

test('bounded: past maxFollowed the oldest is compared once more and dropped (counted)', () => {
  const f = fakeDeps();
  const follower = mappingFollower(f.deps, opts);
  f.alive.add(7);
  follower.follow('/etc/a', h(7), by);
  follower.follow('/etc/b', h(7), by);
  follower.follow('/etc/c', h(7), by);
  assert.equal(f.touched, ['/etc/a']);
  assert.is(follower.dropped, 1);
  assert.is(follower.size, 2);
  f.advance(1000);
  assert.equal(f.touched.slice(1).sort(), ['/etc/b', '/etc/c']);
});

test('a second mapping of the same file follows it anew (by its process, at the first interval), not twice', () => {
  const f = fakeDeps();
  const follower = mappingFollower(f.deps, opts);
  f.alive.add(7);
  f.alive.add(8);
  follower.follow('/etc/a', h(7), by);
  for (let i = 0; i < 20; i++) f.advance(1000);
  const before = f.touched.length;
  follower.follow('/etc/a', h(8), by);
  assert.is(follower.size, 1);
  f.alive.delete(7);
  f.advance(1000);
  assert.is(f.touched.length, before + 1, 'compared after pollMs again');
  assert.is(follower.size, 1, 'followed while the newer mapper lives');
  follower.stop();
  assert.not.ok(f.running);
  assert.is(f.cancels, 1);
});

test.run();
