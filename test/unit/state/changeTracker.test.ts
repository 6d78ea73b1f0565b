import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChangeTracker, type ChangeTrackerOptions, changeTrackerOptionsFromConfig, isIgnoredFile } from '../../../src/state/changeTracker.js';
import { DEFAULT_IGNORE_NAMES, DEFAULT_STATE_CONFIG } from '../../../src/state/stateConfig.js';
import { type StateStore, openStateStore } from '../../../src/state/store.js';
import { fixturePath, makeTempDir } from '../../fixtures/state/helpers.js';

interface Env {
  root: string;
  store: StateStore;
  tracker: ChangeTracker;
  etc: (name: string) => string;
  history: () => unknown[];
  done: () => void;
}

async function setup(extra: Partial<ChangeTrackerOptions> = {}): Promise<Env> {
  const tmp = makeTempDir();
  const root = join(tmp.dir, 'root');
  const etc = (name: string) => join(root, 'etc', name);
  mkdirSync(join(root, 'etc', 'sudoers.d'), { recursive: true });
  mkdirSync(join(root, 'etc', 'ssh'), { recursive: true });
  copyFileSync(fixturePath('passwd.old'), etc('passwd'));
  copyFileSync(fixturePath('sudoers.old'), etc('sudoers'));
  writeFileSync(etc('ssh/sshd_config'), 'Port 22\nPermitRootLogin no\n');
  const store = openStateStore(join(tmp.dir, 'db', 'state.db'));
  const tracker = new ChangeTracker(store, {
    patterns: [etc('passwd'), etc('sudoers'), etc('sudoers.d'), etc('ssh/sshd_config'), etc('ssh/secret')],
    secretPrefixes: [etc('ssh/secret')],
    textMaxBytes: 256 * 1024,
    ...extra,
  });
  assert.equal(await tracker.reconcileAll(), [], 'first start reports nothing');
  return {
    root,
    store,
    tracker,
    etc,
    history: () => [...store.queryHistory({ type: 'change' })].map((r) => JSON.parse(r.json)),
    done: () => {
      store.close();
      tmp.cleanup();
    },
  };
}

const BY = { pid: 1234, comm: 'useradd', uid: 0 };

test('temp file + rename over passwd → exactly one "replaced" with the added user', async () => {
  const env = await setup();
  try {
    const tmpFile = env.etc('passwd+');
    writeFileSync(tmpFile, readFileSync(env.etc('passwd'), 'utf8') + 'eve:x:1001:1001::/home/eve:/bin/bash\n');
    assert.is(await env.tracker.trackPath(tmpFile, BY), null, 'temp file is not covered');
    renameSync(tmpFile, env.etc('passwd'));
    const record = await env.tracker.trackPath(env.etc('passwd'), BY);
    assert.ok(record);
    assert.is(record!.action, 'replaced');
    assert.equal(record!.by, BY);
    assert.is.not(record!.old!.inode, record!.new!.inode);
    const diff = record!.diff as { kind: string; added: { user: string }[]; removed: unknown[]; changed: unknown[] };
    assert.is(diff.kind, 'passwd');
    assert.equal(diff.added.map((e) => e.user), ['eve']);
    assert.equal(diff.removed, []);
    assert.equal(diff.changed, []);
    // The event for the rename may be seen again: nothing more to report.
    assert.is(await env.tracker.trackPath(env.etc('passwd'), BY), null);
    assert.is(env.history().length, 1);
  } finally {
    env.done();
  }
});

test('in-place edit → "modified" with the changed line / field', async () => {
  const env = await setup();
  try {
    writeFileSync(env.etc('ssh/sshd_config'), 'Port 22\nPermitRootLogin yes\n');
    const record = (await env.tracker.trackPath(env.etc('ssh/sshd_config'), { pid: 9, comm: 'vi', uid: 0 }))!;
    assert.is(record.action, 'modified');
    assert.equal(record.diff, { kind: 'text', added: ['PermitRootLogin yes'], removed: ['PermitRootLogin no'], addedCount: 1, removedCount: 1, truncated: false });
    assert.is(record.old!.inode, record.new!.inode);

    writeFileSync(env.etc('passwd'), readFileSync(fixturePath('passwd.old'), 'utf8').replace('/home/bob:/bin/sh', '/home/bob:/bin/bash'));
    const pw = (await env.tracker.trackPath(env.etc('passwd'), BY))!;
    assert.is(pw.action, 'modified');
    assert.equal((pw.diff as { changed: unknown[] }).changed, [{ user: 'bob', field: 'shell', old: '/bin/sh', new: '/bin/bash' }]);
  } finally {
    env.done();
  }
});

test('delete, then create; a new file in a baseline directory is "created"', async () => {
  const env = await setup();
  try {
    unlinkSync(env.etc('sudoers'));
    const deleted = (await env.tracker.trackPath(env.etc('sudoers'), BY))!;
    assert.is(deleted.action, 'deleted');
    assert.is(deleted.new, null);
    assert.ok((deleted.diff as { removed: string[] }).removed.includes('root ALL=(ALL:ALL) ALL'));
    assert.is(env.store.getBaseline(env.etc('sudoers')), null);

    copyFileSync(fixturePath('sudoers.new'), env.etc('sudoers'));
    const created = (await env.tracker.trackPath(env.etc('sudoers'), BY))!;
    assert.is(created.action, 'created');
    assert.is(created.old, null);
    assert.ok((created.diff as { added: string[] }).added.includes('mallory ALL=(ALL) NOPASSWD: ALL'));

    writeFileSync(env.etc('sudoers.d/90-evil'), 'mallory ALL=(ALL) NOPASSWD: ALL\n');
    const dropIn = (await env.tracker.trackPath(env.etc('sudoers.d/90-evil'), BY))!;
    assert.is(dropIn.action, 'created');
    assert.equal((dropIn.diff as { added: string[] }).added, ['mallory ALL=(ALL) NOPASSWD: ALL']);
    assert.is(env.history().length, 3);
  } finally {
    env.done();
  }
});

test('offline changes are reported once by reconcileAll, then not again', async () => {
  const env = await setup();
  try {
    appendFileSync(env.etc('passwd'), 'eve:x:0:0::/root:/bin/sh\n');
    unlinkSync(env.etc('ssh/sshd_config'));
    writeFileSync(env.etc('sudoers.d/10-new'), 'eve ALL=(ALL) ALL\n');
    const records = await env.tracker.reconcileAll();
    const summary = records.map((r) => [r.path.slice(env.root.length), r.action, r.offline, r.by]);
    assert.equal(summary.sort(), [
      ['/etc/passwd', 'modified', true, null],
      ['/etc/ssh/sshd_config', 'deleted', true, null],
      ['/etc/sudoers.d/10-new', 'created', true, null],
    ]);
    assert.equal(await env.tracker.reconcileAll(), [], 'second run reports nothing');
    assert.is(env.history().length, 3);
  } finally {
    env.done();
  }
});

test('a pattern newly added to the policy is baselined silently; dropped patterns are forgotten', async () => {
  const env = await setup();
  try {
    const group = env.etc('group');
    copyFileSync(fixturePath('group.old'), group);
    const patterns = [env.etc('passwd'), group];
    assert.equal(await env.tracker.reconcileAll(patterns), []);
    assert.ok(env.store.getBaseline(group));
    assert.is(env.store.getBaseline(env.etc('sudoers')), null);
    copyFileSync(fixturePath('group.new'), group);
    const [record] = await env.tracker.reconcileAll(patterns);
    assert.is(record!.action, 'modified');
    assert.is(record!.diff.kind, 'group');
  } finally {
    env.done();
  }
});

test('secret file: line count only, content never in the database', async () => {
  const env = await setup();
  try {
    const secret = env.etc('ssh/secret');
    writeFileSync(secret, 'TOPSECRET-ALPHA-1\n');
    const created = (await env.tracker.trackPath(secret, BY))!;
    assert.equal(created.diff, { kind: 'secret', oldLines: null, newLines: 1 });
    writeFileSync(secret, 'TOPSECRET-BRAVO-1\nTOPSECRET-BRAVO-2\n');
    const modified = (await env.tracker.trackPath(secret, BY))!;
    assert.equal(modified.diff, { kind: 'secret', oldLines: 1, newLines: 2 });
    assert.is(modified.new!.sha256, null);
    for (const suffix of ['', '-wal']) {
      assert.not.ok(readFileSync(env.store.path + suffix).toString('latin1').includes('TOPSECRET'));
    }
  } finally {
    env.done();
  }
});

test('events are serialized: two concurrent calls for one change give one record', async () => {
  const env = await setup();
  try {
    writeFileSync(env.etc('ssh/sshd_config'), 'Port 2222\n');
    const results = await Promise.all([
      env.tracker.trackPath(env.etc('ssh/sshd_config'), BY),
      env.tracker.trackPath(env.etc('ssh/sshd_config'), BY),
    ]);
    assert.is(results.filter((r) => r !== null).length, 1);
    assert.ok(env.tracker.covers(env.etc('sudoers.d/anything')));
    assert.not.ok(env.tracker.covers(env.etc('hosts')));
    assert.not.ok(env.tracker.covers('relative/path'));
  } finally {
    env.done();
  }
});

test('editor swap and backup files in a baseline directory give no change; executable ones do', async () => {
  const env = await setup({ ignoreNames: DEFAULT_IGNORE_NAMES });
  try {
    const dir = env.etc('sudoers.d');
    for (const name of ['.admins.swp', '.admins.swx', 'admins~', '.#admins', '4913', 'admins.save']) {
      const path = join(dir, name);
      writeFileSync(path, 'swap content\n');
      assert.is(await env.tracker.trackPath(path, BY), null, `${name} created`);
      unlinkSync(path);
      assert.is(await env.tracker.trackPath(path, BY), null, `${name} deleted`);
    }
    // vim's write probe made executable (it copies the file's mode): run-parts would run it.
    const probe = join(dir, '4913');
    writeFileSync(probe, '#!/bin/sh\n');
    chmodSync(probe, 0o755);
    assert.is((await env.tracker.trackPath(probe, BY))!.action, 'created');
    // the real file next to them is still tracked
    writeFileSync(join(dir, 'admins'), 'eve ALL=(ALL) ALL\n');
    assert.is((await env.tracker.trackPath(join(dir, 'admins'), BY))!.action, 'created');
    assert.is(env.history().length, 2);
  } finally {
    env.done();
  }
});

test('ignored names at start-up: not baselined, an old baseline row is dropped quietly', async () => {
  const env = await setup();
  try {
    const swap = join(env.etc('sudoers.d'), '.x.swp');
    writeFileSync(swap, 'a\n');
    assert.is((await env.tracker.trackPath(swap, BY))!.action, 'created', 'without ignore names it is a change');
    const again = new ChangeTracker(env.store, {
      patterns: [env.etc('sudoers.d')],
      secretPrefixes: [],
      textMaxBytes: 1024,
      ignoreNames: ['*.swp'],
    });
    assert.equal(await again.reconcileAll(), []);
    assert.not.ok(env.store.listBaselinePaths().includes(swap));
    unlinkSync(swap);
    assert.is(await again.trackPath(swap, BY), null);
  } finally {
    env.done();
  }
});

test('isIgnoredFile and the options from the state config', () => {
  const file = { path: '/etc/cron.d/x~', fileType: 'file' as const, dev: 1n, ino: 1n, size: 1, mode: 0o100644, uid: 0, gid: 0, mtimeNs: 0n, sha256: null, content: { kind: 'binary' as const }, xattrs: null };
  assert.ok(isIgnoredFile('/etc/cron.d/x~', null, file, DEFAULT_IGNORE_NAMES));
  assert.not.ok(isIgnoredFile('/etc/cron.d/x~', file, { ...file, mode: 0o100755 }, DEFAULT_IGNORE_NAMES), 'made executable');
  assert.not.ok(isIgnoredFile('/etc/cron.d/x', null, file, DEFAULT_IGNORE_NAMES));
  assert.not.ok(isIgnoredFile('/etc/cron.d/x~', null, file, []));
  assert.equal(changeTrackerOptionsFromConfig(DEFAULT_STATE_CONFIG).ignoreNames, [...DEFAULT_IGNORE_NAMES]);
});

test('reconfigure (a reload): covers follows at once, the next reconcile hashes new paths silently and reports a missed change without offline', async () => {
  const env = await setup();
  try {
    const group = env.etc('group');
    copyFileSync(fixturePath('group.old'), group);
    assert.not.ok(env.tracker.covers(group));
    env.tracker.reconfigure({ patterns: [env.etc('passwd'), group], secretPrefixes: [], textMaxBytes: 1024 });
    assert.ok(env.tracker.covers(group));
    assert.not.ok(env.tracker.covers(env.etc('sudoers')));
    appendFileSync(env.etc('passwd'), 'mallory:x:0:0::/:/bin/sh\n'); // changed while running, event missed
    const records = await env.tracker.reconcileAll(undefined, undefined, { offline: false });
    assert.equal(records.map((r) => [r.path, r.action, r.offline]), [[env.etc('passwd'), 'modified', undefined]]);
    assert.ok(env.store.getBaseline(group), 'the new path is in the baseline');
    assert.is(env.store.getBaseline(env.etc('sudoers')), null, 'the dropped path is forgotten');
  } finally {
    env.done();
  }
});

test.run();
