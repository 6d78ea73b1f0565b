import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newProcess, ProcessCache } from '../../../src/process/processCache.js';

const TICK = 10_000_000n;

test('found by pid and exact start; another start of the same pid is another process', () => {
  const cache = new ProcessCache(16);
  const a = newProcess(300, 100n * TICK + 5n, true, 'a');
  cache.insert(a);
  assert.is(cache.find(300, 100n * TICK + 5n), a);
  assert.is(cache.find(300, 100n * TICK + 6n), undefined, 'exact starts must be equal');
  assert.is(cache.find(301, 100n * TICK + 5n), undefined);
  assert.is(a.key, '300@100');
});

test('a start known only in ticks (/proc) matches the kernel\'s ns start and learns it', () => {
  const cache = new ProcessCache(16);
  const fromProc = newProcess(300, 100n * TICK, false, 'bash');
  cache.insert(fromProc);
  assert.is(cache.find(300, 100n * TICK + 1234n), fromProc);
  assert.is(fromProc.startNs, 100n * TICK + 1234n);
  assert.ok(fromProc.exactStart);
  assert.is(cache.find(300, 100n * TICK + 999n), undefined, 'now exact: another ns is another process');
  assert.is(fromProc.key, '300@100', 'the key does not change');
});

test('a reused pid keeps its earlier processes behind the newest, in start order, a few of them', () => {
  const cache = new ProcessCache(16);
  const starts = [10n, 30n, 20n, 40n, 50n, 60n].map((t) => t * TICK);
  const entries = starts.map((s, i) => newProcess(7, s, true, `p${i}`));
  for (const e of entries.slice(0, 3)) cache.insert(e);
  assert.is(cache.newest(7)?.comm, 'p1', 'the one that started last');
  assert.is(cache.find(7, 20n * TICK)?.comm, 'p2');
  assert.is(cache.find(7, 10n * TICK)?.comm, 'p0');
  for (const e of entries.slice(3)) cache.insert(e);
  assert.is(cache.size, 1, 'one pid');
  assert.is(cache.find(7, 60n * TICK)?.comm, 'p5');
  assert.is(cache.find(7, 10n * TICK), undefined, 'the oldest went');
});

test('least recently used pids are evicted and counted', () => {
  const cache = new ProcessCache(2);
  cache.insert(newProcess(1, TICK, true, 'a'));
  cache.insert(newProcess(2, TICK, true, 'b'));
  cache.find(1, TICK); // 1 used: 2 is the oldest
  cache.insert(newProcess(3, TICK, true, 'c'));
  assert.ok(cache.find(1, TICK));
  assert.is(cache.find(2, TICK), undefined);
  assert.is(cache.evicted, 1);
});

test.run();
