import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { digestFile, isSha256Hex, sha256File } from '../../../src/integrity/fileDigest.js';

let dir = '';
test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-digest-'));
});
test.after.each(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

test('digestFile hashes content and counts bytes, across many chunks', async () => {
  const big = Buffer.alloc(300 * 1024 + 7, 0x61);
  fs.writeFileSync(path.join(dir, 'big'), big);
  const digest = await digestFile(path.join(dir, 'big'));
  assert.equal(digest, { sha256: sha(big), size: big.length });
});

test('digestFile of an empty file', async () => {
  fs.writeFileSync(path.join(dir, 'empty'), '');
  assert.equal(await digestFile(path.join(dir, 'empty')), { sha256: sha(''), size: 0 });
});

test('sha256File returns just the hex digest', async () => {
  fs.writeFileSync(path.join(dir, 'a'), 'hello\n');
  assert.is(await sha256File(path.join(dir, 'a')), sha('hello\n'));
});

test('a missing file rejects with ENOENT', async () => {
  const err = await sha256File(path.join(dir, 'nope')).catch((e: NodeJS.ErrnoException) => e);
  assert.instance(err, Error);
  assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
});

test('a directory rejects with EISDIR', async () => {
  fs.mkdirSync(path.join(dir, 'sub'));
  const err = await sha256File(path.join(dir, 'sub')).catch((e: NodeJS.ErrnoException) => e);
  assert.is((err as NodeJS.ErrnoException).code, 'EISDIR');
});

test('a FIFO is refused instead of blocking', async () => {
  const fifo = path.join(dir, 'fifo');
  const { spawnSync } = await import('node:child_process');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo here: nothing to test
  const err = await sha256File(fifo).catch((e: NodeJS.ErrnoException) => e);
  assert.is((err as NodeJS.ErrnoException).code, 'ENOTREG');
});

test('isSha256Hex accepts only lowercase 64-digit hex', () => {
  assert.ok(isSha256Hex(sha('x')));
  assert.not.ok(isSha256Hex(sha('x').toUpperCase()));
  assert.not.ok(isSha256Hex(sha('x').slice(1)));
  assert.not.ok(isSha256Hex(42));
});

test.run();
