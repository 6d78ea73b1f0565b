/** No code path into the agent: SIGUSR1 never starts node's inspector (on every node major this
 * machine has), and node options or environment variables that load or expose code are refused
 * unless --allow-node-options; the ready line records the node executable, its digest and execArgv. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  agentBin,
  baseArgs,
  controlPath,
  listeningSocketsOf,
  listeningTcpPorts,
  makeSandbox,
  otherNodes,
  processState,
  run,
  sha256Of,
  sleep,
  startAgent,
  type Sandbox,
} from './harness.js';

const hardening = suite('node hardening');
let box: Sandbox;
hardening.before(() => {
  box = makeSandbox();
});
hardening.after(() => box.cleanup());

const nodeVersion = (node: string) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

for (const node of [process.execPath, ...otherNodes()]) {
  const version = nodeVersion(node);
  hardening(`SIGUSR1 does not start the inspector and the agent keeps running (node ${version})`, async () => {
    const agent = startAgent(baseArgs(box), {}, { node });
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
      const pid = agent.child.pid!;
      const before = listeningTcpPorts();
      run('kill', ['-USR1', String(pid)]);
      await sleep(1500); // the inspector starts within milliseconds of the signal when it can
      const opened = [...listeningTcpPorts()].filter((p) => !before.has(p));
      assert.is(listeningSocketsOf(pid), 0, 'the agent holds no listening socket');
      assert.equal(opened.filter((p) => p === 9229), [], 'nothing listens on 9229');
      assert.not.match(agent.stderr(), /Debugger listening/);
      assert.ok(processState(pid) !== null && processState(pid) !== 'T', 'alive and not stopped');
      assert.match(run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'status']), /"ok":true/);
      const recorded = ready.node as { executable: string; sha256: string; exec_argv: string[]; version: string; sigusr1: string };
      assert.is(recorded.sha256, sha256Of(node), 'ready line: digest of the node executable');
      assert.is(recorded.version, version);
      assert.ok(recorded.sigusr1 === 'disabled' || recorded.sigusr1 === 'handled', `sigusr1: ${recorded.sigusr1}`);
      assert.equal(recorded.exec_argv, recorded.sigusr1 === 'disabled' ? ['--disable-sigusr1'] : []);
    } finally {
      assert.is(await agent.stop(), 0, 'SIGTERM still stops it cleanly');
    }
  });
}

hardening('NODE_OPTIONS=--require=... is refused with one clear line and exit status 2', async () => {
  const injected = join(box.root, 'injected.cjs');
  writeFileSync(injected, 'globalThis.lsmwatchInjected = true;\n');
  const agent = startAgent(baseArgs(box), { NODE_OPTIONS: `--require=${injected}` });
  assert.is(await agent.exitWithin(), 2);
  assert.match(agent.stderr(), /NODE_OPTIONS.*--require/);
  assert.match(agent.stderr(), /--allow-node-options/);
  assert.not.match(agent.stderr(), /\n\s+at /, 'no stack trace');
  assert.is(agent.events.filter((e) => e.type === 'ready').length, 0, 'never ready');
});

hardening('node options that load or expose code are refused (--import, -r, --inspect-port, --env-file, LD_PRELOAD)', async () => {
  const injected = join(box.root, 'injected.mjs');
  writeFileSync(injected, 'export {};\n');
  const envFile = join(box.root, 'env');
  writeFileSync(envFile, 'HARMLESS=1\n');
  const cases: Array<{ nodeArgs?: string[]; env?: Record<string, string>; why: RegExp }> = [
    { nodeArgs: ['--import', injected], why: /--import/ },
    { nodeArgs: ['-r', injected.replace(/\.mjs$/, '.cjs')], why: /-r\b/ },
    { nodeArgs: ['--inspect-port=0'], why: /--inspect-port/ },
    { nodeArgs: [`--env-file=${envFile}`], why: /--env-file/ },
    { env: { NODE_OPTIONS: '--max-old-space-size=512 --import=' + injected }, why: /NODE_OPTIONS.*--import/ },
    ...(existsSync('/lib/x86_64-linux-gnu/libc.so.6') ? [{ env: { LD_PRELOAD: '/lib/x86_64-linux-gnu/libc.so.6' }, why: /LD_PRELOAD/ }] : []),
  ];
  writeFileSync(injected.replace(/\.mjs$/, '.cjs'), '\n');
  for (const c of cases) {
    const agent = startAgent(baseArgs(box), c.env ?? {}, { nodeArgs: c.nodeArgs ?? [] });
    assert.is(await agent.exitWithin(), 2, `${JSON.stringify(c)}: exit status`);
    assert.match(agent.stderr(), c.why);
    assert.not.match(agent.stderr(), /\n\s+at /, 'no stack trace');
  }
});

hardening('--allow-node-options runs anyway and the ready line shows the exact execArgv and NODE_OPTIONS', async () => {
  const injected = join(box.root, 'allowed.mjs');
  writeFileSync(injected, 'export {};\n');
  const agent = startAgent(baseArgs(box, ['--allow-node-options']), { NODE_OPTIONS: '--max-old-space-size=512' }, { nodeArgs: ['--import', injected] });
  try {
    const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
    const node = ready.node as { exec_argv: string[]; node_options: string | null; allow_node_options: boolean };
    assert.ok(node.exec_argv.includes('--import') && node.exec_argv.includes(injected), JSON.stringify(node.exec_argv));
    assert.is(node.node_options, '--max-old-space-size=512');
    assert.is(node.allow_node_options, true);
    await agent.waitForStderr(/warning: running with node option --import .*allowed by --allow-node-options/);
  } finally {
    await agent.stop();
  }
});

hardening.run();
