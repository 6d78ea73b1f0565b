import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LruMap } from '../../../src/shared/lruMap.js';

const keysOf = (lru: LruMap<string, number>) => [...lru.entriesOldestFirst()].map(([k]) => k);

test('evicts the least recently used entry and returns its value', () => {
  const lru = new LruMap<string, number>(3);
  assert.is(lru.set('a', 1), undefined);
  assert.is(lru.set('b', 2), undefined);
  assert.is(lru.set('c', 3), undefined);
  assert.is(lru.get('a'), 1); // a becomes most recent; b is now the oldest
  assert.is(lru.set('d', 4), 2);
  assert.equal(keysOf(lru), ['c', 'a', 'd']);
  assert.is(lru.size, 3);
});

test('peek does not refresh; replacing a key does not evict', () => {
  const lru = new LruMap<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.is(lru.peek('a'), 1);
  assert.is(lru.set('b', 20), undefined);
  assert.equal(keysOf(lru), ['a', 'b']);
  assert.is(lru.set('c', 3), 1);
  assert.equal(keysOf(lru), ['b', 'c']);
});

test('getting the newest key repeatedly keeps order; deleting it resets the shortcut', () => {
  const lru = new LruMap<string, number>(3);
  lru.set('a', 1);
  lru.set('b', 2);
  for (let i = 0; i < 3; i++) assert.is(lru.get('b'), 2);
  assert.equal(keysOf(lru), ['a', 'b']);
  assert.ok(lru.delete('b'));
  lru.set('c', 3);
  lru.set('b', 2);
  assert.is(lru.get('a'), 1);
  assert.equal(keysOf(lru), ['c', 'b', 'a']);
  assert.is(lru.get('missing'), undefined);
});

test('size never exceeds the capacity', () => {
  const lru = new LruMap<number, number>(10);
  for (let i = 0; i < 1000; i++) {
    lru.set(i, i);
    assert.ok(lru.size <= 10);
  }
  assert.equal([...lru.values()], [990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
});

test('evictOldest removes from the least recently used end; nodes are reused correctly afterwards', () => {
  const lru = new LruMap<string, number>(3);
  assert.is(lru.evictOldest(), undefined);
  lru.set('a', 1);
  lru.set('b', 2);
  lru.set('c', 3);
  lru.get('a');
  assert.is(lru.evictOldest(), 2);
  assert.is(lru.peek('b'), undefined);
  lru.set('d', 4); // takes the evicted node
  assert.equal(keysOf(lru), ['c', 'a', 'd']);
  assert.is(lru.evictOldest(), 3);
  assert.is(lru.evictOldest(), 1);
  assert.is(lru.evictOldest(), 4);
  assert.is(lru.size, 0);
  assert.equal(keysOf(lru), []);
  lru.set('e', 5);
  assert.equal(keysOf(lru), ['e']);
});

test('oldestValue peeks at the eviction candidate; clear empties', () => {
  const lru = new LruMap<string, number>(3);
  assert.is(lru.oldestValue(), undefined);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.is(lru.oldestValue(), 1);
  lru.set('a', 10); // replacing refreshes
  assert.is(lru.oldestValue(), 2);
  assert.equal(keysOf(lru), ['b', 'a']);
  lru.clear();
  assert.is(lru.size, 0);
  assert.is(lru.oldestValue(), undefined);
  assert.is(lru.get('a'), undefined);
  lru.set('c', 3);
  assert.equal(keysOf(lru), ['c']);
});

test('deleting the current entry while iterating oldest first', () => {
  const lru = new LruMap<string, number>(5);
  for (const [k, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) lru.set(k, v);
  const seen: string[] = [];
  for (const [key, value] of lru.entriesOldestFirst()) {
    seen.push(key);
    if (value % 2 === 1) lru.delete(key);
  }
  assert.equal(seen, ['a', 'b', 'c', 'd']);
  assert.equal(keysOf(lru), ['b', 'd']);
  assert.is(lru.delete('a'), false);
});

test('capacity must be a positive integer', () => {
  assert.throws(() => new LruMap(0), RangeError);
  assert.throws(() => new LruMap(1.5), RangeError);
});

test.run();
