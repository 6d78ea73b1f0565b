import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { snapshotPath } from '../../../src/state/fileSnapshot.js';
import { TEST_KEY, fixturePath, makeTempDir } from '../../fixtures/state/helpers.js';

const options = (extra: object = {}) => ({ hmacKey: TEST_KEY, secretPrefixes: [] as string[], textMaxBytes: 1024, ...extra });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('regular text file: metadata, SHA-256 and content model', async () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'passwd');
    copyFileSync(fixturePath('passwd.old'), path);
    const snap = (await snapshotPath(path, options()))!;
    assert.is(snap.fileType, 'file');
    assert.is(snap.sha256, sha(readFileSync(path)));
    assert.is(snap.size, readFileSync(path).length);
    assert.is(snap.mode & 0o170000, 0o100000);
    assert.is(snap.content.kind, 'passwd');
    assert.is(typeof snap.ino, 'bigint');
  } finally {
    tmp.cleanup();
  }
});

test('extended attributes: read from the open file, summarized; not known without a reader or when it fails', async () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'tool');
    writeFileSync(path, 'x');
    const seen: number[] = [];
    const cap = Buffer.from('0100000280000000000000000000000000000000', 'hex');
    const reader = (fd: number) => {
      seen.push(fd);
      return { entries: [{ name: Buffer.from('security.capability'), value: cap }, { name: Buffer.from('user.note'), value: Buffer.from('secret') }] };
    };
    const snap = (await snapshotPath(path, options({ readXattrs: reader })))!;
    assert.equal(Object.keys(snap.xattrs!), ['security.capability', 'user.note']);
    assert.is(snap.xattrs!['security.capability'], 'cap_setuid=ep');
    assert.match(snap.xattrs!['user.note']!, /^hmac:[0-9a-f]{16} \(6 bytes\)$/);
    assert.ok(seen.length === 1 && seen[0]! >= 0, 'the fd of the file opened for the snapshot');
    assert.is((await snapshotPath(path, options()))!.xattrs, null);
    const failing = () => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    };
    const snap2 = (await snapshotPath(path, options({ readXattrs: failing })))!;
    assert.is(snap2.xattrs, null);
    assert.is(snap2.sha256, sha(Buffer.from('x')), 'the rest of the snapshot still counts');
    symlinkSync(path, join(tmp.dir, 'link'));
    assert.is((await snapshotPath(join(tmp.dir, 'link'), options({ readXattrs: reader })))!.xattrs, null, 'a symlink is not opened');
  } finally {
    tmp.cleanup();
  }
});

test('symlinks are recorded as links, not followed', async () => {
  const tmp = makeTempDir();
  try {
    writeFileSync(join(tmp.dir, 'real'), 'secret content\n');
    symlinkSync(join(tmp.dir, 'real'), join(tmp.dir, 'link'));
    const snap = (await snapshotPath(join(tmp.dir, 'link'), options()))!;
    assert.is(snap.fileType, 'symlink');
    assert.is(snap.sha256, null);
    assert.equal(snap.content, { kind: 'symlink', target: join(tmp.dir, 'real') });
  } finally {
    tmp.cleanup();
  }
});

test('binary, too large, missing, directory', async () => {
  const tmp = makeTempDir();
  try {
    const bin = join(tmp.dir, 'bin');
    copyFileSync(fixturePath('binary.old'), bin);
    const b = (await snapshotPath(bin, options()))!;
    assert.equal(b.content, { kind: 'binary' });
    assert.is(b.sha256, sha(readFileSync(bin)));
    const big = join(tmp.dir, 'big.txt');
    writeFileSync(big, 'a\n'.repeat(1000));
    const t = (await snapshotPath(big, options()))!;
    assert.equal(t.content, { kind: 'too_large' });
    assert.is(t.sha256, sha(readFileSync(big)));
    const huge = (await snapshotPath(big, options({ maxHashBytes: 100 })))!;
    assert.is(huge.sha256, null);
    assert.is(await snapshotPath(join(tmp.dir, 'nope'), options()), null);
    assert.is(await snapshotPath(join(tmp.dir, 'nope', 'x'), options()), null);
    mkdirSync(join(tmp.dir, 'd'));
    assert.is(await snapshotPath(join(tmp.dir, 'd'), options()), null);
  } finally {
    tmp.cleanup();
  }
});

test('secret files: line count and keyed digest, no SHA-256, no content', async () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'keys', 'id_ed25519');
    mkdirSync(join(tmp.dir, 'keys'));
    writeFileSync(path, 'PRIVATE LINE ONE\nPRIVATE LINE TWO\nlast');
    const snap = (await snapshotPath(path, options({ secretPrefixes: [join(tmp.dir, 'keys') + '/'] })))!;
    assert.is(snap.sha256, null);
    assert.is(snap.content.kind, 'secret');
    assert.is((snap.content as { lineCount: number }).lineCount, 3);
    assert.not.ok(JSON.stringify(snap.content).includes('PRIVATE'));
  } finally {
    tmp.cleanup();
  }
});

test('a FIFO is recorded as special without blocking', async () => {
  const tmp = makeTempDir();
  try {
    const fifo = join(tmp.dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return;
    const snap = (await snapshotPath(fifo, options()))!;
    assert.is(snap.fileType, 'special');
    assert.equal(snap.content, { kind: 'special' });
  } finally {
    tmp.cleanup();
  }
});

test.run();
