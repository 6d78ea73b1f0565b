import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testProcesses } from '../../fixtures/process/processFixtures.js';
import { createMetricsCollector, healthOf, readBpfStatsEnabled, type AgentParts } from '../../../src/agent/metricsEndpoint.js';
import { createWatchList } from '../../../src/agent/watchList.js';
import { createStatsReporter } from '../../../src/agent/statsReporter.js';
import { createRecordCounts } from '../../../src/metrics/recordCounts.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import { parseAgentPolicy } from '../../../src/agent/agentPolicy.js';
import { buildWatchEntries } from '../../../src/sensor/watchKeys.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';
import { recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

function parts() {
  const native = fakeNative();
  const entries = buildWatchEntries({ watch: ['/etc/', '/root/.bashrc'], watchReads: [], ignore: [] });
  const records = createRecordCounts();
  const stats = createStatsReporter({
    readNative: () => native.stats(),
    output: recordingOutput(),
    notices: recordingNotices(),
    nowRfc3339: () => 't',
    monotonicNowNs: () => 0n,
    sensor: 'tracepoint',
    consumerErrors: () => 0,
    alerts: { raise() {}, settle() {} },
    alertIntervalNs: 60_000_000_000n,
    processCounts: () => testProcesses().processes.counts(),
  });
  let counted = 0;
  const countEntries = native.countEntries;
  native.countEntries = (names) => {
    counted++;
    return countEntries(names);
  };
  const p: AgentParts = {
    version: '0.1.0',
    sensor: 'tracepoint',
    native,
    stats,
    records,
    watchList: createWatchList(native, { entries, marks: { keys: new Set(), missing: 0 } }, 4096),
    inodePaths: createInodePaths(),
    detection: { name: 'd', consume() {}, start() {}, stop() {}, reconfigure() {}, trackedKeys: () => ({ pid: 0, path: 0, fanout: 0 }) },
    state: null,
    integrity: () => null,
    policy: () => parseAgentPolicy('{"watch":["/etc/"]}', '/p.json'),
    loop: { maxGapMs: () => 0, stop() {} },
    startTimeSeconds: 1,
  };
  return { p, native, counted: () => counted };
}

test('a scrape: the watch map counted by the agent, the kernel maps by a walk reused for 5 s', async () => {
  const t = parts();
  t.native.maps.set('lw_inode_marks', new Map([['a', Buffer.alloc(8)], ['b', Buffer.alloc(8)]]));
  const text = await createMetricsCollector(t.p)();
  assert.match(text, /^lsmwatch_bpf_map_entries\{map="lw_watch",counted_by="agent"\} 4$/m);
  assert.match(text, /^lsmwatch_bpf_map_entries\{map="lw_inode_marks",counted_by="batch"\} 2$/m);
  assert.match(text, /^lsmwatch_queue_capacity_bytes 33554432$/m);
  assert.match(text, /^lsmwatch_healthy 1$/m);
  const collect = createMetricsCollector(t.p);
  await collect();
  await collect();
  assert.is(t.counted(), 2, 'one walk per collector within 5 s');
});

test('health follows the attachments and the watchdog', () => {
  const t = parts();
  assert.is(healthOf(t.p).healthy, true);
  t.native.attachments[0]!.linkPresent = false;
  assert.is(healthOf(t.p).healthy, false);
  t.native.attachments[0]!.linkPresent = true;
  t.native.fired = true;
  assert.is(healthOf(t.p).healthy, false);
});

test('kernel.bpf_stats_enabled: on, off, unreadable', () => {
  assert.is(readBpfStatsEnabled(() => '1\n'), true);
  assert.is(readBpfStatsEnabled(() => '0\n'), false);
  assert.is(
    readBpfStatsEnabled(() => {
      throw new Error('ENOENT');
    }),
    null,
  );
});

test.run();
