/**
 * Who did it, end to end (issue 16), with the sensor under test (tracepoint here, LSM in the VM):
 * a known parent chain (a script that sets its login uid, runs a second script that execs a
 * helper, which writes a watched file and exits at once) gives an event with the helper's
 * executable, its command line with the secret redacted, the chain, the login uid and session, the
 * user names; a new process that gets the pid of an earlier one inherits nothing of it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseArgs, helperBin, inVm, makeSandbox, run, sensorUnderTest, sleep, startAgent, type Event, type RunningAgent, type Sandbox } from './harness.js';

const context = suite('process context');
let agent: RunningAgent;
let box: Sandbox;
let madePasswd = false;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;
const SECRET = 'S3cretPassw0rd';

/** A user the host's passwd names (the VM image has none: the test writes one there and removes it). */
function namedUser(): { uid: number; name: string } {
  if (inVm && !existsSync('/etc/passwd')) {
    writeFileSync('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nlwtest:x:4321:4321::/tmp:/bin/sh\n');
    writeFileSync('/etc/group', 'root:x:0:\nlwtest:x:4321:\n');
    madePasswd = true;
  }
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && Number(uid) > 0 && Number(uid) < 65534) return { uid: Number(uid), name };
  }
  return { uid: 0, name: 'root' };
}

context.before(async () => {
  namedUser();
  // fan-out after 3 distinct files: the PID reuse test needs a small threshold
  box = makeSandbox({ detect: { fanout_distinct_files: 3, fanout_window_seconds: 60, cooldown_seconds: 0 }, process: { ancestors: 4 } });
  agent = startAgent(baseArgs(box));
  await agent.waitFor((e) => e.type === 'ready', 'ready');
});

context.after(async () => {
  await agent.stop();
  box.cleanup();
  if (madePasswd) {
    rmSync('/etc/passwd', { force: true });
    rmSync('/etc/group', { force: true });
  }
});

const writeTo = (path: string, pid: number) => (e: Event) => e.type === 'write' && e.path === path && e.pid === pid;

context('a script chain that execs a helper: exe, redacted command line, ancestry, login uid, session, names', async () => {
  const user = namedUser();
  const target = join(box.watched, 'chain-target');
  const outer = join(box.root, 'outer.sh');
  const inner = join(box.root, 'inner.sh');
  // outer sets its own login uid (which starts an audit session), then runs inner, which execs the helper
  writeFileSync(outer, `#!/bin/sh\necho ${user.uid} > /proc/self/loginuid || exit 9\necho "outer $$"\nsh "$1" "$2" "$3"\n`);
  writeFileSync(inner, `#!/bin/sh\necho "inner $$"\nexec "$1" hello "$2" -- --password=${SECRET}\n`);
  chmodSync(outer, 0o755);
  const out = run('sh', [outer, inner, helperBin('write_file'), target]);
  const outerPid = Number(/outer (\d+)/.exec(out)?.[1]);
  const helperPid = Number(/inner (\d+)/.exec(out)?.[1]);
  assert.ok(outerPid > 0 && helperPid > 0, out);
  assert.match(out, new RegExp(`\\n${helperPid}\\n`), 'the helper has the inner script\'s pid (exec)');

  const write = await agent.waitFor(writeTo(target, helperPid), `the helper's write to ${target}`);
  const helper = realpathSync(helperBin('write_file'));
  assert.is(write.exe, helper);
  assert.is(write.cmdline, `${helperBin('write_file')} hello ${target} -- --password=***`);
  assert.not.match(JSON.stringify(agent.events), new RegExp(SECRET), 'the secret is nowhere in the output');
  assert.is(write.context_source, 'exec');
  const ancestors = write.ancestors as Array<{ pid: number; comm: string; exe: string | null }>;
  assert.equal(ancestors[0], { pid: outerPid, comm: 'sh', exe: realpathSync('/bin/sh') }, 'the parent: the outer script');
  assert.is(ancestors[1]?.pid, process.pid, 'then this test');
  assert.is(ancestors[1]?.exe, realpathSync(process.execPath));
  assert.ok(ancestors.length <= 4, 'process.ancestors: 4');
  assert.is(write.login_uid, user.uid);
  assert.is(write.login_user, user.name);
  assert.type(write.session_id, 'number', 'setting the login uid started a session');
  assert.is(write.uid, 0);
  assert.is(write.user, 'root');
  assert.match(String(write.start_time), RFC3339);
  assert.ok(String(write.start_time) <= String(write.time), 'started before it wrote');
  assert.type(write.cgroup_id, 'number');
});

context('a process that exits right after its write still has its executable and identity', async () => {
  const target = join(box.watched, 'quick');
  const pid = Number(run(helperBin('write_file'), ['x', target]).trim());
  // it is gone now: /proc has nothing of it
  assert.not.ok(existsSync(`/proc/${pid}/exe`) && readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('write_file'));
  const write = await agent.waitFor(writeTo(target, pid), 'the write of a process that is gone');
  assert.is(write.exe, realpathSync(helperBin('write_file')));
  assert.is(write.comm, 'write_file');
  assert.match(String(write.start_time), RFC3339);
  assert.is(write.context_source, 'exec');
});

context('PID reuse: a new process with an earlier one\'s pid gets its own context and no detector state of it', async () => {
  const [a, b, c] = ['reuse-a', 'reuse-b', 'reuse-c'].map((n) => join(box.watched, n));
  // the first holder of the pid writes two distinct files and exits
  const pid = Number(run(helperBin('write_file'), ['x', a!, b!]).trim());
  const first = await agent.waitFor(writeTo(b!, pid), 'the first process\'s second file');
  // a new process is made to get that pid, and writes a third file: per pid, 3 distinct files are a fan-out
  const out = run(helperBin('pid_reuse'), [String(pid), '200000', 'sh', '-c', `echo x >> "${c!}"`]);
  assert.is(Number(out.trim()), pid, 'the pid came round again');
  const second = await agent.waitFor(writeTo(c!, pid), 'the write of the new process with the same pid');
  assert.is.not(second.start_time, first.start_time, 'another start: another process');
  assert.is(second.exe, realpathSync('/bin/sh'));
  assert.is(first.exe, realpathSync(helperBin('write_file')));
  // everything the detectors were given up to the second write has been judged when a later event is out
  const marker = join(box.watched, 'reuse-marker');
  const markerPid = Number(run(helperBin('write_file'), ['x', marker]).trim());
  await agent.waitFor(writeTo(marker, markerPid), 'a later event');
  const fanout = agent.events.filter((e) => e.type === 'alert' && e.rule === 'write_fanout_pid' && e.pid === pid);
  assert.equal(fanout, [], 'two files by one process and one by another are no fan-out');
});

context('a ptrace line names the tracer\'s executable too', async () => {
  const target = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await sleep(100);
    run(helperBin('ptrace_attach'), [String(target.pid)]);
    const event = await agent.waitFor((e) => e.type === 'ptrace' && e.target_pid === target.pid, 'ptrace event');
    assert.is(event.exe, realpathSync(helperBin('ptrace_attach')));
    assert.equal((event.ancestors as Array<{ pid: number }>)[0]?.pid, process.pid);
  } finally {
    target.kill('SIGKILL');
  }
});

context('the stats line counts the process records and the cache', async () => {
  const stop = await agent.stop('SIGTERM');
  assert.is(stop, 0);
  const stats = agent.events.filter((e) => e.type === 'stats').pop() as unknown as { kernel: Record<string, number>; agent: Record<string, unknown> };
  assert.ok(stats.kernel.process_records! > 0, `${sensorUnderTest}: exec, fork and exit records came`);
  assert.is(stats.kernel.process_records_lost, 0);
  const counts = stats.agent.process as Record<string, number>;
  assert.ok(counts.exec_records! > 0 && counts.fork_records! > 0 && counts.exit_records! > 0, JSON.stringify(counts));
  assert.is(stats.agent.process_records, stats.kernel.process_records);
});

context.run();
