import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareSnapshots, formatMode, formatNanoTime, hasChanged, hasSameContent, isUnchangedReplace } from '../../../src/state/changeRecord.js';
import type { FileSnapshot } from '../../../src/state/fileSnapshot.js';
import { snapshotPath } from '../../../src/state/fileSnapshot.js';
import { TEST_KEY, fixturePath, makeTempDir } from '../../fixtures/state/helpers.js';

function snap(over: Partial<FileSnapshot> = {}): FileSnapshot {
  return {
    path: '/etc/x',
    fileType: 'file',
    dev: 1n,
    ino: 100n,
    size: 2,
    mode: 0o100644,
    uid: 0,
    gid: 0,
    mtimeNs: 1_000_000_000n,
    sha256: 'a'.repeat(64),
    content: { kind: 'text', lines: ['a'] },
    xattrs: null,
    ...over,
  };
}

test('formatting of mode and nanosecond times', () => {
  assert.is(formatMode(0o104755), '4755');
  assert.is(formatMode(0o100600), '0600');
  assert.is(formatNanoTime(1714564800123456789n), '2024-05-01T12:00:00.123456789Z');
  assert.is(formatNanoTime(-1n), '1969-12-31T23:59:59.999999999Z');
  assert.is(formatNanoTime(10n ** 30n), null);
});

test('no change: same hash and metadata (mtime moving forward alone does not count)', () => {
  assert.is(compareSnapshots('/etc/x', snap(), snap()), null);
  assert.is(compareSnapshots('/etc/x', snap(), snap({ mtimeNs: 5_000_000_000n })), null);
  assert.is(compareSnapshots('/etc/x', null, null), null);
});

test('actions: created, deleted, modified (content or metadata), replaced (other inode or type)', () => {
  assert.is(compareSnapshots('/etc/x', null, snap())!.action, 'created');
  assert.is(compareSnapshots('/etc/x', snap(), null)!.action, 'deleted');
  assert.is(compareSnapshots('/etc/x', snap(), snap({ mode: 0o100666 }))!.action, 'modified');
  assert.is(compareSnapshots('/etc/x', snap(), snap({ uid: 1000 }))!.action, 'modified');
  const modified = compareSnapshots('/etc/x', snap(), snap({ sha256: 'b'.repeat(64), content: { kind: 'text', lines: ['b'] } }))!;
  assert.is(modified.action, 'modified');
  assert.equal(modified.diff, { kind: 'text', added: ['b'], removed: ['a'], addedCount: 1, removedCount: 1, truncated: false });
  assert.is(compareSnapshots('/etc/x', snap(), snap({ ino: 101n }))!.action, 'replaced');
  assert.is(compareSnapshots('/etc/x', snap(), snap({ fileType: 'symlink', sha256: null, content: { kind: 'symlink', target: '/x' } }))!.action, 'replaced');
  // Without hashes (secret files) the models decide.
  const secret = (digest: string) => snap({ sha256: null, content: { kind: 'secret', lineCount: 1, digest } });
  assert.not.ok(hasChanged(secret('d1'), secret('d1')));
  assert.ok(hasChanged(secret('d1'), secret('d2')));
});

test('mtime moved backwards on the same file is a change (only utimensat does that)', () => {
  const record = compareSnapshots('/etc/x', snap({ mtimeNs: 1_700_000_000_000_000_000n }), snap({ mtimeNs: 946_684_800_000_000_000n }))!;
  assert.is(record.action, 'modified');
  assert.is(record.content_changed, false);
  assert.is(record.new!.mtime, '2000-01-01T00:00:00.000000000Z');
  assert.equal(record.diff, { kind: 'text', added: [], removed: [], addedCount: 0, removedCount: 0, truncated: false });
});

test('content_changed: false when both sides hold the same content, absent otherwise', () => {
  // package reinstall: new inode, same bytes, mode and owner
  const reinstall = compareSnapshots('/usr/bin/ls', snap(), snap({ ino: 200n }))!;
  assert.is(reinstall.action, 'replaced');
  assert.is(reinstall.content_changed, false);
  assert.ok(isUnchangedReplace(reinstall));
  // same bytes but the mode changed: still a finding for the rules
  const chmod = compareSnapshots('/usr/bin/ls', snap(), snap({ ino: 200n, mode: 0o104755 }))!;
  assert.is(chmod.content_changed, false);
  assert.not.ok(isUnchangedReplace(chmod));
  assert.not.ok(isUnchangedReplace(compareSnapshots('/usr/bin/ls', snap(), snap({ ino: 200n, uid: 1000 }))!));
  assert.is(compareSnapshots('/etc/x', snap(), snap({ mode: 0o100600 }))!.content_changed, false);
  // different content, or a side missing: no field
  const edited = compareSnapshots('/etc/x', snap(), snap({ ino: 200n, sha256: 'b'.repeat(64) }))!;
  assert.is(edited.content_changed, undefined);
  assert.not.ok(isUnchangedReplace(edited));
  assert.is(compareSnapshots('/etc/x', null, snap())!.content_changed, undefined);
  assert.is(compareSnapshots('/etc/x', snap(), null)!.content_changed, undefined);
  // without hashes the models and sizes decide
  const secret = (digest: string, size = 2) => snap({ sha256: null, size, content: { kind: 'secret', lineCount: 1, digest } });
  assert.ok(hasSameContent(secret('d'), secret('d')));
  assert.not.ok(hasSameContent(secret('d'), secret('e')));
  assert.not.ok(hasSameContent(secret('d'), secret('d', 3)));
  assert.not.ok(hasSameContent(snap(), snap({ sha256: null })));
});

test('extended attributes: a set, changed or removed one is a change; not known on either side is none', () => {
  const cap = { 'security.capability': 'cap_setuid=ep' };
  const set = compareSnapshots('/etc/x', snap({ xattrs: {} }), snap({ xattrs: cap }))!;
  assert.is(set.action, 'modified');
  assert.is(set.content_changed, false);
  assert.equal(set.xattr_changes, [{ name: 'security.capability', before: null, after: 'cap_setuid=ep' }]);
  assert.equal(set.new!.xattrs, cap);
  assert.is('xattrs' in set.old!, false, 'none: no xattrs field');
  const removed = compareSnapshots('/etc/x', snap({ xattrs: cap }), snap({ xattrs: {} }))!;
  assert.equal(removed.xattr_changes, [{ name: 'security.capability', before: 'cap_setuid=ep', after: null }]);
  assert.is(compareSnapshots('/etc/x', snap({ xattrs: null }), snap({ xattrs: cap })), null, 'an old baseline row: not known');
  assert.is(compareSnapshots('/etc/x', snap({ xattrs: cap }), snap({ xattrs: null })), null);
  assert.is(compareSnapshots('/etc/x', snap({ xattrs: cap }), snap({ xattrs: { ...cap } })), null);
  // a replace that keeps everything but the attributes is not an unchanged replace
  const swapped = compareSnapshots('/etc/x', snap({ xattrs: {} }), snap({ ino: 101n, xattrs: cap }))!;
  assert.is(swapped.action, 'replaced');
  assert.not.ok(isUnchangedReplace(swapped));
  assert.ok(isUnchangedReplace(compareSnapshots('/etc/x', snap({ xattrs: cap }), snap({ ino: 101n, xattrs: cap }))!));
});

test('record shape: old/new state, by, offline flag', () => {
  const record = compareSnapshots('/etc/x', snap(), snap({ sha256: 'b'.repeat(64) }), { by: { pid: 7, comm: 'vi', uid: 0 } })!;
  assert.equal(record.old, { fileType: 'file', size: 2, mode: '0644', uid: 0, gid: 0, mtime: '1970-01-01T00:00:01.000000000Z', sha256: 'a'.repeat(64), inode: 100 });
  assert.equal(record.by, { pid: 7, comm: 'vi', uid: 0 });
  assert.is(record.offline, undefined);
  assert.is(compareSnapshots('/etc/x', snap(), null, { offline: true })!.offline, true);
  assert.is(compareSnapshots('/etc/x', snap({ ino: 2n ** 60n }), null)!.old!.inode, (2n ** 60n).toString());
});

test('binary file change is reported by hash only', async () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'tool');
    const options = { hmacKey: TEST_KEY, secretPrefixes: [], textMaxBytes: 1024 };
    copyFileSync(fixturePath('binary.old'), path);
    const before = await snapshotPath(path, options);
    copyFileSync(fixturePath('binary.new'), path);
    const after = await snapshotPath(path, options);
    const record = compareSnapshots(path, before, after)!;
    const sha = (name: string) => createHash('sha256').update(readFileSync(fixturePath(name))).digest('hex');
    assert.is(record.action, 'modified');
    assert.equal(record.diff, { kind: 'hash', reason: 'binary' });
    assert.is(record.old!.sha256, sha('binary.old'));
    assert.is(record.new!.sha256, sha('binary.new'));
  } finally {
    tmp.cleanup();
  }
});

test.run();
