import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffLines } from '../../../../src/state/diff/lineDiff.js';

const limits = { maxLinesPerSide: 100, maxLineLength: 512, maxEditDistance: 1000 };

test('minimal edit script in order', () => {
  const diff = diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'], limits);
  assert.equal(diff.removed, ['b']);
  assert.equal(diff.added, ['x', 'e']);
  assert.is(diff.addedCount, 2);
  assert.is(diff.removedCount, 1);
  assert.is(diff.truncated, false);
  assert.is(diff.approximate, undefined);
});

test('from and to empty', () => {
  assert.equal(diffLines([], ['a', 'b'], limits).added, ['a', 'b']);
  assert.equal(diffLines(['a', 'b'], [], limits).removed, ['a', 'b']);
  assert.equal(diffLines(['a'], ['a'], limits).added, []);
});

test('moved line shows as removed and added', () => {
  const diff = diffLines(['a', 'b', 'c'], ['b', 'c', 'a'], limits);
  assert.is(diff.addedCount, 1);
  assert.is(diff.removedCount, 1);
});

test('output is bounded: line count and line length, with truncated flag', () => {
  const many = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  const diff = diffLines([], many, { ...limits, maxLinesPerSide: 10 });
  assert.is(diff.added.length, 10);
  assert.is(diff.addedCount, 50);
  assert.ok(diff.truncated);
  const long = diffLines([], ['y'.repeat(2000)], { ...limits, maxLineLength: 20 });
  assert.ok(long.truncated);
  assert.ok(long.added[0]!.length <= 21);
});

test('beyond the edit-distance bound it falls back to a multiset diff', () => {
  const a = Array.from({ length: 40 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 40 }, (_, i) => `b${i}`);
  const diff = diffLines([...a, 'same'], ['same', ...b], { ...limits, maxEditDistance: 10 });
  assert.is(diff.approximate, true);
  assert.is(diff.addedCount, 40);
  assert.is(diff.removedCount, 40);
});

test.run();
