import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAlertsCommand } from '../../../src/state/alertsCommand.js';
import { openStateStore } from '../../../src/state/store.js';
import { collector, makeTempDir } from '../../fixtures/state/helpers.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const EVIL_PATH = '/etc/\x1b[31mevil\nINJECTED 2024-05-01T00:00:00Z alert fake';

function withDb(fn: (dbPath: string) => void): void {
  const tmp = makeTempDir();
  try {
    const dbPath = join(tmp.dir, 'state.db');
    const store = openStateStore(dbPath);
    store.appendHistory('alert', { rule: 'old-rule', path: '/tmp/old' }, new Date(NOW.getTime() - 2 * 3600_000));
    store.appendHistory(
      'change',
      {
        type: 'change',
        path: EVIL_PATH,
        action: 'modified',
        old: null,
        new: null,
        diff: { kind: 'text', added: ['x'], removed: [], addedCount: 1, removedCount: 0, truncated: false },
        by: { pid: 42, comm: 'vi', uid: 0 },
      },
      new Date(NOW.getTime() - 600_000),
    );
    store.appendHistory('integrity', { kind: 'self_check', message: 'ok' }, new Date(NOW.getTime() - 60_000));
    store.close();
    fn(dbPath);
  } finally {
    tmp.cleanup();
  }
}

function run(argv: string[], isTTY: boolean, dbPath: string) {
  const out = collector();
  const err = collector();
  const code = runAlertsCommand(argv, { stdout: out.stream, stderr: err.stream, isTTY, now: () => NOW, defaultDbPath: dbPath });
  return { code, out: out.text(), err: err.text() };
}

test('--since 1h --json returns what was recorded in the last hour, as NDJSON', () => {
  withDb((db) => {
    const { code, out, err } = run(['--since', '1h', '--json', '--db', db], true, '/nonexistent');
    assert.is(code, 0, err);
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.is(lines.length, 2);
    assert.is(lines[0].type, 'change');
    assert.is(lines[0].path, EVIL_PATH);
    assert.is(lines[0].time, '2024-05-01T11:50:00.000Z');
    assert.equal(lines[0].by, { pid: 42, comm: 'vi', uid: 0 });
    assert.is(lines[1].type, 'integrity');
  });
});

test('NDJSON when stdout is not a TTY; --type filters; --since=RFC3339 form', () => {
  withDb((db) => {
    const all = run([], false, db);
    assert.is(all.code, 0);
    assert.is(all.out.trimEnd().split('\n').length, 3);
    const alerts = run(['--type=alert', '--since=2024-05-01T00:00:00Z'], false, db);
    assert.equal(alerts.out.trimEnd().split('\n').map((l) => JSON.parse(l).rule), ['old-rule']);
  });
});

test('table on a TTY escapes control characters in paths', () => {
  withDb((db) => {
    const { code, out } = run(['--since', '30m'], true, db);
    assert.is(code, 0);
    assert.not.ok(out.includes('\x1b'), 'raw ESC reached the terminal');
    const lines = out.trimEnd().split('\n');
    assert.is(lines.length, 3, 'header + 2 rows: the newline in the path did not create a row');
    assert.match(lines[0]!, /^TIME\s+TYPE\s+SUMMARY$/);
    assert.ok(lines[1]!.includes('modified /etc/\\x1b[31mevil\\x0aINJECTED'), lines[1]);
    assert.ok(lines[1]!.includes('by vi[42] uid=0'));
    assert.ok(lines[1]!.startsWith('2024-05-01T11:50:00Z'));
  });
});

test('bad arguments → message and exit 2', () => {
  withDb((db) => {
    const cases = [
      ['--since', 'yesterday'],
      ['--db', db, '--since'],
      ['--type', 'bogus'],
      ['--frobnicate'],
      ['--json=yes'],
      ['--db', ''],
    ];
    for (const argv of cases) {
      const { code, out, err } = run(argv, false, db);
      assert.is(code, 2, argv.join(' '));
      assert.is(out, '');
      assert.ok(err.startsWith('lsmwatch alerts: '), err);
    }
  });
});

test('missing database → one clear line and exit 1', () => {
  const tmp = makeTempDir();
  try {
    const missing = join(tmp.dir, 'nope.db');
    const { code, out, err } = run([], true, missing);
    assert.is(code, 1);
    assert.is(out, '');
    assert.is(err.trimEnd().split('\n').length, 1);
    assert.ok(err.includes(`no state database at ${missing}`));
  } finally {
    tmp.cleanup();
  }
});

test('--help prints usage and exits 0', () => {
  const { code, out } = run(['--help'], true, '/nonexistent');
  assert.is(code, 0);
  assert.ok(out.startsWith('usage: lsmwatch alerts'));
});

test.run();
