/** Self-protection end to end: ptrace on the agent is reported; the agent's own files are checked;
 * with the LSM sensor (VM), forbid-ptrace denies attaches and can be switched while it runs. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  agentBin,
  baseArgs,
  controlPath,
  helperBin,
  makeSandbox,
  repoRoot,
  run,
  sensorUnderTest,
  sleep,
  startAgent,
  type Sandbox,
} from './harness.js';

const protection = suite('self-protection');
let box: Sandbox;

protection.before(() => {
  box = makeSandbox({ integrity: { interval: 1 } });
});
protection.after(() => box.cleanup());

/** Runs the static ptrace helper; returns "attached" or the errno it failed with. */
function ptraceAttach(pid: number): string {
  try {
    return run(helperBin('ptrace_attach'), [String(pid)]).trim();
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err).trim();
  }
}

function ctl(...args: string[]): string {
  return run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), ...args]).trim();
}

protection('a ptrace attach on the agent is reported as a ptrace_agent alert', async () => {
  const agent = startAgent(baseArgs(box));
  try {
    await agent.waitFor((e) => e.type === 'ready', 'ready');
    const agentPid = agent.child.pid!;
    const result = ptraceAttach(agentPid);
    const alert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent', 'ptrace_agent alert');
    assert.is(alert.comm, 'ptrace_attach');
    assert.is(alert.uid, 0);
    assert.match(result, /^attached/);
    await agent.waitForStderr(/tried to ptrace the agent/);
  } finally {
    await agent.stop();
  }
});

protection('appending a byte to the compiled entry file raises an integrity mismatch within one interval', async () => {
  const entry = join(repoRoot, 'build', 'dist', 'cli', 'main.js');
  const original = readFileSync(entry);
  const agent = startAgent(baseArgs(box));
  try {
    await agent.waitFor((e) => e.type === 'integrity' && e.status === 'baseline', 'integrity baseline');
    assert.is(agent.events.filter((e) => e.type === 'integrity' && e.status === 'mismatch').length, 0, 'clean at start');
    appendFileSync(entry, '\n');
    const mismatch = await agent.waitFor((e) => e.type === 'integrity' && e.status === 'mismatch' && e.file === entry, 'mismatch');
    assert.ok(mismatch.expected && mismatch.actual && mismatch.expected !== mismatch.actual);
    await agent.waitForStderr(/integrity: .*main\.js was modified/);
    writeFileSync(entry, original);
    await agent.waitFor((e) => e.type === 'integrity' && e.status === 'resolved' && e.file === entry, 'resolved');
  } finally {
    writeFileSync(entry, original);
    await agent.stop();
  }
});

if (sensorUnderTest === 'lsm') {
  protection('--forbid-ptrace denies attaching to the agent with EPERM; other processes stay attachable', async () => {
    const agent = startAgent(baseArgs(box, ['--forbid-ptrace']));
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
      assert.is(ready.forbid_ptrace, 'self');
      assert.match(ptraceAttach(agent.child.pid!), /errno=1 /);
      const denied = await agent.waitFor(
        (e) => e.type === 'ptrace' && e.target_pid === agent.child.pid && e.decision === 'deny',
        'denied ptrace event',
      );
      assert.is(denied.mode, 'attach');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.decision === 'deny', 'alert');
      assert.match(ptraceAttach(other.pid!), /^attached/);
    } finally {
      other.kill('SIGKILL');
      await agent.stop();
    }
  });

  protection('forbid-ptrace=all denies every attach, ps still works, and it switches at run time', async () => {
    const agent = startAgent(baseArgs(box));
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await agent.waitFor((e) => e.type === 'ready', 'ready');
      assert.match(ptraceAttach(other.pid!), /^attached/, 'allowed before');
      assert.match(ctl('forbid-ptrace', 'all'), /"forbid_ptrace":"all"/);
      await agent.waitFor((e) => e.type === 'setting' && e.forbid_ptrace === 'all', 'setting line');
      assert.match(ptraceAttach(other.pid!), /errno=1 /, 'denied with all');
      assert.match(ptraceAttach(agent.child.pid!), /errno=1 /, 'the agent itself is denied too');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.decision === 'deny', 'ptrace_agent alert with all');
      const ps = run('ps', ['aux']);
      assert.match(ps, /sleep/, 'ps still lists processes');
      assert.match(ctl('forbid-ptrace', 'off'), /"forbid_ptrace":"off"/);
      assert.match(ptraceAttach(other.pid!), /^attached/, 'allowed after turning it off');
    } finally {
      other.kill('SIGKILL');
      await agent.stop();
    }
    const after = spawn('sleep', ['60'], { stdio: 'ignore' });
    await sleep(100);
    assert.match(ptraceAttach(after.pid!), /^attached/, 'ptrace works again after the agent exited');
    after.kill('SIGKILL');
  });
} else {
  protection('the tracepoint sensor refuses forbid-ptrace switches at run time', async () => {
    const agent = startAgent(baseArgs(box));
    try {
      await agent.waitFor((e) => e.type === 'ready', 'ready');
      let failed = '';
      try {
        ctl('forbid-ptrace', 'all');
      } catch (err) {
        failed = String((err as { stderr?: string }).stderr ?? err);
      }
      assert.match(failed, /cannot enforce/, `ctl output: ${failed}`);
      assert.match(ctl('status'), /"enforcement":false/);
    } finally {
      await agent.stop();
    }
  });
}

protection.run();
