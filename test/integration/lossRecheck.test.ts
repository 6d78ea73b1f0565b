/** A change hidden in a flood that forces loss still gets its change line: the loss is an
 * events_lost alert, and the agent re-checks the baseline once the flood is over (issue 14). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentBin, controlPath, inVm, makeSandbox, run, sensorUnderTest, sleep, startAgent, type Sandbox } from './harness.js';

const recheck = suite('loss and re-check');
let box: Sandbox;
recheck.before(() => {
  box = makeSandbox();
});
recheck.after(() => box.cleanup());

if (!inVm) {
  recheck('a baseline change made while events are being lost is found by the re-check', async () => {
    const etc = join(box.watched, 'etc');
    mkdirSync(etc);
    const hosts = join(etc, 'hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n');
    const policy = join(box.root, 'flood-policy.json');
    writeFileSync(policy, JSON.stringify({ watch: [box.watched + '/'], stats: { interval: 3600 }, state: { baseline: [etc] } }));
    const db = join(box.root, 'state.db');
    const agent = startAgent(['--policy', policy, '--sensor', sensorUnderTest, '--db', db, '--control', controlPath(box), '--ring-bytes', '16384', '--queue-bytes', '65536']);
    await agent.waitFor((e) => e.type === 'baseline', 'baseline');
    agent.child.stdout.pause(); // the reader stops: the output backs up, the sensor is paused, the queue and ring fill
    const flood = join(box.watched, 'flood');
    run('bash', ['-c', 'for i in $(seq 1 30000); do : > "$1"; done', 'flood', flood]);
    appendFileSync(hosts, '10.0.0.66 update.example.com\n'); // hidden in the flood: its events are lost
    run('bash', ['-c', 'for i in $(seq 1 30000); do : > "$1"; done', 'flood', flood]);
    agent.child.stdout.resume();
    const change = await agent.waitFor((e) => e.type === 'change' && e.path === hosts, 'the change line of the hidden edit', 30_000);
    const alert = agent.events.find((e) => e.type === 'alert' && e.rule === 'events_lost');
    await agent.stop();
    assert.ok(alert, `an events_lost alert; stderr:\n${agent.stderr()}`);
    assert.ok((alert.lost as number) > 0);
    assert.ok(['kernel_ring_buffer', 'agent_queue', 'output'].includes(alert.stage as string), String(alert.stage));
    assert.is(change.action, 'modified');
    assert.is(change.recheck, 'events_lost', 'found by the re-check, the edit\'s own events were lost');
    assert.is(change.by, null);
    assert.match(agent.stderr(), /events lost \(.*\); the baseline files are re-checked/);
    const history = run(process.execPath, [agentBin, 'alerts', '--db', db, '--json']);
    assert.match(history, /"rule":"events_lost"/);
    await sleep(100);
  });
}

recheck.run();
