/** The Prometheus endpoint end to end (host): scraped with curl, checked with promtool, its loss
 * counters equal to the final stats line after a flood that forced losses; /healthz fails while the
 * JavaScript thread stalls and right after; program run counters appear with kernel.bpf_stats_enabled. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentBin, baseArgs, controlPath, inVm, makeSandbox, run, sleep, startAgent, type Event, type Sandbox } from './harness.js';

const metrics = suite('metrics');
let box: Sandbox;
metrics.before(() => {
  box = makeSandbox();
});
metrics.after(() => box.cleanup());

/** A real HTTP client: curl. Returns status and body. */
function curl(url: string, timeoutS = 10): { status: number; body: string } {
  const r = spawnSync('curl', ['-sS', '--max-time', String(timeoutS), '-o', '-', '-w', '\n%{http_code}', url], { encoding: 'utf8' });
  const at = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at) };
}

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

if (!inVm) {
  metrics('a scrape after a flood that forced losses: promtool passes, the loss counters equal the final stats line', async () => {
    const agent = startAgent(baseArgs(box, ['--metrics', '127.0.0.1:0', '--ring-bytes', '16384', '--queue-bytes', '65536']));
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
      const address = ready.metrics as string;
      assert.match(address, /^127\.0\.0\.1:\d+$/, 'loopback, and the port named in the ready line');
      agent.child.stdout.pause(); // stdout backs up: the output drops, the queue and the ring overflow
      const file = join(box.watched, 'flood');
      run('bash', ['-c', 'for i in $(seq 1 20000); do : > "$1"; done', 'flood', file]);
      run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1', 'count=20000', 'status=none']);
      await sleep(500);
      agent.child.stdout.resume();
      // quiet again: wait until the addon's queue is empty and the counters stop moving
      let text = '';
      let last = '';
      for (let i = 0; i < 50; i++) {
        await sleep(300);
        text = curl(`http://${address}/metrics`).body;
        const losses = text.split('\n').filter((l) => l.startsWith('lsmwatch_lost_total')).join('\n');
        if (sample(text, 'lsmwatch_queue_bytes') === 0 && losses === last) break;
        last = losses;
      }
      const scrape = curl(`http://${address}/metrics`);
      assert.is(scrape.status, 200);
      text = scrape.body;
      writeFileSync(join(box.root, 'scrape.txt'), text);
      assert.ok(promtool, 'promtool is installed (make deps-test)');
      const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.is(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
      assert.is((check.stdout + check.stderr).trim(), '', 'no lint findings');
      const health = curl(`http://${address}/healthz`);
      assert.is(health.status, 200, health.body);
      assert.is(JSON.parse(health.body).status, 'ok');
      assert.ok(sample(text, 'lsmwatch_events_total', '{type="open",sensor="' + String(ready.sensor) + '"}')! > 0);
      // one policy path: its trie entries relative to their anchors (src/sensor/watchPlan.ts)
      assert.ok(sample(text, 'lsmwatch_bpf_map_entries', '{map="lw_watch",counted_by="agent"}')! >= 1);
      assert.ok(sample(text, 'lsmwatch_bpf_map_capacity', '{map="lw_inode_marks"}')! > 0);
      assert.is(sample(text, 'lsmwatch_ringbuf_capacity_bytes'), 16384);
      assert.is(sample(text, 'lsmwatch_queue_capacity_bytes'), 65536);
      await agent.stop();
      const stats = agent.events.find((e) => e.type === 'stats' && e.final === true) as Event & { lost: number; kernel: Record<string, number>; agent: Record<string, number> };
      assert.ok(stats.lost > 0, `the flood forced losses: ${JSON.stringify(stats)}`);
      const expected: Record<string, number> = {
        kernel_ring: stats.kernel.lost!,
        kernel_aggregated: stats.kernel.aggregated_lost!,
        agent_queue: stats.agent.dropped_queue! - stats.agent.process_records_dropped!,
        decode: stats.agent.invalid!,
        output: stats.agent.dropped_output!,
      };
      let sum = 0;
      for (const [stage, value] of Object.entries(expected)) {
        assert.is(sample(text, 'lsmwatch_lost_total', `{stage="${stage}"}`), value, `lost, stage ${stage}`);
        sum += value;
      }
      assert.is(sum, stats.lost, 'the stages add up to the stats line\'s "lost"');
      assert.is(sample(text, 'lsmwatch_kernel_flush_records_lost_total'), stats.kernel.flush_lost);
      // stopping the agent is itself seen (the guard reports the SIGTERM), so the final count may be higher
      const receivedAtScrape = sample(text, 'lsmwatch_agent_records_received_total')!;
      assert.ok(receivedAtScrape > 0 && receivedAtScrape <= stats.agent.received!, `received ${receivedAtScrape} at the scrape, ${stats.agent.received} at the end`);
    } finally {
      await agent.stop();
    }
  });

  metrics('/healthz fails while the JavaScript thread stalls and for a while after; run counters follow kernel.bpf_stats_enabled', async () => {
    const sysctl = '/proc/sys/kernel/bpf_stats_enabled';
    const statsBefore = readFileSync(sysctl, 'utf8').trim();
    const agent = startAgent(baseArgs(box, ['--metrics', '127.0.0.1:0']), { LSMWATCH_DEBUG_CONTROL: '1' });
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
      const address = ready.metrics as string;
      assert.is(curl(`http://${address}/healthz`).status, 200);
      execFileSync(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'debug-stall', '7']);
      await sleep(500);
      const during = curl(`http://${address}/healthz`, 2);
      assert.is(during.status, 0, 'no answer while JavaScript is blocked (curl timed out)');
      await sleep(7000);
      const after = curl(`http://${address}/healthz`);
      assert.is(after.status, 503, after.body);
      const report = JSON.parse(after.body);
      assert.is(report.checks.javascript.ok, false);
      assert.ok(report.checks.javascript.max_gap_ms >= 5000, after.body);
      assert.is(report.checks.sensor.ok, true);

      writeFileSync(sysctl, '1');
      run('sh', ['-c', 'echo x >> "$1"', 'w', join(box.watched, 'stats')]);
      await sleep(200);
      const on = curl(`http://${address}/metrics`).body;
      assert.is(sample(on, 'lsmwatch_bpf_stats_enabled'), 1);
      const runs = on.split('\n').filter((l) => l.startsWith('lsmwatch_bpf_program_runs_total{'));
      assert.is(runs.length, (ready.prog_ids as number[]).length, 'one per attached program');
      assert.ok(runs.some((l) => Number(l.split(' ').pop()) > 0), 'some program ran');
      writeFileSync(sysctl, '0');
      const off = curl(`http://${address}/metrics`).body;
      assert.is(sample(off, 'lsmwatch_bpf_stats_enabled'), 0);
      assert.not.ok(off.includes('lsmwatch_bpf_program_runs_total'));
    } finally {
      writeFileSync(sysctl, statsBefore);
      await agent.stop();
    }
  });

  metrics('off unless asked; a non-loopback address is served only when asked, with a warning', async () => {
    const agent = startAgent(baseArgs(box, ['--metrics', '0.0.0.0:0']));
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
      assert.match(String(ready.metrics), /^0\.0\.0\.0:\d+$/);
      await agent.waitForStderr(/metrics on 0\.0\.0\.0:\d+ are reachable from the network, without authentication/);
    } finally {
      await agent.stop();
    }
    const quiet = startAgent(baseArgs(box));
    try {
      const ready = await quiet.waitFor((e) => e.type === 'ready', 'ready');
      assert.not.ok('metrics' in ready, 'no endpoint unless --metrics or metrics.listen');
    } finally {
      await quiet.stop();
    }
  });
}

metrics.run();
