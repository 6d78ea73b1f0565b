/** --protect under the LSM sensor (VM test bed): the agent's files, SIGKILL/SIGSTOP and its BPF
 * objects are guarded, SIGTERM still stops it and names the sender, and a hung JavaScript thread
 * lifts the guard so the agent can always be killed. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentBin, baseArgs, controlPath, makeSandbox, repoRoot, run, sensorUnderTest, sleep, startAgent, type Sandbox } from './harness.js';

const guard = suite('guard');
let box: Sandbox;
guard.before(() => {
  box = makeSandbox();
});
guard.after(() => box.cleanup());

/** Runs a command expected to fail; returns its combined output. */
function failing(file: string, args: string[]): string {
  try {
    run(file, args);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  throw new Error(`${file} ${args.join(' ')} succeeded but should have been denied`);
}

if (sensorUnderTest === 'lsm') {
  guard('with --protect, kill -9, kill -STOP, writing its entry file and bpftool map update all fail; kill -TERM stops it and names the sender', async () => {
    const agent = startAgent(baseArgs(box, ['--protect']));
    const entry = join(repoRoot, 'build', 'dist', 'cli', 'main.js');
    const before = readFileSync(entry);
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
      assert.is(ready.protect, true);
      const pid = String(agent.child.pid);
      assert.match(failing('kill', ['-9', pid]), /not permitted/i);
      assert.match(failing('kill', ['-STOP', pid]), /not permitted/i);
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'signal_agent_denied' && e.signal === 'SIGKILL', 'SIGKILL denial');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'signal_agent_denied' && e.signal === 'SIGSTOP', 'SIGSTOP denial');
      assert.match(failing('sh', ['-c', 'echo tampered >> "$1"', 'sh', entry]), /not permitted/i);
      assert.equal(readFileSync(entry), before, 'entry file unchanged');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'agent_file_denied' && e.path === entry, 'file denial');
      assert.match(failing('rm', ['-f', entry]), /not permitted/i);
      const mapId = String((ready.guard as { settings_map_id: number }).settings_map_id);
      const zeros = Array.from({ length: 32 }, () => '00');
      assert.match(failing('bpftool', ['map', 'update', 'id', mapId, 'key', 'hex', '00', '00', '00', '00', 'value', 'hex', ...zeros]), /not permitted|Error/i);
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'bpf_access_denied', 'bpf access denial');
      assert.is(agent.child.exitCode, null, 'still running');
      run('kill', ['-TERM', pid]);
      assert.is(await agent.exited, 0);
      // the sender by its executable: /usr/bin/kill, or busybox (whose comm says kill) in the VM
      await agent.waitForStderr(/received SIGTERM from (\S*kill \(pid \d+\)|\S+ \(pid \d+, comm kill\))/);
    } finally {
      await agent.stop('SIGTERM');
    }
  });

  guard('a stalled JavaScript thread lifts the guard, so kill -9 works again', async () => {
    const agent = startAgent(baseArgs(box, ['--protect', '--watchdog', '3']), { LSMWATCH_DEBUG_CONTROL: '1' });
    try {
      await agent.waitFor((e) => e.type === 'ready', 'ready');
      assert.match(failing('kill', ['-9', String(agent.child.pid)]), /not permitted/i);
      run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'debug-stall', '30']);
      await agent.waitForStderr(/guard lifted/);
      run('kill', ['-9', String(agent.child.pid)]);
      assert.is(await agent.exited, 'SIGKILL');
    } finally {
      await agent.stop('SIGKILL');
      await sleep(100);
    }
  });
} else {
  guard('--protect without an enforcing sensor says so; with --require-enforcement it exits 1', async () => {
    const agent = startAgent(baseArgs(box, ['--protect']));
    const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
    assert.is(ready.protect, false);
    await agent.waitForStderr(/--protect needs the LSM sensor/);
    await agent.stop();
    const strict = startAgent(baseArgs(box, ['--protect', '--require-enforcement']));
    assert.is(await strict.exited, 1);
    assert.match(strict.stderr(), /--protect needs the LSM sensor/);
  });
}

guard.run();
