import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_DIFF_LIMITS, pushBounded } from '../../../../src/state/diff/limits.js';

test('pushBounded stops at the bound', () => {
  const list: number[] = [];
  assert.ok(pushBounded(list, 1, 2));
  assert.ok(pushBounded(list, 2, 2));
  assert.not.ok(pushBounded(list, 3, 2));
  assert.equal(list, [1, 2]);
});

test('defaults are positive', () => {
  for (const value of Object.values(DEFAULT_DIFF_LIMITS)) assert.ok(value > 0);
});

test.run();
