/** The agent's process closed to others. Under --protect (LSM sensor, VM): ptrace in every mode,
 * pidfd_getfd, process_vm_readv/writev, /proc/<agent>/mem and the /proc files that expose its memory,
 * environment or fds are denied whatever forbid-ptrace says, while ps, top and /proc/<agent>/status
 * keep working; prlimit, renice, affinity and I/O priority changes are denied. With the tracepoint
 * sensor, which cannot deny, a prlimit on the agent is reported. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentBin, baseArgs, controlPath, helperBin, makeSandbox, probe, processState, run, sensorUnderTest, sleep, startAgent, type Sandbox } from './harness.js';

const processGuard = suite('process guard');
let box: Sandbox;
processGuard.before(() => {
  box = makeSandbox();
});
processGuard.after(() => box.cleanup());

/** Runs the ptrace helper; returns what it printed ("attached PID" or "failed PID errno=N (...)"). */
function ptraceAttach(pid: string, mode?: 'seize'): string {
  try {
    return run(helperBin('ptrace_attach'), mode ? [pid, mode] : [pid]).trim();
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err).trim();
  }
}

const ctl = (...args: string[]) => run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), ...args]).trim();

if (sensorUnderTest === 'lsm') {
  processGuard('--protect denies ptrace, pidfd_getfd, process_vm_readv/writev and /proc memory, environ and fd access; ps, top and status still work', async () => {
    const agent = startAgent(baseArgs(box, ['--protect']));
    try {
      const ready = await agent.waitFor((e) => e.type === 'ready' && e.protect === true, 'ready with protect');
      assert.is((ready.guard as { ptrace?: string }).ptrace, 'denied', 'protect implies forbid-ptrace self');
      const pid = String(agent.child.pid);
      assert.match(ptraceAttach(pid), /errno=1 /, 'PTRACE_ATTACH denied');
      assert.match(ptraceAttach(pid, 'seize'), /errno=1 /, 'PTRACE_SEIZE denied');
      assert.match(probe('pidfd_getfd', pid), /^errno=1 /, 'pidfd_getfd denied');
      assert.match(probe('vm_read', pid), /^errno=1 /, 'process_vm_readv denied');
      assert.match(probe('vm_write', pid), /^errno=1 /, 'process_vm_writev denied');
      for (const file of ['mem', 'environ', 'maps', 'auxv', 'stack', 'syscall', 'pagemap']) {
        // EACCES where open checks, EPERM where read does (stack, syscall)
        assert.match(probe('open', `/proc/${pid}/${file}`, 'r'), /^errno=(1|13) /, `/proc/<agent>/${file} denied`);
      }
      assert.match(probe('open', `/proc/${pid}/fd/0`, 'o'), /^errno=13 /, 'reopening one of its fds denied');
      assert.match(probe('readlink', `/proc/${pid}/fd/1`), /^errno=13 /, 'reading its fd links denied');
      assert.match(probe('readlink', `/proc/${pid}/exe`), /^errno=13 /, 'reading its exe link denied');
      assert.match(probe('open', `/proc/${pid}/status`, 'r'), /^ok/, '/proc/<agent>/status still readable');
      assert.match(probe('open', `/proc/${pid}/stat`, 'r'), /^ok/, '/proc/<agent>/stat still readable');
      assert.match(probe('open', `/proc/${pid}/cmdline`, 'r'), /^ok/, '/proc/<agent>/cmdline still readable');
      assert.match(run('ps', ['-o', 'pid,comm']), new RegExp(`^\\s*${pid}\\s`, 'm'), 'ps lists the agent');
      assert.match(run('top', ['-b', '-n', '1']), new RegExp(`^\\s*${pid}\\s`, 'm'), 'top lists the agent');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.decision === 'deny' && e.mode === 'read', 'read-mode denial alert');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.decision === 'deny' && e.mode === 'attach', 'attach denial alert');
      assert.is(agent.child.exitCode, null, 'still running');
    } finally {
      await agent.stop();
    }
  });

  processGuard('with --protect, `ctl forbid-ptrace off` is refused and pidfd_getfd stays denied (the attack of issue 14)', async () => {
    const agent = startAgent(baseArgs(box, ['--protect', '--forbid-ptrace']));
    try {
      await agent.waitFor((e) => e.type === 'ready' && e.protect === true, 'ready with protect');
      const pid = String(agent.child.pid);
      let refused = '';
      try {
        refused = ctl('forbid-ptrace', 'off');
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        refused = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      }
      assert.match(refused, /--protect/, `ctl says why: ${refused}`);
      assert.not.ok(agent.events.some((e) => e.type === 'setting' && e.forbid_ptrace === 'off'), 'no setting line: nothing was lowered');
      assert.match(probe('pidfd_getfd', pid, '200'), /^errno=1 /, 'pidfd_getfd denied');
      assert.match(probe('kill', pid, '9'), /^errno=1 /, 'SIGKILL still denied: protect was not lifted');
    } finally {
      await agent.stop();
    }
  });

  processGuard('--protect denies prlimit --cpu=1, renice, sched_setaffinity and ioprio_set on the agent; it keeps running', async () => {
    const agent = startAgent(baseArgs(box, ['--protect']));
    try {
      await agent.waitFor((e) => e.type === 'ready' && e.protect === true, 'ready with protect');
      const pid = agent.child.pid!;
      assert.match(probe('prlimit', String(pid), '0', '1', '1'), /^errno=1 /, 'RLIMIT_CPU denied');
      assert.match(probe('nice', String(pid), '19'), /^errno=1 /, 'renice denied');
      assert.match(probe('sched', String(pid)), /^errno=1 /, 'affinity denied');
      assert.match(probe('ioprio', String(pid)), /^errno=1 /, 'I/O priority denied');
      for (const op of ['setrlimit', 'setnice', 'setscheduler', 'setioprio']) {
        await agent.waitFor((e) => e.type === 'alert' && e.rule === 'agent_task_denied' && e.operation === op, `${op} denial alert`);
      }
      const limit = await agent.waitFor((e) => e.type === 'task' && e.operation === 'setrlimit', 'task event');
      assert.is(limit.resource, 'RLIMIT_CPU');
      assert.is(limit.decision, 'deny');
      await sleep(2000); // with the limit, the kernel would have killed it by now
      assert.ok(processState(pid) !== null, 'still running');
    } finally {
      await agent.stop();
    }
  });
} else {
  processGuard('the tracepoint sensor reports a prlimit on the agent (it cannot deny it)', async () => {
    const agent = startAgent(baseArgs(box));
    try {
      await agent.waitFor((e) => e.type === 'ready', 'ready');
      const pid = agent.child.pid!;
      assert.match(probe('prlimit', String(pid), '4', '0', '0'), /^ok/, 'RLIMIT_CORE 0 set (harmless)');
      const event = await agent.waitFor((e) => e.type === 'task' && e.operation === 'setrlimit' && e.target_pid === pid, 'task event');
      assert.is(event.resource, 'RLIMIT_CORE');
      assert.is(event.comm, 'guard_probe');
      assert.is(event.decision, 'allow');
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'agent_task_changed', 'alert');
    } finally {
      await agent.stop();
    }
  });
}

processGuard.run();
