import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs, { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { agentPaths, guardedPaths, ownCgroup, setUpGuard } from '../../../src/agent/guardSetup.js';
import type { Manifest } from '../../../src/integrity/manifest.js';
import { ObjectKind } from '../../../src/sensor/contract.js';
import { protectedIdKey, protectedInodeKey } from '../../../src/sensor/protectKeys.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';
import { ALLOWED_UNDER_PROTECT } from '../../../src/agent/signals.js';

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

test('setUpGuard writes one key per inode (hard links and /proc/self/exe collapse) and skips what is gone', () => {
  fs.linkSync(path.join(root, 'policy.json'), path.join(root, 'policy-link.json'));
  const native = fakeNative();
  const guard = setUpGuard({
    native,
    paths: [path.join(root, 'policy.json'), path.join(root, 'policy-link.json'), path.join(root, 'gone')],
    watchdogSeconds: 10,
    applyProtect: () => {},
    cgroup: null,
  });
  try {
    assert.is(guard.info.files, 1);
    const st = fs.statSync(path.join(root, 'policy.json'), { bigint: true });
    assert.ok(native.writes[0]!.key.equals(protectedInodeKey(st.dev, st.ino)));
    assert.is(native.writes.filter((w) => w.map === 'lw_protected_inodes').length, 1);
  } finally {
    guard.stop();
  }
});

test('the cgroup v2 line of /proc/self/cgroup; none without cgroup v2', () => {
  assert.is(ownCgroup(() => '12:pids:/x\n0::/system.slice/lsmwatch.service\n'), '/system.slice/lsmwatch.service');
  assert.is(ownCgroup(() => '1:cpu:/\n'), null);
  assert.is(ownCgroup(() => { throw new Error('no /proc'); }), null);
});

test('agentPaths: the runtime tree of the package plus extra files, only what exists', () => {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-guard-'));
  try {
    mkdirSync(join(root, 'build/dist/agent'), { recursive: true });
    writeFileSync(join(root, 'build/dist/agent/run.js'), '');
    writeFileSync(join(root, 'package.json'), '{}');
    writeFileSync(join(root, 'policy.json'), '{}');
    const paths = agentPaths(root, [join(root, 'policy.json'), join(root, 'missing.db')]);
    assert.ok(paths.includes(join(root, 'build/dist/agent/run.js')));
    assert.ok(paths.includes(join(root, 'build')));
    assert.ok(paths.includes(join(root, 'package.json')));
    assert.ok(paths.includes(join(root, 'policy.json')));
    assert.not.ok(paths.includes(join(root, 'missing.db')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('setUpGuard: every file by inode and every BPF object by id, then protect, then the watchdog and heartbeat', () => {
  const native = fakeNative();
  const order: string[] = [];
  const file = join(tmpdir());
  const guard = setUpGuard({
    native,
    paths: [file],
    watchdogSeconds: 10,
    applyProtect: () => order.push(`protect after ${native.writes.length} writes`),
    cgroup: '/system.slice/lsmwatch.service',
  });
  try {
    const st = statSync(file, { bigint: true });
    assert.equal(native.writes.map((w) => w.map), ['lw_protected_inodes', 'lw_protected_ids', 'lw_protected_ids', 'lw_protected_ids']);
    assert.ok(native.writes[0]!.key.equals(protectedInodeKey(st.dev, st.ino)));
    assert.ok(native.writes[1]!.key.equals(protectedIdKey(ObjectKind.MAP, 31)));
    assert.ok(native.writes[3]!.key.equals(protectedIdKey(ObjectKind.PROG, 40)));
    assert.equal(order, ['protect after 4 writes']);
    assert.ok(native.calls.includes('armWatchdog:10000'));
    assert.equal(guard.info, {
      files: 1,
      objects: 3,
      signalsAllowed: ALLOWED_UNDER_PROTECT,
      cgroup: '/system.slice/lsmwatch.service',
      settingsMapId: 31,
      watchdogSeconds: 10,
    });
  } finally {
    guard.stop();
  }
});

test.run();
