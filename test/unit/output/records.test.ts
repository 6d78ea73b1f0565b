import { test } from 'uvu';
import { testProcesses } from '../../fixtures/process/processFixtures.js';
import * as assert from 'uvu/assert';
import {
  baselineLine,
  detectAlertLine,
  integrityBaselineLine,
  OUTPUT_RECORD_TYPES,
  policyRejectedLine,
  policyReloadedLine,
  readyLine,
  selfProtectionAlertLine,
  settingLine,
  signalHandledLine,
  statsLine,
  variantSummary,
} from '../../../src/output/records.js';
import { signalDispositions } from '../../../src/agent/signals.js';

test('every record type is listed once', () => {
  assert.is(new Set(OUTPUT_RECORD_TYPES).size, OUTPUT_RECORD_TYPES.length);
  for (const t of ['open', 'write', 'rename', 'unlink', 'ptrace', 'signal', 'bpf_access', 'task', 'cgroup', 'ready', 'setting', 'stats', 'alert', 'integrity', 'change', 'baseline', 'signal_handled']) {
    assert.ok((OUTPUT_RECORD_TYPES as readonly string[]).includes(t), t);
  }
});

test('the ready line keeps its field order; guard, node and lsm_unavailable only when present', () => {
  const guard = { files: 3, objects: 4, signalsAllowed: ['SIGTERM'], cgroup: '/lw', settingsMapId: 5, watchdogSeconds: 10 };
  const base = {
    time: 't', version: '0.1.0', pid: 9, sensor: 'lsm' as const, kernel: '6.12', enforcement: true, forbidPtrace: 'self' as const,
    protect: true, guard, attached: [{ hook: 'lsm/file_open', progId: 70 }],
    skippedHooks: [], policyFile: '/p.json', policySha256: 'ab', watch: ['/etc/'], marks: { marked: 2, missing: 0, trieEntries: 5 }, blindSpots: [{ id: 'x', what: 'y' }], stateDb: null, metrics: null, lsmUnavailable: null,
    node: null, signals: signalDispositions(true), variants: [],
  };
  const line = readyLine(base);
  assert.equal(Object.keys(line), ['type', 'time', 'version', 'pid', 'sensor', 'kernel', 'enforcement', 'forbid_ptrace', 'protect', 'guard', 'hooks', 'programs', 'prog_ids', 'skipped_hooks', 'variant', 'program_variants', 'policy', 'policy_sha256', 'watch', 'marks', 'blind_spots', 'state_db', 'signals']);
  assert.equal(line.guard, {
    files: 3,
    objects: 4,
    ptrace: 'denied',
    signals_allowed: ['SIGTERM'],
    limits: 'denied',
    cgroup: '/lw',
    cgroup_files: 'freeze, kill and limits of its cgroup and ancestors denied; moves reported',
    settings_map_id: 5,
    watchdog_seconds: 10,
  });
  assert.equal(Object.keys(line.signals as object), ['stop', 'reload', 'reported', 'ignored', 'allowed_under_protect']);
  const unprotected = readyLine({ ...base, protect: false, guard: null, signals: signalDispositions(false) });
  assert.equal(Object.keys(unprotected.signals as object), ['stop', 'reload', 'reported', 'ignored', 'unhandled']);
  const withNode = readyLine({
    ...base,
    node: { version: 'v22.14.0', executable: '/usr/bin/node', sha256: 'cd', execArgv: ['--disable-sigusr1'], nodeOptions: null, sigusr1: 'disabled', allowNodeOptions: false },
  });
  assert.equal(withNode.node, {
    version: 'v22.14.0', executable: '/usr/bin/node', sha256: 'cd', exec_argv: ['--disable-sigusr1'], node_options: null, sigusr1: 'disabled', allow_node_options: false,
  });
  assert.equal([line.marks, line.blind_spots], [{ marked: 2, missing: 0, trie_entries: 5 }, [{ id: 'x', what: 'y' }]]);
  assert.equal([line.hooks, line.programs, line.prog_ids], [['lsm/file_open'], 1, [70]]);
  const fallback = readyLine({ ...base, guard: null, lsmUnavailable: 'EPERM' });
  assert.not.ok('guard' in fallback);
  assert.is(fallback.lsm_unavailable, 'EPERM');
  assert.equal([line.variant, line.program_variants], ['default', {}]);
  const older = readyLine({ ...base, variants: [{ program: 'lw_lsm_file_permission', variant: 'lw_lsm_file_permission__no_atomics' }] });
  assert.equal([older.variant, older.program_variants], ['no_atomics', { lw_lsm_file_permission: 'lw_lsm_file_permission__no_atomics' }]);
});

test('variantSummary: "default" when every program is the first choice', () => {
  assert.is(variantSummary([]), 'default');
});

test('variantSummary: the distinct suffixes of the variants in use, sorted', () => {
  const v = (program: string, suffix: string) => ({ program, variant: `${program}__${suffix}` });
  assert.is(variantSummary([v('lw_a', 'no_atomics'), v('lw_b', 'no_atomics')]), 'no_atomics');
  assert.is(variantSummary([v('lw_b', 'no_loop'), v('lw_a', 'no_atomics')]), 'no_atomics+no_loop');
});

test('signal_handled: early only when the launcher noted it', () => {
  assert.equal(signalHandledLine({ time: 't', signal: 'SIGQUIT', action: 'ignored', suppressed: 2, early: false }), {
    type: 'signal_handled', time: 't', signal: 'SIGQUIT', action: 'ignored', suppressed: 2,
  });
  assert.is(signalHandledLine({ time: 't', signal: 'SIGUSR1', action: 'ignored', suppressed: 0, early: true }).early, true);
});

test('guard alerts about the agent\'s task and cgroup carry their severity and ATT&CK id', () => {
  const task = selfProtectionAlertLine({ rule: 'agent_task_denied', time: 't', pid: 5, comm: 'prlimit', uid: 0, target_pid: 9, operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 1, decision: 'deny' });
  assert.equal([task.severity, task.attack], ['high', 'T1562.001']);
  const frozen = selfProtectionAlertLine({ rule: 'agent_cgroup_frozen', time: 't', pid: 5, comm: 'sh', uid: 0, target_pid: 9, operation: 'freeze', path: '/lw', decision: 'allow' });
  assert.equal([frozen.severity, frozen.attack], ['critical', 'T1562.001']);
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
  const k = { seen: 0, filtered: 0, aggregated: 0, emitted: 0, lost: 1, aggregated_reported: 0, aggregated_lost: 2, aggregated_pending: 0, flushed: 0, flush_lost: 0, verdict_miss: 0, path_truncated: 0, denied: 0, verdict_walks: 0, depth_unknown: 0, marks_full: 0, unresolved: 0, generations: 0, marked: 0, guard_denied: 0, process_records: 0, process_records_lost: 9 };
  const a = { received: 0, delivered: 0, dropped_queue: 4, process_records_dropped: 1, queued_bytes: 0, decoded: 0, invalid: 4, emitted: 0, dropped_output: 5, process_records: 0, process: testProcesses().processes.counts(), consumer_errors: 0, sinks: {} };
  assert.is(statsLine('t', 'lsm', true, k, a).lost, 15);
});

test('policy records: reloaded says what changed, rejected carries the start-up error and the running digest', () => {
  const reloaded = policyReloadedLine({ time: 't', trigger: 'SIGHUP', file: '/p.json', sha256: 'new', previousSha256: 'old', changes: { watch: { added: ['/x/'], removed: [] } }, requiresRestart: ['aggregate.window_ms'] });
  assert.equal(reloaded, { type: 'policy', status: 'reloaded', time: 't', trigger: 'SIGHUP', policy: '/p.json', policy_sha256: 'new', previous_sha256: 'old', changes: { watch: { added: ['/x/'], removed: [] } }, requires_restart: ['aggregate.window_ms'] });
  assert.equal(policyRejectedLine({ time: 't', trigger: 'ctl', file: '/p.json', error: 'invalid policy: …', runningSha256: 'old' }), { type: 'policy', status: 'rejected', time: 't', trigger: 'ctl', policy: '/p.json', error: 'invalid policy: …', policy_sha256: 'old' });
  assert.ok((OUTPUT_RECORD_TYPES as readonly string[]).includes('policy'));
});

test('a baseline scan in progress shows in the stats line; the reload baseline line says so', () => {
  const k = { seen: 0, filtered: 0, aggregated: 0, emitted: 0, lost: 0, aggregated_reported: 0, aggregated_lost: 0, aggregated_pending: 0, flushed: 0, flush_lost: 0, verdict_miss: 0, path_truncated: 0, denied: 0, verdict_walks: 0, depth_unknown: 0, marks_full: 0, unresolved: 0, generations: 0, marked: 0, guard_denied: 0, process_records: 0, process_records_lost: 0 };
  const a = { received: 0, delivered: 0, dropped_queue: 0, process_records_dropped: 0, queued_bytes: 0, decoded: 0, invalid: 0, emitted: 0, dropped_output: 0, process_records: 0, process: testProcesses().processes.counts(), consumer_errors: 0, sinks: {} };
  assert.equal(statsLine('t', 'lsm', false, k, a, { done: 5, total: 9 }).baseline_scan, { done: 5, total: 9 });
  assert.not.ok('baseline_scan' in statsLine('t', 'lsm', false, k, a));
  assert.equal(baselineLine('t', 3, 0, '/db', 1), { type: 'baseline', time: 't', files: 3, offline_changes: 0, db: '/db', reload: true, changes: 1 });
});

test.run();
