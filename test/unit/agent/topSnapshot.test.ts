import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testProcesses } from '../../fixtures/process/processFixtures.js';
import { topSnapshot } from '../../../src/agent/topSnapshot.js';
import { createActivity } from '../../../src/agent/activity.js';
import { createWatchList } from '../../../src/agent/watchList.js';
import { createStatsReporter } from '../../../src/agent/statsReporter.js';
import { createRecordCounts } from '../../../src/metrics/recordCounts.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import { parseAgentPolicy } from '../../../src/agent/agentPolicy.js';
import type { AgentParts } from '../../../src/agent/metricsEndpoint.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';
import { fileEvent, proc, recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

test('the snapshot carries totals, the stats line\'s losses and the busiest keys', () => {
  const native = fakeNative();
  const records = createRecordCounts();
  records.sink.write({ type: 'write', count: 7 });
  records.sink.write({ type: 'alert', rule: 'ptrace_agent', time: 't' });
  const activity = createActivity();
  activity.consume(fileEvent({ process: proc({ pid: 5, comm: { text: 'w' } }), count: 7, timeNs: 0n }));
  const parts: AgentParts = {
    version: '0.1.0',
    sensor: 'tracepoint',
    native,
    stats: createStatsReporter({ readNative: () => native.stats(), output: recordingOutput(), notices: recordingNotices(), nowRfc3339: () => 't', monotonicNowNs: () => 0n, sensor: 'tracepoint', consumerErrors: () => 0, alerts: { raise() {}, settle() {} }, alertIntervalNs: 60_000_000_000n, processCounts: () => testProcesses().processes.counts() }),
    records,
    watchList: createWatchList(native, { entries: [], marks: { keys: new Set(), missing: 0 } }, 4096),
    inodePaths: createInodePaths(),
    detection: { name: 'd', consume() {}, start() {}, stop() {}, reconfigure() {}, trackedKeys: () => ({ pid: 0, path: 0, fanout: 0 }) },
    state: null,
    integrity: () => null,
    policy: () => parseAgentPolicy('{"watch":["/etc/"]}', '/p.json'),
    loop: { maxGapMs: () => 0, stop() {} },
    startTimeSeconds: 100,
  };
  const s = topSnapshot(parts, activity, { rfc3339: 'T', monotonicNs: 0n, unixSeconds: 160 });
  assert.is(s.uptime_seconds, 60);
  assert.equal(s.events, { write: 1 });
  assert.equal(s.operations, { write: 7 });
  assert.equal(s.alerts, [{ rule: 'ptrace_agent', severity: 'high', count: 1 }]);
  assert.equal(s.losses, { kernel_ring: 0, kernel_aggregated: 0, agent_queue: 0, decode: 0, output: 0 });
  assert.equal(s.processes.map((p) => [p.pid, p.comm, p.total]), [[5, 'w', 7]]);
  assert.equal(s.queue, { bytes: 0, capacity: 33554432 });
  assert.is(s.healthy, true);
});

test.run();
