/** Cgroups. A move of the agent into another cgroup is reported by both sensors (cgroup tracepoint);
 * under --protect (LSM sensor, VM, cgroup v2) freezing or killing the agent's cgroup or an ancestor
 * is denied, also through an fd opened before the move, and so is moving a process into a frozen
 * cgroup. The LSM hooks cannot see which process a cgroup.procs write moves, so the move itself is
 * reported, not denied (README threat model). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentBin, baseArgs, controlPath, makeSandbox, probe, processState, run, sensorUnderTest, sleep, startAgent, type Sandbox } from './harness.js';

const cgroups = suite('cgroup guard');
let box: Sandbox;
cgroups.before(() => {
  box = makeSandbox();
});
cgroups.after(() => box.cleanup());

/** The cgroup v2 mount: /sys/fs/cgroup in the VM, /sys/fs/cgroup/unified on a hybrid host. */
function cgroup2Root(): string | null {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, dir, type] = line.split(' ');
    if (type === 'cgroup2') return dir;
  }
  return null;
}

const root = cgroup2Root();
const unique = `lw-test-${process.pid}`;

/** The agent's cgroup v2 path relative to the cgroup2 root ("0::/..." in /proc/PID/cgroup). */
function cgroupOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : '';
}

const writeCgroupFile = (path: string, value: string) => probe('write', path, value);

if (root === null) {
  cgroups('no cgroup v2 mount: nothing to test here', () => {});
} else {
  cgroups('moving the agent into another cgroup is reported with the mover and the destination', async () => {
    const agent = startAgent(baseArgs(box));
    const base = join(root, unique);
    try {
      await agent.waitFor((e) => e.type === 'ready', 'ready');
      const pid = agent.child.pid!;
      const home = cgroupOf(pid);
      mkdirSync(join(base, 'inner'), { recursive: true });
      writeFileSync(join(base, 'inner', 'cgroup.procs'), String(pid));
      assert.is(cgroupOf(pid), `/${unique}/inner`);
      const moved = await agent.waitFor((e) => e.type === 'cgroup' && e.operation === 'attach', 'cgroup attach event');
      assert.is(moved.path, `/${unique}/inner`);
      assert.is(moved.target_pid, pid);
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'agent_cgroup_moved', 'alert');
      writeFileSync(join(root, home, 'cgroup.procs'), String(pid)); // back where it was
    } finally {
      await agent.stop();
      for (const dir of [join(base, 'inner'), base]) if (existsSync(dir)) rmdirSync(dir);
    }
  });

  if (sensorUnderTest === 'lsm') {
    cgroups('--protect denies cgroup.freeze and cgroup.kill of the agent\'s cgroup and its ancestors, writes through an fd opened before a move, and moves into a frozen cgroup', async () => {
      const agent = startAgent(baseArgs(box, ['--protect']));
      const base = join(root, unique);
      const dirs = [join(base, 'inner'), join(base, 'other'), join(base, 'frozen'), base];
      try {
        await agent.waitFor((e) => e.type === 'ready' && e.protect === true, 'ready with protect');
        const pid = agent.child.pid!;
        const home = cgroupOf(pid);
        for (const dir of dirs) mkdirSync(dir, { recursive: true });
        writeFileSync(join(base, 'inner', 'cgroup.procs'), String(pid));
        // cgroup.kill came with Linux 5.14: where the kernel has none, there is nothing to deny
        const guarded = [join(base, 'inner', 'cgroup.freeze'), join(base, 'cgroup.freeze'), join(base, 'inner', 'cgroup.kill'), join(base, 'cgroup.kill')];
        for (const file of guarded.filter((f) => existsSync(f))) {
          assert.match(writeCgroupFile(file, '1'), /^errno=1 /, `${file} denied`);
          await agent.waitFor((e) => e.type === 'alert' && e.rule === 'agent_cgroup_denied' && e.path === file, `alert for ${file}`);
        }
        await sleep(300);
        assert.ok(processState(pid) !== null && processState(pid) !== 'T', 'alive, not stopped');
        assert.match(run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'status']), /"ok":true/, 'not frozen: it answers');
        // an fd to cgroup.freeze opened while that cgroup did not hold the agent
        const late = probe('write_after_move', join(base, 'other', 'cgroup.freeze'), String(pid), join(base, 'other', 'cgroup.procs'), '1');
        assert.match(late, /^errno=1 .*write after the move/, late);
        assert.is(cgroupOf(pid), `/${unique}/other`);
        // a cgroup frozen before the agent is moved into it
        assert.match(writeCgroupFile(join(base, 'frozen', 'cgroup.freeze'), '1'), /^ok/, 'freezing an unrelated cgroup is allowed');
        assert.match(writeCgroupFile(join(base, 'frozen', 'cgroup.procs'), String(pid)), /^errno=1 /, 'moving into a frozen cgroup denied');
        assert.is(cgroupOf(pid), `/${unique}/other`);
        assert.match(run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'status']), /"ok":true/, 'still answers');
        writeFileSync(join(root, home, 'cgroup.procs'), String(pid));
      } finally {
        await agent.stop();
        if (existsSync(join(base, 'frozen'))) writeFileSync(join(base, 'frozen', 'cgroup.freeze'), '0');
        for (const dir of dirs) if (existsSync(dir)) rmdirSync(dir);
      }
    });
  }
}

cgroups.run();
