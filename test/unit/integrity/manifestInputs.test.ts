import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestInputError, expandManifestInputs, hasGlobMagic } from '../../../src/integrity/manifestInputs.js';

let root = '';
test.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-inputs-'));
  for (const rel of ['build/dist/z.js', 'build/dist/a/b.js', 'build/dist/.hidden.js', 'bin/lsmwatch.js', 'build/bpf/lsm.bpf.o', 'build/bpf/tp.bpf.o', 'build/bpf/notes.txt']) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), rel);
  }
});
test.after.each(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

async function expansionError(inputs: string[]): Promise<ManifestInputError> {
  try {
    await expandManifestInputs({ rootDir: root, cwd: root, inputs });
  } catch (err) {
    assert.instance(err, ManifestInputError);
    return err as ManifestInputError;
  }
  assert.unreachable('expected a ManifestInputError');
  throw new Error('unreachable');
}

test('files, recursive directories and globs become sorted root-relative paths', async () => {
  const files = await expandManifestInputs({
    rootDir: root,
    cwd: root,
    inputs: ['build/dist', 'bin/lsmwatch.js', 'build/bpf/*.bpf.o', 'bin/lsmwatch.js'],
  });
  assert.equal(files, [
    'bin/lsmwatch.js',
    'build/bpf/lsm.bpf.o',
    'build/bpf/tp.bpf.o',
    'build/dist/.hidden.js',
    'build/dist/a/b.js',
    'build/dist/z.js',
  ]);
});

test('inputs are resolved against cwd and may be absolute', async () => {
  const files = await expandManifestInputs({
    rootDir: root,
    cwd: path.join(root, 'build'),
    inputs: ['bpf/lsm.bpf.o', path.join(root, 'bin/lsmwatch.js')],
  });
  assert.equal(files, ['bin/lsmwatch.js', 'build/bpf/lsm.bpf.o']);
});

test('the manifest itself is skipped when inside an input directory', async () => {
  fs.writeFileSync(path.join(root, 'build/dist/manifest.json'), '{}');
  const files = await expandManifestInputs({ rootDir: root, cwd: root, inputs: ['build/dist'], exclude: ['build/dist/manifest.json'] });
  assert.not.ok(files.includes('build/dist/manifest.json'));
  assert.ok(files.includes('build/dist/z.js'));
});

test('the root itself can be an input directory', async () => {
  const files = await expandManifestInputs({ rootDir: root, cwd: root, inputs: ['.'] });
  assert.is(files.length, 7);
});

test('symlinked files are listed, symlinked directories are not followed', async () => {
  fs.symlinkSync(path.join(root, 'bin/lsmwatch.js'), path.join(root, 'build/dist/link.js'));
  fs.symlinkSync(root, path.join(root, 'build/dist/loop'));
  const files = await expandManifestInputs({ rootDir: root, cwd: root, inputs: ['build/dist'] });
  assert.equal(files, ['build/dist/.hidden.js', 'build/dist/a/b.js', 'build/dist/link.js', 'build/dist/z.js']);
});

test('a missing file is an error naming it', async () => {
  const err = await expansionError(['bin/lsmwatch.js', 'build/native/lsmwatch.node']);
  assert.is(err.message, 'build/native/lsmwatch.node: no such file or directory');
});

test('a glob matching nothing is an error', async () => {
  const err = await expansionError(['build/bpf/*.nope']);
  assert.is(err.message, 'build/bpf/*.nope: no file matches');
});

test('an input outside the root is an error', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-outside-'));
  try {
    fs.writeFileSync(path.join(outside, 'x.js'), 'x');
    const err = await expansionError([path.join(outside, 'x.js')]);
    assert.match(err.message, /outside the root/);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('an empty directory is an error', async () => {
  fs.mkdirSync(path.join(root, 'build/empty'));
  const err = await expansionError(['build/empty']);
  assert.is(err.message, 'build/empty: directory contains no files');
});

test('hasGlobMagic', () => {
  assert.ok(hasGlobMagic('build/bpf/*.bpf.o'));
  assert.ok(hasGlobMagic('a?.js'));
  assert.not.ok(hasGlobMagic('build/dist'));
});

test.run();
