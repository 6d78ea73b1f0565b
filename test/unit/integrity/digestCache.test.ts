import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDigestCache } from '../../../src/integrity/digestCache.js';

function setUp() {
  const files = new Map<string, { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint; content: string }>();
  let now = 0;
  const hashes: string[] = [];
  const cache = createDigestCache({
    stat: async (p) => {
      const f = files.get(p);
      if (!f) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { dev: 1n, ino: f.ino, size: f.size, mtimeNs: f.mtimeNs, ctimeNs: f.ctimeNs };
    },
    hashFile: async (p) => {
      hashes.push(p);
      return `sha(${files.get(p)!.content})`;
    },
    now: () => now,
    largeFileBytes: 100,
    maxAgeMs: 1000,
  });
  return { files, cache, hashes, advance: (ms: number) => (now += ms) };
}

test('small files are hashed every time', async () => {
  const { files, cache, hashes } = setUp();
  files.set('/a', { ino: 1n, size: 10n, mtimeNs: 1n, ctimeNs: 1n, content: 'a' });
  await cache.hash('/a');
  await cache.hash('/a');
  assert.is(hashes.length, 2);
});

test('a large file is hashed again only when size, mtime or ctime change, or after maxAgeMs', async () => {
  const { files, cache, hashes, advance } = setUp();
  files.set('/node', { ino: 7n, size: 1000n, mtimeNs: 1n, ctimeNs: 1n, content: 'v1' });
  assert.is(await cache.hash('/node'), 'sha(v1)');
  assert.is(await cache.hash('/node'), 'sha(v1)');
  assert.is(hashes.length, 1);
  files.set('/node', { ino: 7n, size: 1000n, mtimeNs: 1n, ctimeNs: 2n, content: 'v2' }); // a write moves ctime
  assert.is(await cache.hash('/node'), 'sha(v2)');
  assert.is(hashes.length, 2);
  advance(1000);
  await cache.hash('/node');
  assert.is(hashes.length, 3, 're-hashed once old');
});

test('the same inode reached by two paths (/proc/self/exe and /usr/bin/node) is one entry', async () => {
  const { files, cache, hashes } = setUp();
  const node = { ino: 9n, size: 1000n, mtimeNs: 1n, ctimeNs: 1n, content: 'node' };
  files.set('/proc/self/exe', node);
  files.set('/usr/bin/node', node);
  await cache.hash('/proc/self/exe');
  assert.is(await cache.hash('/usr/bin/node'), 'sha(node)');
  assert.is(hashes.length, 1);
  assert.is(cache.hashed, 1);
});

test('a missing file rejects with its code (the checker reports it as missing)', async () => {
  const { cache } = setUp();
  const err = await cache.hash('/gone').catch((e: NodeJS.ErrnoException) => e);
  assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
});

test.run();
