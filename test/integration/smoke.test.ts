/** A short run of the real agent on the Node that runs this test (make test runs it on Node 20, 22
 * and 24; the agent is started with the same node): start, events, a bad policy, SIGUSR1, SIGTERM. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseArgs, makeSandbox, programsLeakedBy, sensorUnderTest, sleep, startAgent, waitUntilUnloaded, type Sandbox } from './harness.js';

const node = `Node ${process.versions.node}`;
const smoke = suite(`smoke (${node})`);
let box: Sandbox;
smoke.before(() => {
  box = makeSandbox();
});
smoke.after(() => box.cleanup());

smoke(`${node}: starts, reports writes, survives SIGUSR1, stops on SIGTERM with nothing left loaded`, async () => {
  const agent = startAgent(baseArgs(box));
  const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
  assert.is(ready.sensor, sensorUnderTest);
  const ids = ready.prog_ids as number[];
  assert.ok(ids.length > 0, 'programs attached');

  const first = join(box.watched, 'before-usr1');
  writeFileSync(first, 'x');
  await agent.waitFor((e) => e.type === 'write' && e.path === first, `a write event for ${first}`);

  // SIGUSR1 must not end the agent. (That it must not open node's inspector either is issue 14's
  // test; this one only checks that the agent keeps running and keeps reporting.)
  process.kill(agent.child.pid!, 'SIGUSR1');
  await sleep(1000);
  assert.is(agent.child.exitCode, null, `still running after SIGUSR1; stderr: ${agent.stderr()}`);
  const second = join(box.watched, 'after-usr1');
  writeFileSync(second, 'y');
  await agent.waitFor((e) => e.type === 'write' && e.path === second, `a write event for ${second} after SIGUSR1`);

  assert.is(await agent.stop('SIGTERM'), 0, agent.stderr());
  assert.ok(agent.events.find((e) => e.type === 'stats' && e.final === true), 'a final stats line');
  assert.match(agent.stderr(), /stopped \(SIGTERM\)/);
  assert.equal(await waitUntilUnloaded(ids), [], 'nothing left loaded');
});

smoke(`${node}: a bad policy exits 2 with one clear line and loads nothing`, async () => {
  const file = join(box.root, 'bad.json');
  writeFileSync(file, '{"watch": ["relative/path"]}');
  const leaked = await programsLeakedBy(async () => {
    const agent = startAgent(['--policy', file, '--sensor', sensorUnderTest, '--no-state']);
    assert.is(await agent.exited, 2);
    assert.match(agent.stderr(), /invalid policy: .*bad\.json/);
    assert.not.match(agent.stderr(), /\n\s+at /, 'no stack trace');
    assert.equal(agent.events, []);
  });
  assert.equal(leaked, []);
});

smoke.run();
