import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBatchHandler } from '../../../src/agent/batchHandler.js';
import { createEventConsumers } from '../../../src/agent/eventConsumers.js';
import type { StatsReporter } from '../../../src/agent/statsReporter.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import type { SensorEvent } from '../../../src/events/types.js';
import { RecordFlag, RecordType } from '../../../src/sensor/contract.js';
import { PROC, execRecordBytes, exitRecordBytes, fileRecord, forkRecordBytes, rawRecord } from '../../fixtures/records/recordBytes.js';
import { withTailMembers } from '../../../src/output/jsonTail.js';
import { recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';
import { testProcesses } from '../../fixtures/process/processFixtures.js';

function harness(consume: (e: SensorEvent) => void = () => {}) {
  const output = recordingOutput();
  const calls: string[] = [];
  const decoded: Array<[number, number]> = [];
  const outcomes: string[] = [];
  const stats = {
    recordDecoded: (n: number, bad: number) => decoded.push([n, bad]),
    countOutput: (o: string) => outcomes.push(o),
    countProcessRecord: () => outcomes.push('process'),
  } as unknown as StatsReporter;
  const consumers = createEventConsumers([{ name: 'test', consume }], recordingNotices(), () => 0n);
  const handle = createBatchHandler({
    enrich: { sensor: 'tracepoint', toRfc3339: (ns) => `mono:${ns}`, agentPid: 1, lookupComm: () => undefined, inodePaths: createInodePaths(), ...testProcesses() },
    output,
    consumers,
    stats,
    sensor: { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
  });
  return { handle, output, calls, decoded, outcomes, consumers };
}

test('records are decoded, enriched, output in order, then given to the consumers', () => {
  const seen: SensorEvent[] = [];
  const h = harness((e) => seen.push(e));
  const batch = Buffer.concat([
    fileRecord({ type: RecordType.OPEN, path: '/w/a', ino: 5n, dev: 1 }),
    fileRecord({ type: RecordType.WRITE, path: '', ino: 5n, dev: 1, flags: RecordFlag.AGGREGATED | RecordFlag.PATH_UNKNOWN, count: 7n }),
    fileRecord({ type: RecordType.WRITE, path: '', ino: 6n, dev: 1, flags: RecordFlag.AGGREGATED | RecordFlag.PATH_UNKNOWN }),
  ]);
  h.handle(batch, 3);
  assert.equal(h.decoded, [[3, 0]]);
  assert.equal(h.outcomes, ['written', 'written', 'written']);
  assert.equal(h.output.records.map((r) => [r.type, r.path, r.path_unknown]), [
    ['open', '/w/a', undefined],
    ['write', '/w/a', false], // named from the open of the same inode
    ['write', null, true],
  ]);
  assert.equal(seen.map((e) => (e.kind === 'file' ? (e.path?.text ?? null) : e.kind)), ['/w/a', '/w/a', null]);
});

test('exec, fork and exit records feed the process cache: not output, not consumed, counted; later events carry what they said', () => {
  const seen: SensorEvent[] = [];
  const h = harness((e) => seen.push(e));
  const writer = { ...PROC, pid: 5000, tid: 5000, startNs: 50n * 10_000_000n + 3n };
  h.handle(
    Buffer.concat([
      execRecordBytes({ proc: PROC, exe: '/usr/bin/bash', args: 'bash\0' }),
      forkRecordBytes(PROC, 5000, writer.startNs),
      execRecordBytes({ proc: writer, exe: '/usr/local/bin/tool', args: 'tool\0--password=S3cret\0' }),
      fileRecord({ type: RecordType.WRITE, path: '/w/f', proc: writer }),
      exitRecordBytes(writer),
    ]),
    5,
  );
  assert.equal(h.outcomes, ['process', 'process', 'process', 'written', 'process']);
  assert.is(h.output.records.length, 1);
  assert.is(seen.length, 1);
  const line = withTailMembers(h.output.records[0]!);
  assert.equal([line.exe, line.cmdline, line.context_source], ['/usr/local/bin/tool', 'tool --password=***', 'exec']);
  assert.equal((line.ancestors as Array<{ pid: number }>)[0]?.pid, 4242);
});

test('a consumer that throws on an event without a path: the event is still output, the batch goes on', () => {
  const h = harness((e) => {
    if (e.kind === 'file' && e.path === null) throw new TypeError('The "path" argument must be of type string. Received null');
  });
  h.handle(
    Buffer.concat([
      fileRecord({ type: RecordType.WRITE, path: '', ino: 9n, flags: RecordFlag.PATH_UNKNOWN }),
      fileRecord({ type: RecordType.OPEN, path: '/w/next' }),
    ]),
    2,
  );
  assert.equal(h.output.records.map((r) => r.path), [null, '/w/next']);
  assert.is(h.consumers.errors, 1);
});

test('malformed records are counted as invalid and the records before them still go out', () => {
  const h = harness();
  h.handle(Buffer.concat([fileRecord({ type: RecordType.OPEN, path: '/w/a' }), rawRecord(RecordType.OPEN, 12)]), 3);
  assert.equal(h.decoded, [[1, 2]]);
  assert.is(h.output.records.length, 1);
});

test('a backed-up output pauses the sensor once; a drain resumes it', () => {
  const h = harness();
  h.output.setBlocked(true);
  h.output.outcome = 'blocked';
  h.handle(fileRecord({ type: RecordType.OPEN, path: '/w/a' }), 1);
  h.handle(fileRecord({ type: RecordType.OPEN, path: '/w/b' }), 1);
  assert.equal(h.calls, ['pause']);
  h.output.setBlocked(false);
  assert.equal(h.calls, ['pause', 'resume']);
  h.output.setBlocked(false);
  assert.equal(h.calls, ['pause', 'resume']);
});

test.run();
