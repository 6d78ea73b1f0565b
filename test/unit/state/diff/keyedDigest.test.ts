import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyedDigest } from '../../../../src/state/diff/keyedDigest.js';

test('depends on key and value; hex SHA-256 length', () => {
  const a = keyedDigest(Buffer.alloc(32, 1), 'secret');
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.is(a, keyedDigest(Buffer.alloc(32, 1), 'secret'));
  assert.is.not(a, keyedDigest(Buffer.alloc(32, 2), 'secret'));
  assert.is.not(a, keyedDigest(Buffer.alloc(32, 1), 'secreT'));
});

test.run();
