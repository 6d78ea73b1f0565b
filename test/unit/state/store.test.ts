import { spawn } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  StateDbMissingError,
  StateSchemaError,
  migrate,
  openStateStore,
} from '../../../src/state/store.js';
import type { FileSnapshot } from '../../../src/state/fileSnapshot.js';
import { fixturePath, makeTempDir } from '../../fixtures/state/helpers.js';

const modeOf = (p: string) => statSync(p).mode & 0o7777;

function sampleSnapshot(path: string): FileSnapshot {
  return {
    path,
    fileType: 'file',
    dev: 2049n,
    ino: 18446744073709551615n, // u64 max: must survive the round trip
    size: 12,
    mode: 0o100644,
    uid: 0,
    gid: 0,
    mtimeNs: 1714564800123456789n,
    sha256: 'a'.repeat(64),
    content: { kind: 'text', lines: ['hello'] },
    xattrs: { 'security.capability': 'cap_setuid=ep' },
  };
}

test('new database: mode 0600, directory 0700, WAL, schema version, key', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'lib', 'state.db');
    const store = openStateStore(path);
    try {
      assert.is(modeOf(path), 0o600);
      assert.is(modeOf(join(tmp.dir, 'lib')), 0o700);
      assert.is(store.db.pragma('journal_mode', { simple: true }), 'wal');
      assert.is(store.db.pragma('synchronous', { simple: true }), 2); // FULL
      assert.is(store.schemaVersion, SCHEMA_VERSION);
      assert.is(store.hmacKey().length, 32);
      store.appendHistory('alert', { rule: 'x' }, new Date());
      assert.is(modeOf(path + '-wal'), 0o600);
    } finally {
      store.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('once open, the -wal, -shm and -journal files all exist (the guard protects them by inode), and keep their inodes', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'state.db');
    const store = openStateStore(path);
    try {
      const inodes = () => ['-wal', '-shm', '-journal'].map((s) => statSync(path + s).ino);
      const before = inodes();
      assert.is(modeOf(path + '-journal'), 0o600);
      for (let i = 0; i < 500; i++) store.appendHistory('alert', { rule: 'x'.repeat(2000) }, new Date());
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      assert.equal(inodes(), before, 'checkpoints reuse the same files');
    } finally {
      store.close();
    }
    const again = openStateStore(path); // the empty journal is never taken for a hot one
    assert.is(again.countBaseline(), 0);
    again.close();
  } finally {
    tmp.cleanup();
  }
});

test('an existing looser file is tightened; key persists across opens', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'state.db');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    const first = openStateStore(path);
    const key = Buffer.from(first.hmacKey());
    first.close();
    assert.is(modeOf(path), 0o600);
    const second = openStateStore(path);
    assert.ok(second.hmacKey().equals(key));
    second.close();
  } finally {
    tmp.cleanup();
  }
});

test('migration from an empty database (user_version 0) and refusal of a newer schema', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'state.db');
    const raw = new Database(path);
    assert.is(raw.pragma('user_version', { simple: true }), 0);
    assert.is(migrate(raw, MIGRATIONS), SCHEMA_VERSION);
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    assert.ok(['baseline', 'history', 'meta'].every((t) => tables.includes(t)));
    assert.is(migrate(raw, MIGRATIONS), SCHEMA_VERSION, 'idempotent');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => openStateStore(path), (e: unknown) => e instanceof StateSchemaError);
    assert.throws(() => openStateStore(path, { readonly: true }), (e: unknown) => e instanceof StateSchemaError);
  } finally {
    tmp.cleanup();
  }
});

test('migration 2 keeps a version-1 baseline: its rows read back with their attributes not known', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'state.db');
    const raw = new Database(path);
    migrate(raw, MIGRATIONS.slice(0, 1));
    raw.prepare(`INSERT INTO baseline (path, file_type, dev, ino, size, mode, uid, gid, mtime_ns, sha256, content_kind, content, recorded_ms)
      VALUES ('/etc/old', 'file', '1', '2', 3, 33188, 0, 0, 5, NULL, 'binary', '{"kind":"binary"}', 6)`).run();
    raw.close();
    const store = openStateStore(path);
    try {
      assert.is(store.schemaVersion, SCHEMA_VERSION);
      assert.is(store.getBaseline('/etc/old')!.xattrs, null);
      // rows whose attributes are not a JSON object of strings read as not known, never as a value
      for (const bad of ['[1]', '{"a":1}', '{not json', 'null']) {
        store.db.prepare('UPDATE baseline SET xattrs = ? WHERE path = ?').run(bad, '/etc/old');
        assert.is(store.getBaseline('/etc/old')!.xattrs, null, bad);
      }
    } finally {
      store.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test('a failing migration leaves nothing behind', () => {
  const tmp = makeTempDir();
  try {
    const raw = new Database(join(tmp.dir, 'state.db'));
    const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'broken', up: (db: Database.Database) => { db.exec('CREATE TABLE t (x)'); throw new Error('boom'); } }];
    assert.throws(() => migrate(raw, broken), /boom/);
    assert.is(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.is(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 't'").pluck().get(), 0);
    raw.close();
  } finally {
    tmp.cleanup();
  }
});

test('readonly open of a missing database', () => {
  const tmp = makeTempDir();
  try {
    assert.throws(() => openStateStore(join(tmp.dir, 'none.db'), { readonly: true }), (e: unknown) => e instanceof StateDbMissingError);
  } finally {
    tmp.cleanup();
  }
});

test('baseline rows round-trip (u64 inode, ns mtime); corrupt rows read as absent', () => {
  const tmp = makeTempDir();
  const store = openStateStore(join(tmp.dir, 'state.db'));
  try {
    const snap = sampleSnapshot('/etc/x');
    store.putBaseline(snap, new Date());
    assert.equal(store.getBaseline('/etc/x'), snap);
    assert.equal(store.listBaselinePaths(), ['/etc/x']);
    store.db.prepare("UPDATE baseline SET ino = 'garbage' WHERE path = '/etc/x'").run();
    assert.is(store.getBaseline('/etc/x'), null);
    store.putBaseline(snap, new Date());
    store.db.prepare("UPDATE baseline SET content = '{not json' WHERE path = '/etc/x'").run();
    assert.equal(store.getBaseline('/etc/x')!.content, { kind: 'unknown' });
    store.deleteBaseline('/etc/x');
    assert.is(store.countBaseline(), 0);
  } finally {
    store.close();
    tmp.cleanup();
  }
});

test('history: query by time and type; retention by age and by count', () => {
  const tmp = makeTempDir();
  const store = openStateStore(join(tmp.dir, 'state.db'));
  try {
    const now = new Date('2024-05-01T12:00:00Z');
    const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
    store.appendHistory('change', { n: 1 }, ago(10 * 86400));
    store.appendHistory('alert', { n: 2 }, ago(3 * 86400));
    store.appendHistory('integrity', { n: 3 }, ago(3600));
    store.appendHistory('alert', { n: 4 }, ago(60));
    store.appendHistory('alert', { n: 5 }, ago(1));
    assert.is([...store.queryHistory()].length, 5);
    assert.equal([...store.queryHistory({ sinceMs: ago(7200).getTime() })].map((r) => JSON.parse(r.json).n), [3, 4, 5]);
    assert.equal([...store.queryHistory({ type: 'alert' })].map((r) => JSON.parse(r.json).n), [2, 4, 5]);
    assert.throws(() => store.appendHistory('bogus' as 'alert', {}, now));

    assert.is(store.pruneHistory({ maxAgeSeconds: 7 * 86400, maxRows: 1000 }, now), 1);
    assert.equal([...store.queryHistory()].map((r) => JSON.parse(r.json).n), [2, 3, 4, 5]);
    assert.is(store.pruneHistory({ maxAgeSeconds: 7 * 86400, maxRows: 2 }, now), 2);
    assert.equal([...store.queryHistory()].map((r) => JSON.parse(r.json).n), [4, 5]);
    assert.is(store.pruneHistory({ maxAgeSeconds: 7 * 86400, maxRows: 2 }, now), 0);
  } finally {
    store.close();
    tmp.cleanup();
  }
});

test('kill -9 in the middle of writing leaves a database that passes integrity_check', async () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'state.db');
    const child = spawn(process.execPath, ['--import', 'tsx', fixturePath('historyWriterChild.ts'), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Wait for evidence of many commits (not for a time), then kill while it keeps writing.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/committed 30\n/.test(out)) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    child.kill('SIGKILL');
    assert.is(await exited, 'SIGKILL');

    const store = openStateStore(path);
    try {
      assert.is(store.db.pragma('integrity_check', { simple: true }), 'ok');
      const rows = Number(store.db.prepare('SELECT count(*) FROM history').pluck().get());
      assert.ok(rows >= 30 * 50, `${rows} rows`);
      assert.is(rows % 50, 0, 'only whole transactions are visible');
    } finally {
      store.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test.run();
