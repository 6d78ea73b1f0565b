import { test } from 'uvu';
import { testProcesses } from '../../fixtures/process/processFixtures.js';
import * as assert from 'uvu/assert';
import { createStatsReporter, describeLoss, kernelCounts } from '../../../src/agent/statsReporter.js';
import { createAlertOutput } from '../../../src/agent/alertOutput.js';
import { Stat, STAT_MAX } from '../../../src/sensor/contract.js';
import type { NativeStats } from '../../../src/sensor/nativeAddon.js';
import { recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

function kernel(values: Partial<Record<keyof typeof Stat, number>>): number[] {
  const k = new Array<number>(STAT_MAX).fill(0);
  for (const [name, v] of Object.entries(values)) k[Stat[name as keyof typeof Stat]] = v!;
  return k;
}

function native(k: number[], user: Partial<NativeStats['user']> = {}): NativeStats {
  return { kernel: k, user: { recordsReceived: 0, recordsDelivered: 0, recordsDropped: 0, processRecordsDropped: 0, batchesDelivered: 0, queuedBytes: 0, queueCapacityBytes: 0, ...user } };
}

function reporter(readNative: () => NativeStats, now: () => bigint = () => 0n, consumerErrors = () => 0) {
  const output = recordingOutput();
  const notices = recordingNotices();
  const losses: number[] = [];
  const stats = createStatsReporter({
    readNative,
    output,
    notices,
    nowRfc3339: () => 'now',
    monotonicNowNs: now,
    sensor: 'tracepoint',
    consumerErrors,
    alerts: createAlertOutput(output, notices),
    alertIntervalNs: 60_000_000_000n,
    onLoss: () => losses.push(1),
    processCounts: () => testProcesses().processes.counts(),
  });
  return { stats, output, notices, losses };
}

test('kernelCounts names every counter and derives pending aggregated writes', () => {
  const k = kernelCounts(kernel({ SEEN: 10, FILTERED: 3, AGGREGATED: 5, EMITTED: 2, AGG_REPORTED: 4, AGG_LOST: 0 }));
  assert.is(k.seen, k.filtered + k.aggregated + k.emitted + k.lost);
  assert.is(k.aggregated_pending, 1);
});

test('the stats line: stages, consumer errors, per-sink counts, and the sum of losses', () => {
  let errors = 0;
  const r = reporter(
    () => native(kernel({ SEEN: 20, FILTERED: 5, EMITTED: 10, LOST_RINGBUF: 5, AGG_LOST: 2 }), { recordsReceived: 10, recordsDelivered: 9, recordsDropped: 1 }),
    () => 0n,
    () => errors,
  );
  r.stats.recordDecoded(8, 1);
  for (let i = 0; i < 7; i++) r.stats.countOutput('written');
  r.stats.countOutput('dropped');
  errors = 3;
  const s = r.stats.snapshot(true);
  assert.is(s.type, 'stats');
  assert.is(s.final, true);
  assert.is(s.agent.decoded, s.agent.emitted + s.agent.dropped_output);
  assert.is(s.agent.delivered, s.agent.decoded + s.agent.invalid);
  assert.is(s.agent.consumer_errors, 3);
  assert.ok('fake' in s.agent.sinks);
  assert.is(s.lost, 5 + 2 + 1 + 1 + 1);
  assert.equal(Object.keys(s), ['type', 'time', 'sensor', 'final', 'lost', 'kernel', 'agent']);
});

test('process records: counted by the kernel and the agent apart from events; the cache\'s counts in agent.process', () => {
  const r = reporter(() =>
    native(kernel({ SEEN: 4, EMITTED: 4, PROC_EMITTED: 7, PROC_LOST: 2 }), { recordsReceived: 11, recordsDelivered: 10, recordsDropped: 1, processRecordsDropped: 1 }),
  );
  r.stats.recordDecoded(10, 0);
  for (let i = 0; i < 4; i++) r.stats.countOutput('written');
  for (let i = 0; i < 6; i++) r.stats.countProcessRecord();
  const s = r.stats.snapshot(false);
  assert.equal([s.kernel.process_records, s.kernel.process_records_lost], [7, 2]);
  assert.is(s.agent.received, s.kernel.emitted + s.kernel.flushed + s.kernel.process_records);
  assert.is(s.agent.received, s.agent.delivered + s.agent.dropped_queue);
  assert.is(s.agent.process_records_dropped, 1, 'a process record dropped in the queue ...');
  assert.is(s.agent.decoded, s.agent.emitted + s.agent.dropped_output + s.agent.process_records);
  assert.equal(Object.keys(s.agent.process), ['cached', 'exec_records', 'fork_records', 'exit_records', 'procfs_reads', 'misses', 'evicted']);
  assert.is(s.lost, 0, '... and lost ones in the kernel are no lost events (the agent falls back to /proc): counted in their own fields');
});

test('a new loss is one events_lost alert per stats interval, naming the stage; every new loss asks for a re-check', () => {
  let now = 0n;
  let ring = 0;
  let queue = 0;
  const r = reporter(() => native(kernel({ LOST_RINGBUF: ring }), { recordsDropped: queue }), () => now);
  r.stats.checkLoss();
  assert.equal(r.output.records, []);
  assert.equal(r.losses, []);
  ring = 4;
  r.stats.checkLoss();
  assert.equal(r.output.records, [
    { type: 'alert', rule: 'events_lost', time: 'now', stage: 'kernel_ring_buffer', lost: 4, stages: { kernel_ring_buffer: 4, agent_queue: 0, decode: 0, output: 0 }, total_lost: 4, severity: 'high', attack: 'T1562.006' },
  ]);
  assert.match(r.notices.lines[0]!, /^alert: 4 events lost \(kernel ring buffer 4; total 4\); the baseline files are re-checked/);
  queue = 10;
  now += 1_000_000_000n;
  r.stats.report(false);
  assert.is(r.output.records.filter((x) => x.rule === 'events_lost').length, 1, 'one alert per interval');
  assert.is(r.losses.length, 2, 'but each new loss asks for a re-check');
  now += 60_000_000_000n;
  ring = 5;
  r.stats.checkLoss();
  const second = r.output.records.filter((x) => x.rule === 'events_lost')[1]!;
  assert.equal([second.stage, second.lost, second.stages], ['agent_queue', 11, { kernel_ring_buffer: 1, agent_queue: 10, decode: 0, output: 0 }]);
  r.stats.checkLoss();
  assert.is(r.losses.length, 3, 'no new loss, no re-check');
});

test('describeLoss names only the stages that lost something', () => {
  assert.is(describeLoss({ kernel_ring_buffer: 0, agent_queue: 2, decode: 0, output: 3 }, 9), '5 events lost (agent queue 2, output 3; total 9); the baseline files are re-checked; see the "stats" lines');
});

test('a baseline scan in progress is in the line while it runs', () => {
  let scan: { done: number; total: number } | null = { done: 2, total: 8 };
  const r = createStatsReporter({ readNative: () => native(kernel({})), output: recordingOutput(), notices: recordingNotices(), nowRfc3339: () => 't', monotonicNowNs: () => 0n, sensor: 'lsm', consumerErrors: () => 0, baselineScan: () => scan, alerts: { raise() {}, settle() {} }, alertIntervalNs: 60_000_000_000n, processCounts: () => testProcesses().processes.counts() });
  assert.equal(r.snapshot(false).baseline_scan, { done: 2, total: 8 });
  scan = null;
  assert.not.ok('baseline_scan' in r.snapshot(false));
});

test.run();
