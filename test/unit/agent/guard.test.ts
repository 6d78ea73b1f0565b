import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { guardedPaths, guardReadyFields, installGuard, kernelDevFromStat, ownCgroup, protectedInodeKey } from '../../../src/agent/guard.js';
import type { Manifest } from '../../../src/integrity/manifest.js';
import type { NativeSensor } from '../../../src/sensor/nativeAddon.js';

let root = '';
test.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-guard-'));
  for (const rel of ['build/dist/cli/main.js', 'node_modules/chalk/source/index.js', 'node_modules/chalk/package.json', 'build/manifest.json', 'policy.json', 'state/state.db', 'state/state.db-wal', 'state/state.db-shm', 'state/state.db-journal']) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), rel);
  }
});
test.after.each(() => fs.rmSync(root, { recursive: true, force: true }));

const manifest = (files: string[], executable?: string): Manifest => ({
  version: 2,
  created: '2025-01-01T00:00:00Z',
  files: Object.fromEntries(files.map((f) => [f, { sha256: 'a'.repeat(64), size: 1 }])),
  ...(executable ? { executable: { path: executable, sha256: 'b'.repeat(64), size: 1 } } : {}),
});

test('every manifest file, the directories up to the root, node, policy, the database and its side files', () => {
  const paths = guardedPaths({
    packageRoot: root,
    manifest: manifest(['build/dist/cli/main.js', 'node_modules/chalk/source/index.js', 'node_modules/chalk/package.json'], process.execPath),
    runningExecutable: process.execPath,
    policyFile: path.join(root, 'policy.json'),
    dbPath: path.join(root, 'state/state.db'),
  });
  const rel = new Set(paths.map((p) => (p.startsWith(root) ? path.relative(root, p) || '.' : p)));
  for (const want of ['.', 'build', 'build/manifest.json', 'build/dist', 'build/dist/cli', 'build/dist/cli/main.js', 'node_modules', 'node_modules/chalk', 'node_modules/chalk/source', 'node_modules/chalk/source/index.js', 'node_modules/chalk/package.json', 'policy.json', 'state/state.db', 'state/state.db-wal', 'state/state.db-shm', 'state/state.db-journal', fs.realpathSync(process.execPath)]) {
    assert.ok(rel.has(want), `${want} guarded`);
  }
  assert.not.ok([...rel].some((p) => p.startsWith('..')), 'nothing outside the root but node');
});

test('without a manifest the build directories are walked instead; missing paths are dropped', () => {
  const paths = guardedPaths({ packageRoot: root, manifest: null, runningExecutable: '/nonexistent/node', policyFile: path.join(root, 'policy.json'), dbPath: null });
  assert.ok(paths.includes(path.join(root, 'build', 'dist', 'cli', 'main.js')));
  assert.not.ok(paths.includes('/nonexistent/node'));
});

test('installGuard writes one key per inode (hard links and /proc/self/exe collapse) and every BPF id', () => {
  fs.linkSync(path.join(root, 'policy.json'), path.join(root, 'policy-link.json'));
  const updates: Array<[string, string]> = [];
  const native = {
    updateElem: (map: string, key: Buffer) => updates.push([map, key.toString('hex')]),
    objectIds: () => ({ maps: [{ name: 'm', id: 5 }], progs: [{ name: 'p', id: 6 }] }),
  } as unknown as NativeSensor;
  const result = installGuard(native, [path.join(root, 'policy.json'), path.join(root, 'policy-link.json'), path.join(root, 'gone')]);
  assert.equal(result, { inodes: 1, objects: 2 });
  const st = fs.statSync(path.join(root, 'policy.json'), { bigint: true });
  assert.equal(updates[0], ['lw_protected_inodes', protectedInodeKey(st.dev, st.ino).toString('hex')]);
  assert.is(updates.filter(([m]) => m === 'lw_protected_ids').length, 2);
  assert.is(kernelDevFromStat(0x0803n), (8 << 20) | 3);
});

test('the cgroup v2 line of /proc/self/cgroup; none without cgroup v2', () => {
  assert.is(ownCgroup(() => '12:pids:/x\n0::/system.slice/lsmwatch.service\n'), '/system.slice/lsmwatch.service');
  assert.is(ownCgroup(() => '1:cpu:/\n'), null);
  assert.is(ownCgroup(() => { throw new Error('no /proc'); }), null);
  assert.is(guardReadyFields('/').ptrace, 'denied');
});

test.run();
