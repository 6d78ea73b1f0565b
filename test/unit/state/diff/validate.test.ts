import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRecord, isStringArray } from '../../../../src/state/diff/validate.js';

test('isRecord / isStringArray', () => {
  assert.ok(isRecord({}));
  assert.not.ok(isRecord([]));
  assert.not.ok(isRecord(null));
  assert.ok(isStringArray(['a']));
  assert.ok(isStringArray([]));
  assert.not.ok(isStringArray(['a', 1]));
  assert.not.ok(isStringArray('a'));
});

test.run();
