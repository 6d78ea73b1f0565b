import { test } from 'uvu';
import { testProcesses } from '../../fixtures/process/processFixtures.js';
import * as assert from 'uvu/assert';
import { baselineLine, detectAlertLine, integrityBaselineLine, OUTPUT_RECORD_TYPES, readyLine, settingLine, statsLine } from '../../../src/output/records.js';

test('every record type is listed once', () => {
  assert.is(new Set(OUTPUT_RECORD_TYPES).size, OUTPUT_RECORD_TYPES.length);
  for (const t of ['open', 'write', 'rename', 'unlink', 'ptrace', 'signal', 'bpf_access', 'ready', 'setting', 'stats', 'alert', 'integrity', 'change', 'baseline']) {
    assert.ok((OUTPUT_RECORD_TYPES as readonly string[]).includes(t), t);
  }
});

test('the ready line keeps its field order; guard and lsm_unavailable only when present', () => {
  const base = {
    time: 't', version: '0.1.0', pid: 9, sensor: 'lsm' as const, kernel: '6.12', enforcement: true, forbidPtrace: 'self' as const,
    protect: true, guard: { files: 3, objects: 4, settingsMapId: 5, watchdogSeconds: 10 }, attached: [{ hook: 'lsm/file_open', progId: 70 }],
    skippedHooks: [], policyFile: '/p.json', policySha256: 'ab', watch: ['/etc/'], stateDb: null, lsmUnavailable: null,
  };
  const line = readyLine(base);
  assert.equal(Object.keys(line), ['type', 'time', 'version', 'pid', 'sensor', 'kernel', 'enforcement', 'forbid_ptrace', 'protect', 'guard', 'hooks', 'programs', 'prog_ids', 'skipped_hooks', 'policy', 'policy_sha256', 'watch', 'state_db']);
  assert.equal(line.guard, { files: 3, objects: 4, settings_map_id: 5, watchdog_seconds: 10 });
  assert.equal([line.hooks, line.programs, line.prog_ids], [['lsm/file_open'], 1, [70]]);
  const fallback = readyLine({ ...base, guard: null, lsmUnavailable: 'EPERM' });
  assert.not.ok('guard' in fallback);
  assert.is(fallback.lsm_unavailable, 'EPERM');
});

test('small lines: setting, baseline, integrity baseline, detect alert without time_ns', () => {
  assert.equal(settingLine('t', 'all'), { type: 'setting', time: 't', forbid_ptrace: 'all' });
  assert.equal(baselineLine('t', 3, 1, '/db'), { type: 'baseline', time: 't', files: 3, offline_changes: 1, db: '/db' });
  assert.equal(integrityBaselineLine('t', 70, 0, { path: '/usr/bin/node', sha256: 'cd' }), {
    type: 'integrity', status: 'baseline', time: 't', files_checked: 70, problems: 0, executable: '/usr/bin/node', executable_sha256: 'cd',
  });
  const alert = detectAlertLine(
    { type: 'alert', rule: 'write_burst_pid', phase: 'start', key: '5', rate: 1, baseline: 0, threshold: 1, pid: 5, comm: 'dd', uid: 0, path: '/x', time_ns: 9n },
    'wall',
  );
  assert.not.ok('time_ns' in alert);
  assert.is(alert.time, 'wall');
});

test('stats: lost is the sum of every stage', () => {
  const k = { seen: 0, filtered: 0, aggregated: 0, emitted: 0, lost: 1, aggregated_reported: 0, aggregated_lost: 2, aggregated_pending: 0, flushed: 0, flush_lost: 0, verdict_miss: 0, path_truncated: 0, denied: 0, process_records: 0, process_records_lost: 9 };
  const a = { received: 0, delivered: 0, dropped_queue: 4, process_records_dropped: 1, queued_bytes: 0, decoded: 0, invalid: 4, emitted: 0, dropped_output: 5, process_records: 0, process: testProcesses().processes.counts(), consumer_errors: 0, sinks: {} };
  assert.is(statsLine('t', 'lsm', true, k, a).lost, 15);
});

test.run();
