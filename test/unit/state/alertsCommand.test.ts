import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { meetsMinimum, runAlertsCommand, severityOf, summarizeRecord } from '../../../src/state/alertsCommand.js';
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
    assert.match(lines[0]!, /^TIME\s+TYPE\s+SEVERITY\s+SUMMARY$/);
    assert.match(lines[1]!, /^\S+\s+change\s+info\s+modified /);
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
      ['--min-severity', 'severe'],
      ['--min-severity'],
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

function withAlerts(fn: (dbPath: string) => void): void {
  const tmp = makeTempDir();
  try {
    const dbPath = join(tmp.dir, 'state.db');
    const store = openStateStore(dbPath);
    const at = new Date(NOW.getTime() - 60_000);
    store.appendHistory('alert', { type: 'alert', rule: 'account_uid0_added', severity: 'critical', attack: 'T1136.001', message: 'account "x" with uid 0 added to /etc/passwd', path: '/etc/passwd' }, at);
    store.appendHistory('alert', { type: 'alert', rule: 'timestomp', severity: 'medium', attack: 'T1070.006', message: 'mtime moved backwards', path: '/usr/bin/ls' }, at);
    store.appendHistory('alert', { type: 'alert', rule: 'ptrace_agent', pid: 5, comm: 'gdb' }, at); // older alert: no severity field
    store.appendHistory('alert', { type: 'alert', rule: 'some_future_rule' }, at); // unknown: no severity
    store.appendHistory('change', { type: 'change', path: '/etc/passwd', action: 'modified', old: null, new: null, diff: { kind: 'special' }, by: null }, at);
    store.appendHistory('integrity', { status: 'mismatch', file: 'x.js' }, at);
    store.close();
    fn(dbPath);
  } finally {
    tmp.cleanup();
  }
}

test('--min-severity keeps rows at or above the grade, in NDJSON and on a terminal', () => {
  withAlerts((db) => {
    const json = run(['--min-severity', 'high'], false, db);
    assert.is(json.code, 0, json.err);
    const rules = json.out.trimEnd().split('\n').map((l) => JSON.parse(l)).map((r) => r.rule ?? r.type);
    assert.equal(rules, ['account_uid0_added', 'ptrace_agent', 'integrity']);
    const medium = run(['--min-severity=medium', '--type', 'alert', '--json'], true, db);
    assert.equal(medium.out.trimEnd().split('\n').map((l) => JSON.parse(l).rule), ['account_uid0_added', 'timestomp', 'ptrace_agent']);
    const critical = run(['--min-severity', 'critical'], true, db);
    const lines = critical.out.trimEnd().split('\n');
    assert.is(lines.length, 3, critical.out);
    assert.match(lines[1]!, /\salert\s+critical\s+account_uid0_added T1136\.001 account "x" with uid 0 added to \/etc\/passwd$/, 'the path is not repeated');
    assert.match(lines[2]!, /\sintegrity\s+critical\s/);
    // without the flag everything is there, unknown grades shown as "-"
    const all = run([], true, db).out.trimEnd().split('\n');
    assert.is(all.length, 7);
    assert.ok(all.some((l) => /\salert\s+-\s+some_future_rule/.test(l)), all.join('\n'));
    // info keeps every row whose grade is known: changes count as info
    assert.is(run(['--min-severity', 'info'], false, db).out.trimEnd().split('\n').length, 5);
  });
});

test('severity of a row: own field, older alert rules, integrity status, changes', () => {
  assert.is(severityOf('alert', { rule: 'x', severity: 'low' }), 'low');
  assert.is(severityOf('alert', { rule: 'write_burst_pid' }), 'medium');
  assert.is(severityOf('alert', { rule: 'toString' }), null, 'no prototype lookups');
  assert.is(severityOf('alert', { rule: 'x', severity: 'urgent' }), null);
  assert.is(severityOf('alert', null), null);
  assert.is(severityOf('integrity', { status: 'baseline' }), 'info');
  assert.is(severityOf('integrity', { status: 'detached' }), 'critical');
  assert.is(severityOf('change', null), 'info');
  const row = { id: 1, timeMs: 0, type: 'alert' as const, json: '{"rule":"x","severity":"high"}' };
  assert.ok(meetsMinimum(row, 'high'));
  assert.not.ok(meetsMinimum(row, 'critical'));
  assert.ok(meetsMinimum(row, undefined));
  assert.not.ok(meetsMinimum({ ...row, json: 'not json' }, 'info'));
});

test('a change row with the process context names the executable, the login user and the session', () => {
  const by = { pid: 7, comm: 'useradd', uid: 0, exe: '/usr/sbin/useradd', login_uid: 1000, login_user: 'alice', session_id: 3 };
  assert.is(summarizeRecord('change', { action: 'replaced', path: '/etc/passwd', by }), 'replaced /etc/passwd by /usr/sbin/useradd[7] uid=0 login=alice session=3');
  assert.is(summarizeRecord('change', { action: 'modified', path: '/x', by: { pid: 1, comm: 'vi', uid: 0 } }), 'modified /x by vi[1] uid=0', 'rows from before');
});

test.run();
