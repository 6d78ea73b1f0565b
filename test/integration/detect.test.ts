/** Burst and fan-out alerts end to end: real writes, real agent, the default detector settings. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { baseArgs, makeSandbox, run, sleep, startAgent, type Event, type RunningAgent, type Sandbox } from './harness.js';

const detect = suite('detect');
let agent: RunningAgent;
let box: Sandbox;

detect.before(async () => {
  box = makeSandbox();
  agent = startAgent(baseArgs(box));
  await agent.waitFor((e) => e.type === 'ready', 'ready');
});
detect.after(async () => {
  await agent.stop();
  box.cleanup();
});

const timeNs = (e: Event) => {
  const t = String(e.time);
  return BigInt(Date.parse(t.slice(0, 19) + 'Z')) * 1_000_000n + BigInt(t.slice(20, 29));
};
const alertsFor = (rule: string, match: (e: Event) => boolean) =>
  agent.events.filter((e) => e.type === 'alert' && e.rule === rule && e.phase === 'start' && match(e));

let steadyPid = 0;
let steadyDone: Promise<void>;

detect('a steady writer (20 writes/s for 30 s) starts in the background', async () => {
  const file = join(box.watched, 'steady');
  // 600 writes at 50 ms intervals from one process
  const script = `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(file)},'a');let n=0;` +
    `const t=setInterval(()=>{fs.writeSync(fd,'x');if(++n===600){clearInterval(t);fs.closeSync(fd);}},50);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  steadyPid = child.pid!;
  steadyDone = new Promise((res) => child.on('exit', () => res()));
  await agent.waitFor((e) => e.type === 'write' && e.pid === steadyPid, 'first steady write');
});

detect('dd bs=1 count=20000 raises write_burst_pid and write_burst_path once, within a second', async () => {
  const file = join(box.watched, 'burst');
  const pid = Number(run('sh', ['-c', 'echo $$; exec dd if=/dev/zero of="$1" bs=1 count=20000 2>/dev/null', 'sh', file]).trim());
  const firstWrite = await agent.waitFor((e) => e.type === 'write' && e.pid === pid, 'first dd write');
  const pidAlert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'write_burst_pid' && e.pid === pid, 'write_burst_pid');
  const pathAlert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'write_burst_path' && e.path === file, 'write_burst_path');
  for (const alert of [pidAlert, pathAlert]) {
    const delay = Number(timeNs(alert) - timeNs(firstWrite)) / 1e9;
    assert.ok(delay >= 0 && delay < 1, `${String(alert.rule)} ${delay}s after the first write`);
    for (const key of ['rate', 'baseline', 'threshold', 'comm', 'path', 'pid']) assert.ok(key in alert, `${key} in alert`);
  }
  assert.is(pidAlert.comm, 'dd');
  await sleep(1500);
  assert.is(alertsFor('write_burst_pid', (e) => e.pid === pid).length, 1, 'one write_burst_pid');
  assert.is(alertsFor('write_burst_path', (e) => e.path === file).length, 1, 'one write_burst_path');
});

detect('writing 200 distinct files in a second raises write_fanout_pid', async () => {
  const dir = join(box.watched, 'fanout');
  mkdirSync(dir);
  const pid = Number(run('sh', ['-c', 'echo $$; i=0; while [ $i -lt 200 ]; do echo x > "$1/f$i"; i=$((i+1)); done', 'sh', dir]).trim());
  const alert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'write_fanout_pid' && e.pid === pid, 'write_fanout_pid');
  assert.ok((alert.distinct_files as number) >= 100);
});

detect('the steady writer raised no alert over its 30 s', async () => {
  await steadyDone;
  await sleep(1500);
  const steadyAlerts = agent.events.filter((e) => e.type === 'alert' && e.pid === steadyPid);
  assert.equal(steadyAlerts, []);
  // the kernel folds writes into records with a count: the sum is what the detectors saw
  const writes = agent.events
    .filter((e) => e.type === 'write' && e.pid === steadyPid)
    .reduce((sum, e) => sum + (e.count as number), 0);
  assert.ok(writes >= 590, `saw ${writes} of 600 steady writes`);
});

detect.run();
