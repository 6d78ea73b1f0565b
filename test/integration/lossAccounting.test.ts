/** Flood the agent until it must drop (tiny ring buffer, tiny queue, stdout not read) and check that
 * the stats line accounts for every event exactly, and that memory stays bounded meanwhile. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseArgs, inVm, makeSandbox, run, sleep, startAgent, type Event, type Sandbox } from './harness.js';

const loss = suite('loss accounting');
let box: Sandbox;
loss.before(() => {
  box = makeSandbox();
});
loss.after(() => box.cleanup());

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

if (!inVm) {
  loss('a flood with stdout blocked is dropped and counted exactly; memory stays bounded', async () => {
    const agent = startAgent(baseArgs(box, ['--ring-bytes', '16384', '--queue-bytes', '65536']));
    await agent.waitFor((e) => e.type === 'ready', 'ready');
    agent.child.stdout.pause(); // the reader stops reading: stdout backs up
    const file = join(box.watched, 'flood');
    const rssBefore = rssKb(agent.child.pid!);
    let rssMax = rssBefore;
    for (let round = 0; round < 4; round++) {
      // writes are aggregated in the kernel, opens are not: a burst of truncating opens floods
      run('bash', ['-c', 'for i in $(seq 1 20000); do : > "$1"; done', 'flood', file]);
      run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1', 'count=50000', 'status=none']);
      rssMax = Math.max(rssMax, rssKb(agent.child.pid!));
    }
    await sleep(500);
    rssMax = Math.max(rssMax, rssKb(agent.child.pid!));
    agent.child.stdout.resume();
    await agent.stop();
    const stats = agent.events.find((e) => e.type === 'stats' && e.final === true) as Event & {
      lost: number;
      kernel: Record<string, number>;
      agent: Record<string, number>;
    };
    assert.ok(stats, `final stats line; stderr: ${agent.stderr()}`);
    const { kernel: k, agent: a } = stats;
    assert.is(k.seen, k.filtered + k.aggregated + k.emitted + k.lost, 'kernel: seen = filtered + aggregated + emitted + lost');
    assert.ok(k.aggregated > 0, 'writes were aggregated');
    assert.is(k.aggregated, k.aggregated_reported + k.aggregated_lost, 'every aggregated write was reported or counted lost');
    assert.is(k.aggregated_pending, 0);
    assert.is(a.received, k.emitted + k.flushed + k.process_records, 'every record the kernel emitted was received (events, flushes, exec/fork/exit)');
    assert.is(a.received, a.delivered + a.dropped_queue, 'received = delivered + dropped in the queue');
    assert.is(a.queued_bytes, 0);
    assert.is(a.delivered, a.decoded + a.invalid, 'delivered = decoded + invalid');
    assert.is(a.decoded, a.emitted + a.dropped_output + a.process_records, 'decoded = emitted + dropped at stdout + process records (taken by the process cache)');
    // process records dropped in the queue cost context, not events: they are not in lost
    assert.is(stats.lost, k.lost + k.aggregated_lost + a.dropped_queue - a.process_records_dropped + a.invalid + a.dropped_output);
    assert.ok(stats.lost > 0, `the flood forced losses (${JSON.stringify(stats)})`);
    // every line made from a kernel record: file events, and the signal event of the SIGTERM that stops it
    const RECORD_TYPES = ['open', 'write', 'rename', 'unlink', 'ptrace', 'signal', 'bpf_access', 'task', 'cgroup'];
    const recordEvents = agent.events.filter((e) => RECORD_TYPES.includes(e.type)).length;
    assert.is(recordEvents, a.emitted, 'every event counted as emitted reached stdout');
    assert.ok(rssMax - rssBefore < 200 * 1024, `RSS grew ${(rssMax - rssBefore) / 1024} MiB while stdout was blocked`);
    await agent.waitForStderr(/events lost/);
  });
}

loss('a million one-byte writes become a handful of records that carry the exact count (20 000 writes, a record each, without atomics)', async () => {
  const agent = startAgent(baseArgs(box, []));
  const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
  // Kernels without BPF atomic fetch (before 5.12) load the __no_atomics variants: no aggregation,
  // a record per write, and then every write is either reported or counted lost.
  const aggregating = !String(ready.variant).split('+').includes('no_atomics');
  const file = join(box.watched, 'many-writes');
  // Without aggregation a million writes are a million NDJSON lines (a slow read under TCG, and
  // past the 16 MiB output bound most are dropped): 20 000 show the same accounting.
  const writes = aggregating ? 1_000_000 : 20_000;
  run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1', `count=${writes}`, 'status=none']);
  await agent.stop();
  const records = agent.events.filter((e) => e.type === 'write' && e.path === file && e.comm === 'dd');
  const total = records.reduce((sum, e) => sum + (e.count as number), 0);
  const bytes = records.reduce((sum, e) => sum + (e.bytes as number), 0);
  const stats = agent.events.find((e) => e.type === 'stats' && e.final === true) as Event & { lost: number; kernel: Record<string, number> };
  assert.ok(stats, `a final stats line; stderr: ${agent.stderr()}`);
  assert.is(stats.kernel.seen, stats.kernel.filtered + stats.kernel.aggregated + stats.kernel.emitted + stats.kernel.lost);
  assert.is(stats.kernel.aggregated_pending, 0);
  if (!aggregating) {
    assert.is(stats.kernel.aggregated, 0, 'nothing aggregated without atomics');
    assert.ok(records.every((e) => e.count === 1), 'a record per write');
    // lost counts every record lost in the flood, not only writes (the truncate of dd's O_TRUNC
    // open or the stop signal can be among them): every write is reported or counted, and the
    // count holds at most those few others
    const accounted = `${records.length} records + ${stats.lost} counted lost for ${writes} writes`;
    assert.ok(total <= writes && total + stats.lost >= writes, `every write reported or counted lost: ${accounted}`);
    assert.ok(total + stats.lost <= writes + 4, `nothing counted twice: ${accounted}`);
    return;
  }
  assert.is(total, writes, `sum of counts over ${records.length} records`);
  if (!inVm || process.env.LSMWATCH_TEST_SENSOR !== 'lsm') assert.is(bytes, writes, 'bytes (the tracepoint sensor sees them)');
  assert.ok(records.length < 1000, `${records.length} records for ${writes} writes`);
  assert.is(stats.lost, 0);
});

loss.run();
