/** Start-up refusals and shutdown paths of the real agent: clear messages, right exit codes, and no
 * BPF program left loaded afterwards. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseArgs, inVm, makeSandbox, programsLeakedBy, sensorUnderTest, startAgent, waitUntilUnloaded, type Event, type Sandbox } from './harness.js';

const lifecycle = suite('lifecycle');
const progIds = (ready: Event) => ready.prog_ids as number[];
let box: Sandbox;

lifecycle.before(() => {
  box = makeSandbox();
});
lifecycle.after(() => box.cleanup());

async function expectRefusal(policyText: string, messageParts: RegExp[]) {
  const file = join(box.root, 'bad-policy.json');
  writeFileSync(file, policyText);
  const leaked = await programsLeakedBy(async () => {
    const agent = startAgent(['--policy', file, '--sensor', sensorUnderTest, '--no-state']);
    const code = await agent.exited;
    assert.is(code, 2, `exit code for ${policyText}; stderr: ${agent.stderr()}`);
    for (const part of messageParts) assert.match(agent.stderr(), part);
    assert.not.match(agent.stderr(), /\n\s+at /, 'no stack trace');
    assert.equal(agent.events, [], 'nothing on stdout');
  });
  assert.equal(leaked, [], 'no program left loaded');
}

lifecycle('policy with a syntax error: exit 2 naming the file', async () => {
  await expectRefusal('{"watch": ["/etc/",]}', [/bad-policy\.json/, /valid JSON/]);
});

lifecycle('policy with a wrong type: exit 2 naming the field', async () => {
  await expectRefusal('{"watch": "/etc/"}', [/bad-policy\.json/, /watch: expected an array of absolute paths/]);
});

lifecycle('policy with an unknown key: exit 2 naming the key', async () => {
  await expectRefusal('{"watch": ["/etc/"], "wtach": []}', [/bad-policy\.json/, /wtach/, /unknown key/]);
});

lifecycle('bad command-line flag: exit 2 before loading anything', async () => {
  const agent = startAgent(['--sensor', 'kprobe']);
  assert.is(await agent.exited, 2);
  assert.match(agent.stderr(), /--sensor: expected auto, lsm or tracepoint/);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  lifecycle(`${signal} stops the agent and detaches every program`, async () => {
    const agent = startAgent(baseArgs(box));
    const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
    const ids = progIds(ready);
    assert.ok((await waitUntilUnloaded(ids, 0)).length === ids.length, 'programs are loaded while it runs');
    const code = await agent.stop(signal);
    assert.is(code, 0);
    const final = agent.events.find((e) => e.type === 'stats' && e.final === true);
    assert.ok(final, 'a final stats line');
    assert.equal(await waitUntilUnloaded(ids), [], 'nothing left loaded');
  });
}

lifecycle('stdout closed (| head -1): exits cleanly and detaches', async () => {
  const agent = startAgent(baseArgs(box));
  const ids = progIds(await agent.waitFor((e) => e.type === 'ready', 'ready'));
  agent.child.stdout.destroy(); // the reader went away, like `lsmwatch | head -1`
  writeFileSync(join(box.watched, 'after-close'), 'x'); // give it something to write
  const code = await agent.exited;
  assert.is(code, 0, agent.stderr());
  assert.match(agent.stderr(), /stdout closed/);
  assert.equal(await waitUntilUnloaded(ids), [], 'nothing left loaded');
});

if (!inVm) {
  lifecycle('--sensor lsm on a kernel that refuses LSM programs: exit 1 naming the cause', async () => {
    const leaked = await programsLeakedBy(async () => {
      const agent = startAgent(['--policy', box.policyFile, '--sensor', 'lsm', '--no-state']);
      assert.is(await agent.exited, 1);
      assert.match(agent.stderr(), /--sensor lsm: the kernel refused the BPF LSM programs/);
      assert.match(agent.stderr(), /EPERM|ENOLSM/);
    });
    assert.equal(leaked, []);
  });

  lifecycle('auto falls back to tracepoints and says why on stderr', async () => {
    const agent = startAgent(['--policy', box.policyFile, '--no-state']);
    const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
    assert.is(ready.sensor, 'tracepoint');
    assert.is(ready.enforcement, false);
    assert.ok(ready.lsm_unavailable);
    assert.match(agent.stderr(), /BPF LSM not used: .*cannot enforce/);
    await agent.stop();
  });

  lifecycle('--forbid-ptrace without an enforcing sensor: runs, says so; --require-enforcement exits 1', async () => {
    const agent = startAgent([...baseArgs(box), '--forbid-ptrace']);
    const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
    assert.is(ready.enforcement, false);
    assert.match(agent.stderr(), /cannot be enforced.*PR_SET_DUMPABLE/);
    await agent.stop();
    const leaked = await programsLeakedBy(async () => {
      const strict = startAgent([...baseArgs(box), '--forbid-ptrace', '--require-enforcement']);
      assert.is(await strict.exited, 1);
      assert.match(strict.stderr(), /require-enforcement/);
    });
    assert.equal(leaked, []);
  });
}

lifecycle.run();
