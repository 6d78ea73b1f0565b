import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandBaselinePaths, scanBaseline } from '../../../src/state/baseline.js';
import { TEST_KEY, makeTempDir } from '../../fixtures/state/helpers.js';

const fakeFs = (tree: Record<string, string[]>) => ({
  readdirSync(path: string): string[] {
    const entries = tree[path];
    if (!entries) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return entries;
  },
});

test('expandBaselinePaths: * component, literal paths kept, unreadable dirs ignored', () => {
  const fs = fakeFs({ '/home': ['bob', 'alice', '.', '..'] });
  assert.equal(expandBaselinePaths(['/etc/passwd', '/home/*/.ssh/authorized_keys', '/nowhere/*/x', '/etc/sudoers.d/'], fs), [
    '/etc/passwd',
    '/etc/sudoers.d',
    '/home/alice/.ssh/authorized_keys',
    '/home/bob/.ssh/authorized_keys',
  ]);
  assert.equal(expandBaselinePaths(['/*'], fakeFs({ '/': ['etc'] })), ['/etc']);
});

test('expandBaselinePaths works with node:fs', () => {
  const tmp = makeTempDir();
  try {
    mkdirSync(join(tmp.dir, 'u1'));
    mkdirSync(join(tmp.dir, 'u2'));
    assert.equal(expandBaselinePaths([join(tmp.dir, '*', 'k')], { readdirSync }), [join(tmp.dir, 'u1', 'k'), join(tmp.dir, 'u2', 'k')]);
  } finally {
    tmp.cleanup();
  }
});

test('scan: files and symlinks recursively, progress reported, bounds honoured', async () => {
  const tmp = makeTempDir();
  try {
    const root = join(tmp.dir, 'etc');
    mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'a'), 'a\n');
    writeFileSync(join(root, 'b'), 'b\n');
    writeFileSync(join(root, 'sub', 'c'), 'c\n');
    writeFileSync(join(root, 'sub', 'deeper', 'd'), 'd\n');
    symlinkSync('/etc/passwd', join(root, 'link'));
    const single = join(tmp.dir, 'single');
    writeFileSync(single, 's\n');

    const progress: [number, number][] = [];
    const options = { hmacKey: TEST_KEY, secretPrefixes: [], textMaxBytes: 1024 };
    const result = await scanBaseline([root, single, join(tmp.dir, 'missing')], {
      ...options,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const paths = result.snapshots.map((s) => s.path.slice(tmp.dir.length));
    assert.equal(paths, ['/etc/a', '/etc/b', '/etc/link', '/etc/sub/c', '/etc/sub/deeper/d', '/single']);
    assert.equal(progress, [[1, 6], [2, 6], [3, 6], [4, 6], [5, 6], [6, 6]]);
    assert.is(result.snapshots.find((s) => s.path.endsWith('link'))!.fileType, 'symlink');
    assert.equal(result.errors, []);
    assert.equal(result.truncatedRoots, []);

    const shallow = await scanBaseline([root], { ...options, maxDepth: 1 });
    assert.equal(shallow.snapshots.map((s) => s.path.slice(root.length)), ['/a', '/b', '/link']);
    assert.equal(shallow.truncatedRoots, [root]);
    const few = await scanBaseline([root], { ...options, maxFilesPerRoot: 2 });
    assert.is(few.snapshots.length, 2);
    assert.equal(few.truncatedRoots, [root]);
  } finally {
    tmp.cleanup();
  }
});

test.run();
