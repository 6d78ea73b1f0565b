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

/** Linux version of a release string such as "5.10.0-32-cloud-amd64" as a comparable number. */
const kernelVersion = (release: string) => {
  const [major, minor] = release.split('.').map((n) => Number.parseInt(n, 10));
  return major * 1000 + minor;
};

lifecycle('the ready line names the program variants this kernel needs, and every hook is still covered', async () => {
  const agent = startAgent(baseArgs(box));
  const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
  await agent.stop();
  const variants = ready.program_variants as Record<string, string>;
  const hooks = ready.hooks as string[];
  const suffixes = Object.entries(variants).map(([base, variant]) => {
    assert.ok(variant.startsWith(`${base}__`), `${variant} is a variant of ${base}`);
    return variant.slice(base.length + 2);
  });
  assert.is(ready.variant, suffixes.length ? [...new Set(suffixes)].sort().join('+') : 'default');
  const version = kernelVersion(String(ready.kernel));
  const writeHook = sensorUnderTest === 'lsm' ? 'lsm/file_permission' : 'tracepoint/syscalls/sys_enter_write';
  assert.ok(hooks.includes(writeHook), `writes are still watched (${writeHook})`);
  if (version < 5012) {
    // no BPF atomic fetch/xchg: every write-aggregating program is replaced or left out
    assert.ok(suffixes.includes('no_atomics'), `before 5.12: the __no_atomics variants (${JSON.stringify(variants)})`);
    assert.ok((ready.skipped_hooks as string[]).some((r) => /lw_flush_writes_prog not loaded: .*\(an optional program/.test(r)), 'no flush program');
  } else {
    assert.not.ok(suffixes.includes('no_atomics'), `5.12 and later need no __no_atomics variant (${JSON.stringify(variants)})`);
  }
  if (sensorUnderTest === 'lsm') {
    assert.ok(hooks.includes('lsm/path_rename'), 'renames are still watched');
    assert.is(suffixes.includes('no_flags'), version < 5019, 'path_rename without flags exactly before 5.19');
  }
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
