import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createInodePaths } from '../../../src/events/inodePaths.js';

test('remembers the last path of an inode, per device', () => {
  const paths = createInodePaths(8);
  paths.remember(1, 10n, Buffer.from('/a'));
  paths.remember(1, 10n, Buffer.from('/b'));
  paths.remember(2, 10n, Buffer.from('/other-dev'));
  assert.equal(paths.lookup(1, 10n), Buffer.from('/b'));
  assert.equal(paths.lookup(2, 10n), Buffer.from('/other-dev'));
  assert.is(paths.lookup(1, 11n), undefined);
});

test('ignores records without an inode or a path', () => {
  const paths = createInodePaths(8);
  paths.remember(1, 0n, Buffer.from('/x'));
  paths.remember(1, 5n, Buffer.alloc(0));
  assert.is(paths.size, 0);
});

test('stays bounded, forgetting the least recently remembered first', () => {
  const paths = createInodePaths(3);
  for (let i = 1; i <= 3; i++) paths.remember(1, BigInt(i), Buffer.from(`/f${i}`));
  paths.remember(1, 1n, Buffer.from('/f1')); // refreshed: now the newest
  paths.remember(1, 4n, Buffer.from('/f4'));
  assert.is(paths.size, 3);
  assert.is(paths.lookup(1, 2n), undefined);
  assert.ok(paths.lookup(1, 1n));
  assert.ok(paths.lookup(1, 4n));
});

test.run();
