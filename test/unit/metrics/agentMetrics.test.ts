import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testProcesses } from '../../fixtures/process/processFixtures.js';
import { buildMetricFamilies, type MetricsSnapshot } from '../../../src/metrics/agentMetrics.js';
import { renderExposition } from '../../../src/metrics/exposition.js';
import { statsLine } from '../../../src/output/records.js';
import { evaluateHealth } from '../../../src/metrics/health.js';

function snapshot(over: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  const kernel = {
    seen: 100, filtered: 50, aggregated: 30, emitted: 15, lost: 5, aggregated_reported: 20, aggregated_lost: 7, aggregated_pending: 3,
    flushed: 2, flush_lost: 1, verdict_miss: 4, path_truncated: 0, denied: 0, verdict_walks: 0, depth_unknown: 0, marks_full: 0, unresolved: 0, generations: 0, marked: 0, guard_denied: 0, process_records: 0, process_records_lost: 0,
  };
  const agent = {
    received: 17, delivered: 15, dropped_queue: 2, process_records_dropped: 0, process_records: 0, process: testProcesses().processes.counts(), queued_bytes: 64, decoded: 14, invalid: 1, emitted: 11, dropped_output: 3,
    consumer_errors: 0, sinks: { stdout: { written: 20, dropped: 3 }, metrics: { written: 23, dropped: 0 } },
  };
  return {
    build: { version: '0.1.0', sensor: 'lsm', kernel: '6.12.0', node: 'v20.20.2' },
    startTimeSeconds: 1000,
    stats: statsLine('t', 'lsm', false, kernel, agent),
    events: { open: 4, write: 10 },
    operations: { open: 4, write: 510 },
    alerts: new Map([['write_burst_pid\tmedium', 2]]),
    records: new Map([['integrity:baseline', 1], ['policy:reloaded', 3], ['policy:rejected', 1]]),
    maps: [
      { name: 'lw_watch', id: 1, type: 11, maxEntries: 4096, keySize: 260, valueSize: 8 },
      { name: 'lw_verdicts', id: 2, type: 9, maxEntries: 65536, keySize: 16, valueSize: 8 },
    ],
    mapCounts: [{ name: 'lw_verdicts', entries: 812, complete: true, method: 'batch' }],
    agentMapEntries: { lw_watch: 5 },
    programs: [{ program: 'lw_open', hook: 'lsm/file_open', progId: 3, ok: true, runCnt: 10, runTimeNs: 2_000_000_000, recursionMisses: 0 }],
    bpfStatsEnabled: true,
    ring: { ok: true, pendingBytes: 128, capacityBytes: 4194304 },
    queueCapacityBytes: 33554432,
    inodePathCache: { entries: 3, capacity: 4096 },
    detectorKeys: { pid: 1, path: 2, fanout: 1 },
    integrity: { timeMs: 5_000, problems: 0, checks: 4 },
    baselineScan: { done: 10, total: 40 },
    health: evaluateHealth({ attachments: [{ program: 'p', hook: 'h', progId: 3, linkId: 4, progPresent: true, linkPresent: true }], maxGapMs: 0, thresholdMs: 5000, watchdogFired: false }),
    policy: { sha256: 'ab', watchEntries: 5 },
    process: { rssBytes: 1, heapUsedBytes: 2 },
    ...over,
  };
}

const sample = (text: string, name: string, labels = '') => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

test('the loss stages are the stats line\'s own terms, and add up to its "lost"', () => {
  const s = snapshot();
  const text = renderExposition(buildMetricFamilies(s));
  const stages = { kernel_ring: s.stats.kernel.lost, kernel_aggregated: s.stats.kernel.aggregated_lost, agent_queue: s.stats.agent.dropped_queue, decode: s.stats.agent.invalid, output: s.stats.agent.dropped_output };
  let sum = 0;
  for (const [stage, value] of Object.entries(stages)) {
    assert.is(sample(text, 'lsmwatch_lost_total', `{stage="${stage}"}`), value, stage);
    sum += value;
  }
  assert.is(sum, s.stats.lost);
  assert.is(sample(text, 'lsmwatch_kernel_seen_total'), 100);
  assert.is(sample(text, 'lsmwatch_kernel_flush_records_lost_total'), 1);
  assert.is(sample(text, 'lsmwatch_sink_records_dropped_total', '{sink="stdout"}'), 3);
});

test('events by type and sensor, alerts by rule and severity, reloads by status', () => {
  const text = renderExposition(buildMetricFamilies(snapshot()));
  assert.is(sample(text, 'lsmwatch_events_total', '{type="write",sensor="lsm"}'), 10);
  assert.is(sample(text, 'lsmwatch_event_operations_total', '{type="write",sensor="lsm"}'), 510);
  assert.is(sample(text, 'lsmwatch_alerts_total', '{rule="write_burst_pid",severity="medium"}'), 2);
  assert.is(sample(text, 'lsmwatch_policy_reloads_total', '{status="reloaded"}'), 3);
  assert.is(sample(text, 'lsmwatch_integrity_findings_total', '{status="baseline"}'), 1);
  assert.is(sample(text, 'lsmwatch_build_info', '{version="0.1.0",sensor="lsm",kernel="6.12.0",node="v20.20.2"}'), 1);
});

test('map entries say who counted them; capacities for every map', () => {
  const text = renderExposition(buildMetricFamilies(snapshot()));
  assert.is(sample(text, 'lsmwatch_bpf_map_entries', '{map="lw_watch",counted_by="agent"}'), 5);
  assert.is(sample(text, 'lsmwatch_bpf_map_entries', '{map="lw_verdicts",counted_by="batch"}'), 812);
  assert.is(sample(text, 'lsmwatch_bpf_map_capacity', '{map="lw_verdicts"}'), 65536);
  assert.is(sample(text, 'lsmwatch_ringbuf_pending_bytes'), 128);
  assert.is(sample(text, 'lsmwatch_queue_bytes'), 64);
  assert.is(sample(text, 'lsmwatch_baseline_scan_files', '{state="total"}'), 40);
});

test('program run counters only while kernel.bpf_stats_enabled is on, in seconds', () => {
  const on = renderExposition(buildMetricFamilies(snapshot()));
  assert.is(sample(on, 'lsmwatch_bpf_program_runs_total', '{program="lw_open",hook="lsm/file_open"}'), 10);
  assert.is(sample(on, 'lsmwatch_bpf_program_run_seconds_total', '{program="lw_open",hook="lsm/file_open"}'), 2);
  assert.is(sample(on, 'lsmwatch_bpf_stats_enabled'), 1);
  const off = renderExposition(buildMetricFamilies(snapshot({ bpfStatsEnabled: false, programs: null })));
  assert.is(sample(off, 'lsmwatch_bpf_stats_enabled'), 0);
  assert.not.ok(off.includes('lsmwatch_bpf_program_runs_total'));
});

test('every counter ends in _total and every family has HELP and TYPE', () => {
  const families = buildMetricFamilies(snapshot());
  for (const f of families) {
    if (f.type === 'counter') assert.ok(f.name.endsWith('_total'), f.name);
    assert.ok(f.help.length > 0, f.name);
    assert.ok(f.name.startsWith('lsmwatch_') || f.name.startsWith('process_') || f.name.startsWith('nodejs_'), f.name);
  }
});

test.run();
