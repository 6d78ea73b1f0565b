import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UnsafeStateFileError, ensurePrivateFile, ensureSideFiles, existingSideFiles, tightenSideFiles } from '../../../src/state/privateFile.js';
import { makeTempDir } from '../../fixtures/state/helpers.js';

const modeOf = (p: string) => statSync(p).mode & 0o7777;

test('creates the file 0600 and missing directories 0700', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'a', 'b', 'state.db');
    ensurePrivateFile(path);
    assert.is(modeOf(path), 0o600);
    assert.is(modeOf(join(tmp.dir, 'a', 'b')), 0o700);
    assert.is(modeOf(join(tmp.dir, 'a')), 0o700);
  } finally {
    tmp.cleanup();
  }
});

test('tightens a looser existing file and side files', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'state.db');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    writeFileSync(path + '-wal', '');
    chmodSync(path + '-wal', 0o666);
    ensurePrivateFile(path);
    tightenSideFiles(path);
    assert.is(modeOf(path), 0o600);
    assert.is(modeOf(path + '-wal'), 0o600);
  } finally {
    tmp.cleanup();
  }
});

test('refuses a symlink or a directory at the path', () => {
  const tmp = makeTempDir();
  try {
    writeFileSync(join(tmp.dir, 'target'), '');
    symlinkSync(join(tmp.dir, 'target'), join(tmp.dir, 'link.db'));
    assert.throws(() => ensurePrivateFile(join(tmp.dir, 'link.db')), (e: unknown) => e instanceof UnsafeStateFileError);
    mkdirSync(join(tmp.dir, 'dir.db'));
    assert.throws(() => ensurePrivateFile(join(tmp.dir, 'dir.db')));
  } finally {
    tmp.cleanup();
  }
});

test('ensureSideFiles creates an empty -journal 0600 once; existingSideFiles lists regular side files only', () => {
  const tmp = makeTempDir();
  try {
    const db = join(tmp.dir, 'state.db');
    writeFileSync(db, '');
    writeFileSync(db + '-wal', '');
    symlinkSync('/etc/passwd', db + '-shm');
    ensureSideFiles(db);
    assert.is(statSync(db + '-journal').size, 0);
    assert.is(modeOf(db + '-journal'), 0o600);
    writeFileSync(db + '-journal', 'kept');
    ensureSideFiles(db); // an existing one is left as it is
    assert.is(statSync(db + '-journal').size, 4);
    assert.equal(existingSideFiles(db), [db + '-wal', db + '-journal']);
  } finally {
    tmp.cleanup();
  }
});

test.run();
