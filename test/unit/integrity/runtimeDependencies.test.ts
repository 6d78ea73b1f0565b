import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  importedPackages,
  listPackageFiles,
  resolveInLock,
  runtimeDependencyDirs,
  RuntimeDependencyError,
  type PackageLock,
} from '../../../src/integrity/runtimeDependencies.js';

const LOCK: PackageLock = {
  lockfileVersion: 3,
  packages: {
    '': { dependencies: { 'better-sqlite3': '^12', chalk: '^5' }, devDependencies: { uvu: '^0.5' } } as never,
    'node_modules/better-sqlite3': { dependencies: { bindings: '^1', 'prebuild-install': '^7' } },
    'node_modules/bindings': { dependencies: { 'file-uri-to-path': '1' } },
    'node_modules/file-uri-to-path': {},
    'node_modules/prebuild-install': { dependencies: { 'tar-fs': '^2' }, optionalDependencies: { 'not-installed': '1' } },
    'node_modules/tar-fs': { dependencies: { chownr: '^1' } },
    'node_modules/tar-fs/node_modules/chownr': {},
    'node_modules/chownr': { dev: true },
    'node_modules/chalk': {},
    'node_modules/uvu': { dev: true, dependencies: { kleur: '^4' } },
    'node_modules/kleur': { dev: true },
  },
};

test('the production closure follows dependencies, nested node_modules first, never dev-only packages', () => {
  assert.equal(runtimeDependencyDirs(LOCK), [
    'node_modules/better-sqlite3',
    'node_modules/bindings',
    'node_modules/chalk',
    'node_modules/file-uri-to-path',
    'node_modules/prebuild-install',
    'node_modules/tar-fs',
    'node_modules/tar-fs/node_modules/chownr',
  ]);
});

test('resolution walks up from the requiring package like node does', () => {
  const packages = LOCK.packages!;
  assert.is(resolveInLock(packages, 'node_modules/tar-fs', 'chownr'), 'node_modules/tar-fs/node_modules/chownr');
  assert.is(resolveInLock(packages, 'node_modules/prebuild-install', 'chownr'), 'node_modules/chownr');
  assert.is(resolveInLock(packages, 'node_modules/tar-fs/node_modules/chownr', 'chalk'), 'node_modules/chalk');
  assert.is(resolveInLock(packages, '', 'nope'), null);
});

test('a missing required dependency is an error; a lock without packages too', () => {
  const broken: PackageLock = { packages: { '': { dependencies: { gone: '1' } } } };
  assert.throws(() => runtimeDependencyDirs(broken), (e: Error) => e instanceof RuntimeDependencyError && /gone \(needed by the root package\)/.test(e.message));
  assert.throws(() => runtimeDependencyDirs({ lockfileVersion: 1 }), /lockfileVersion 2 or 3/);
});

test('listPackageFiles lists what node may load (js, cjs, mjs, json, node), not docs, not nested packages', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-deps-'));
  try {
    for (const rel of ['a/package.json', 'a/index.js', 'a/lib/x.cjs', 'a/lib/y.mjs', 'a/build/Release/a.node', 'a/README.md', 'a/src/a.cc', 'a/node_modules/b/index.js']) {
      fs.mkdirSync(path.dirname(path.join(root, 'node_modules', rel)), { recursive: true });
      fs.writeFileSync(path.join(root, 'node_modules', rel), '');
    }
    assert.equal(await listPackageFiles(root, 'node_modules/a'), [
      'node_modules/a/build/Release/a.node',
      'node_modules/a/index.js',
      'node_modules/a/lib/x.cjs',
      'node_modules/a/lib/y.mjs',
      'node_modules/a/package.json',
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('importedPackages finds bare specifiers in compiled JavaScript (static, dynamic, require, scoped)', () => {
  const src = `import { Chalk } from 'chalk';\nimport Database from "better-sqlite3";\nimport './local.js';\nimport { x } from '../y.js';\nimport fs from 'node:fs';\nconst a = await import('@scope/pkg/sub');\nconst b = require('bindings');\nimport 'side-effect';\n`;
  assert.equal(importedPackages(src), ['@scope/pkg', 'better-sqlite3', 'bindings', 'chalk', 'side-effect']);
});

test.run();
