import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPaths, setUpGuard } from '../../../src/agent/guardSetup.js';
import { ObjectKind } from '../../../src/sensor/contract.js';
import { protectedIdKey, protectedInodeKey } from '../../../src/sensor/protectKeys.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';

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
  });
  try {
    const st = statSync(file, { bigint: true });
    assert.equal(native.writes.map((w) => w.map), ['lw_protected_inodes', 'lw_protected_ids', 'lw_protected_ids', 'lw_protected_ids']);
    assert.ok(native.writes[0]!.key.equals(protectedInodeKey(st.dev, st.ino)));
    assert.ok(native.writes[1]!.key.equals(protectedIdKey(ObjectKind.MAP, 31)));
    assert.ok(native.writes[3]!.key.equals(protectedIdKey(ObjectKind.PROG, 40)));
    assert.equal(order, ['protect after 4 writes']);
    assert.ok(native.calls.includes('armWatchdog:10000'));
    assert.equal(guard.info, { files: 1, objects: 3, settingsMapId: 31, watchdogSeconds: 10 });
  } finally {
    guard.stop();
  }
});

test.run();
