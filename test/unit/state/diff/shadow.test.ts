import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChangeTracker } from '../../../../src/state/changeTracker.js';
import { buildShadowModel, diffShadow, isShadowModel } from '../../../../src/state/diff/shadow.js';
import { openStateStore } from '../../../../src/state/store.js';
import { TEST_KEY, fixtureText, hashesIn, makeTempDir, windows } from '../../../fixtures/state/helpers.js';

const OLD = fixtureText('shadow.old');
const NEW = fixtureText('shadow.new');
const HASHES = [...new Set([...hashesIn(OLD), ...hashesIn(NEW)])];

function assertNoHashIn(haystack: string, where: string): void {
  for (const hash of HASHES) {
    assert.not.ok(haystack.includes(hash), `${where} contains a whole hash`);
    for (const w of windows(hash)) assert.not.ok(haystack.includes(w), `${where} contains ${JSON.stringify(w)}`);
  }
}

test('fixtures really contain hashes', () => {
  assert.is(HASHES.length, 4);
});

test('password change, unlock and aging change are reported by user name only', () => {
  const diff = diffShadow(buildShadowModel(OLD, TEST_KEY), buildShadowModel(NEW, TEST_KEY));
  assert.equal(diff.changed, [
    { user: 'root', field: 'password', change: 'changed', old: 'set', new: 'set' },
    { user: 'root', field: 'lastchg', old: '19500', new: '19800' },
    { user: 'alice', field: 'max', old: '99999', new: '90' },
    { user: 'bob', field: 'password', change: 'unlocked', old: 'locked', new: 'set' },
  ]);
  assert.equal(diff.added, []);
  assert.equal(diff.removed, []);
  assertNoHashIn(JSON.stringify(diff), 'diff');
  assertNoHashIn(JSON.stringify(buildShadowModel(OLD, TEST_KEY)), 'model');
});

test('locking, emptying, added user (no hash in the added entry)', () => {
  const before = buildShadowModel('u:$6$aaaaaaaa$bbbbbbbbbbbbbbbbbbbbbb:1:0:99999:7:::\n', TEST_KEY);
  const locked = buildShadowModel('u:!$6$aaaaaaaa$bbbbbbbbbbbbbbbbbbbbbb:1:0:99999:7:::\n', TEST_KEY);
  const emptied = buildShadowModel('u::1:0:99999:7:::\nv:$6$cccccccc$dddddddddddddddddddd:1:0:99999:7:::\n', TEST_KEY);
  assert.equal(diffShadow(before, locked).changed, [{ user: 'u', field: 'password', change: 'locked', old: 'set', new: 'locked' }]);
  const diff = diffShadow(before, emptied);
  assert.equal(diff.changed, [{ user: 'u', field: 'password', change: 'emptied', old: 'set', new: 'empty' }]);
  assert.is(diff.added.length, 1);
  assert.is(diff.added[0]!.user, 'v');
  assert.is(diff.added[0]!.password, 'set');
  assert.not.ok(JSON.stringify(diff).includes('cccccccc'));
});

test('gshadow lines: password digests and admin/member sets', () => {
  const old = buildShadowModel('sudo:!::alice,bob\n', TEST_KEY);
  const now = buildShadowModel('sudo:$6$eeeeeeee$ffffffffffffffffffff:mallory:bob\n', TEST_KEY);
  const diff = diffShadow(old, now);
  assert.equal(diff.changed, [
    { group: 'sudo', field: 'password', change: 'changed', old: 'locked', new: 'set' },
    { group: 'sudo', field: 'admins', added: ['mallory'], removed: [] },
    { group: 'sudo', field: 'members', added: [], removed: ['alice'] },
  ]);
  assert.not.ok(JSON.stringify(diff).includes('eeeeeeee'));
});

test('no part of any hash reaches the database file or its WAL', async () => {
  const tmp = makeTempDir();
  try {
    const etc = join(tmp.dir, 'root', 'etc');
    const shadowPath = join(etc, 'shadow');
    const dbPath = join(tmp.dir, 'db', 'state.db');
    mkdirSync(etc, { recursive: true });
    writeFileSync(shadowPath, OLD, { mode: 0o640 });
    const store = openStateStore(dbPath);
    try {
      const tracker = new ChangeTracker(store, { patterns: [shadowPath], secretPrefixes: [], textMaxBytes: 256 * 1024 });
      assert.equal(await tracker.reconcileAll(), []);
      writeFileSync(shadowPath, NEW);
      const record = await tracker.trackPath(shadowPath, { pid: 42, comm: 'passwd', uid: 0 });
      assert.ok(record);
      assert.is(record!.diff.kind, 'shadow');
      const changed = (record!.diff as unknown as { changed: { user?: string; field: string }[] }).changed;
      assert.ok(changed.some((c) => c.user === 'root' && c.field === 'password'));
      assertNoHashIn(JSON.stringify(record), 'change record');
      // Read the raw bytes while the connection is open, so the WAL still holds the latest pages.
      for (const suffix of ['', '-wal', '-shm']) {
        if (!existsSync(dbPath + suffix)) continue;
        assertNoHashIn(readFileSync(dbPath + suffix).toString('latin1'), `state.db${suffix}`);
      }
      assert.ok(existsSync(dbPath + '-wal'), 'WAL file was checked');
    } finally {
      store.close();
    }
    assertNoHashIn(readFileSync(dbPath).toString('latin1'), 'state.db after checkpoint');
  } finally {
    tmp.cleanup();
  }
});

test('stored model validation', () => {
  assert.ok(isShadowModel(JSON.parse(JSON.stringify(buildShadowModel(OLD, TEST_KEY)))));
  assert.not.ok(isShadowModel({ kind: 'shadow', users: [{ name: 'x', password: { state: 'bogus', digest: '' }, values: {} }], groups: [], malformed: [] }));
});

test.run();
