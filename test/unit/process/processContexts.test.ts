import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ID_UNSET, RecordFlag } from '../../../src/sensor/contract.js';
import {
  execRecord,
  exitRecord,
  fakeCgroups,
  forkRecord,
  procFields,
  startAt,
  testProcesses,
  type FakeProc,
} from '../../fixtures/process/processFixtures.js';

/** /proc of a host where a login shell (200) started before the agent, under sshd (100) and init. */
const HOST: Record<number, FakeProc> = {
  1: { comm: 'systemd', ppid: 0, startTicks: 1n, exe: '/usr/lib/systemd/systemd', args: ['/sbin/init'] },
  100: { comm: 'sshd', ppid: 1, startTicks: 100n, exe: '/usr/sbin/sshd', args: ['sshd: alice [priv]'] },
  200: { comm: 'bash', ppid: 100, startTicks: 200n, exe: '/usr/bin/bash', args: ['-bash'], ttyNr: (136 << 8) | 1 },
};
const shell = procFields({ pid: 200, tid: 200, ppid: 100, startNs: startAt(200, 5), parentStartNs: startAt(100, 9), uid: 1000, gid: 1000, loginUid: 1000, sessionId: 3 });
const child = (pid: number, ticks: number, over = {}) =>
  procFields({ pid, tid: pid, ppid: 200, startNs: startAt(ticks, 1), parentStartNs: shell.startNs, uid: 1000, gid: 1000, loginUid: 1000, sessionId: 3, ...over });

test('an exec record gives the event its executable, redacted command line, terminal and ancestry', () => {
  const { processes, procfs } = testProcesses({ procs: HOST });
  const helper = child(4242, 900, { comm: Buffer.from('mysql') });
  processes.observe(execRecord(helper, '/usr/bin/mysql', ['mysql', '-uroot', '-pS3cret', 'shop'], { tty: Buffer.from('pts1') }));
  const who = processes.actor(helper);
  assert.equal(who.context.exe, { text: '/usr/bin/mysql' });
  assert.is(who.context.cmdline, 'mysql -uroot -p*** shop');
  assert.is(who.context.tty, 'pts/1');
  assert.is(who.context.source, 'exec');
  assert.equal(who.context.ancestors, [
    { pid: 200, comm: 'bash', exe: '/usr/bin/bash' },
    { pid: 100, comm: 'sshd', exe: '/usr/sbin/sshd' },
    { pid: 1, comm: 'systemd', exe: '/usr/lib/systemd/systemd' },
  ]);
  assert.equal([who.user, who.group, who.loginUid, who.loginUser, who.sessionId], ['alice', 'alice', 1000, 'alice', 3]);
  assert.not.ok(procfs.reads.some((p) => p.startsWith('/proc/4242/')), 'the process itself was never read from /proc');
  assert.is(processes.counts().procfs_reads, 3, 'its ancestors were: they started before the agent');
  assert.not.ok(JSON.stringify(processes.counts()).includes('S3cret'));
});

test('a process that exits right after its write still has its executable and identity (the kernel told, not /proc)', () => {
  const { processes, procfs } = testProcesses({ procs: HOST });
  const quick = child(5000, 950);
  processes.observe(execRecord(quick, '/usr/local/bin/helper', ['helper', '--password=S3cret']));
  processes.observe(exitRecord(quick)); // gone before the agent looked at its event
  const who = processes.actor(quick);
  assert.is(who.context.exe?.text, '/usr/local/bin/helper');
  assert.is(who.context.cmdline, 'helper --password=***');
  assert.is(who.startNs, quick.startNs);
  assert.is(who.key, '5000@950');
  assert.not.ok(procfs.reads.some((p) => p.startsWith('/proc/5000/')));
  assert.is(processes.counts().misses, 0);
});

test('PID reuse: the late record of an exited process and the new holder of its pid each get their own context and key', () => {
  const { processes } = testProcesses({ procs: HOST });
  const first = child(300, 1000);
  const second = child(300, 2000); // same pid, started later: another process
  processes.observe(execRecord(first, '/usr/bin/first', ['first']));
  processes.observe(exitRecord(first));
  processes.observe(execRecord(second, '/usr/bin/second', ['second']));
  const late = processes.actor(first); // e.g. a write flush of the first process, arriving after the second started
  const now = processes.actor(second);
  assert.is(late.context.exe?.text, '/usr/bin/first');
  assert.is(now.context.exe?.text, '/usr/bin/second');
  assert.is.not(late.key, now.key, 'detectors key their state by this: nothing passes from one to the other');
});

test('a process that started before the agent: read from /proc once, start time checked', () => {
  const { processes, procfs } = testProcesses({ procs: HOST });
  const first = processes.actor(shell);
  assert.is(first.context.source, 'procfs');
  assert.is(first.context.exe?.text, '/usr/bin/bash');
  assert.is(first.context.cmdline, '-bash');
  assert.is(first.context.tty, 'pts/1');
  assert.equal(first.context.ancestors.map((a) => a.comm), ['sshd', 'systemd']);
  const reads = procfs.reads.length;
  processes.actor(shell);
  assert.is(procfs.reads.length, reads, 'the second event reads nothing');
  assert.is(processes.counts().procfs_reads, 3, 'the shell, sshd, init');
});

test('/proc holds another process with that pid (reused) or none: only the record, counted as a miss, not read again', () => {
  const { processes, procfs } = testProcesses({ procs: HOST });
  const impostor = procFields({ pid: 200, tid: 200, ppid: 100, startNs: startAt(150), parentStartNs: startAt(100, 9) });
  const who = processes.actor(impostor);
  assert.is(who.context.source, 'kernel');
  assert.is(who.context.exe, null, 'not the bash that holds pid 200 now');
  assert.is(who.comm.text, 'bash', 'what the record said stays');
  assert.is(processes.counts().misses, 1);
  const reads = procfs.reads.length;
  processes.actor(impostor);
  assert.is(procfs.reads.length, reads);
  assert.is(processes.actor(procFields({ pid: 31337, startNs: startAt(7) })).context.source, 'kernel');
});

test('a process that exec\'d between its event and the /proc read: its thread name changed, /proc is not trusted', () => {
  const procs = { ...HOST, 200: { ...HOST[200]!, exe: '/usr/bin/true', threads: { 200: 'true' } } };
  const { processes } = testProcesses({ procs });
  const who = processes.actor(shell); // the event was made by "bash"
  assert.is(who.context.exe, null);
  assert.is(who.context.source, 'kernel');
});

test('a fork runs its creator\'s program until it execs', () => {
  const { processes } = testProcesses({ procs: HOST });
  const parent = child(400, 990);
  processes.observe(execRecord(parent, '/usr/bin/make', ['make', '-j2']));
  const kid = child(401, 991, { ppid: 400, parentStartNs: parent.startNs, comm: Buffer.from('make') });
  processes.observe(forkRecord(parent, 401, kid.startNs));
  const before = processes.actor(kid);
  assert.is(before.context.source, 'fork');
  assert.is(before.context.exe?.text, '/usr/bin/make');
  assert.is(before.context.cmdline, 'make -j2');
  assert.equal(before.context.ancestors.slice(0, 2).map((a) => a.pid), [400, 200]);
  processes.observe(execRecord(kid, '/usr/bin/cc', ['cc', '-c', 'x.c']));
  const after = processes.actor(kid);
  assert.is(after.context.exe?.text, '/usr/bin/cc');
  assert.is(after.context.source, 'exec');
  assert.is(after.key, before.key, 'the same process');
});

test('CLONE_PARENT: the child\'s parent is its creator\'s parent', () => {
  const { processes } = testProcesses({ procs: HOST });
  const creator = child(410, 995);
  processes.observe(execRecord(creator, '/usr/bin/x', ['x']));
  processes.observe({ kind: 'fork', timeNs: 1n, parent: creator, childPid: 411, childPpid: 200, childStartNs: startAt(996) });
  const who = processes.actor(child(411, 996, { startNs: startAt(996) }));
  assert.is(who.context.ancestors[0]?.pid, 200);
});

test('names and ids are per event: a setuid program is root while its login user stays alice', () => {
  const { processes } = testProcesses({ procs: HOST });
  const p = child(500, 1000);
  processes.observe(execRecord(p, '/usr/bin/passwd', ['passwd']));
  assert.is(processes.actor(p).user, 'alice');
  const root = processes.actor({ ...p, uid: 0, gid: 0 });
  assert.equal([root.user, root.group, root.loginUser], ['root', 'root', 'alice']);
  const unset = processes.actor({ ...p, loginUid: ID_UNSET, sessionId: ID_UNSET });
  assert.equal([unset.loginUid, unset.loginUser, unset.sessionId], [null, null, null]);
});

test('flags of the exec record: deleted executable, cut argument vector', () => {
  const { processes } = testProcesses({ procs: HOST });
  const p = child(600, 1000);
  processes.observe(execRecord(p, '/tmp/.x', ['/tmp/.x', 'a'], { flags: RecordFlag.EXE_DELETED | RecordFlag.ARGS_TRUNCATED }));
  const c = processes.actor(p).context;
  assert.equal([c.exeDeleted, c.cmdlineTruncated], [true, true]);
});

test('container per event, from the cgroup id (cgroup v2)', () => {
  const ID = 'd'.repeat(64);
  const procs = { ...HOST, 700: { comm: 'nginx', ppid: 1, startTicks: 700n, exe: '/usr/sbin/nginx', cgroup: `0::/system.slice/docker-${ID}.scope\n` } };
  const { processes } = testProcesses({ procs, cgroups: (procfs) => fakeCgroups({ '/': 1n, [`/system.slice/docker-${ID}.scope`]: 77n }, true, procfs) });
  const p = procFields({ pid: 700, tid: 700, startNs: startAt(700), cgroupId: 77n });
  assert.equal(processes.actor(p).container, { runtime: 'docker', id: ID });
  assert.is(processes.actor(procFields({ pid: 701, startNs: startAt(701), cgroupId: 1n })).container, null);
});

test('bounded: a flood of processes never holds more than process.cache_size; forgotten ones are counted', () => {
  const { processes } = testProcesses({ procs: HOST, config: { cacheSize: 256 } });
  for (let pid = 10_000; pid < 11_000; pid++) processes.observe(execRecord(child(pid, pid), '/bin/true', ['true']));
  const counts = processes.counts();
  assert.ok(counts.cached <= 256, String(counts.cached));
  assert.ok(counts.evicted >= 1000 - 256);
});

test('policy: no ancestors, no command lines', () => {
  const { processes } = testProcesses({ procs: HOST, config: { ancestors: 0, cmdlineMax: 0 } });
  const p = child(800, 1000);
  processes.observe(execRecord(p, '/bin/x', ['x', 'y']));
  const c = processes.actor(p).context;
  assert.equal([c.ancestors, c.cmdline], [[], null]);
});

test('the start-up scan learns running processes; later events read nothing', () => {
  const { processes, procfs } = testProcesses({ procs: HOST });
  assert.is(processes.scan([1, 100, 200, 999]), 3);
  const reads = procfs.reads.length;
  const who = processes.actor(shell);
  assert.is(who.context.exe?.text, '/usr/bin/bash');
  assert.is(procfs.reads.length, reads);
});

test('forks of forks: the program is found up the chain; a fork bomb\'s deep chain is a miss, not a stack overflow', () => {
  const { processes } = testProcesses({ procs: HOST });
  const root = child(20_000, 3000);
  processes.observe(execRecord(root, '/usr/bin/bash', ['bash', 'bomb.sh']));
  let parent = root;
  const chain = [root];
  for (let i = 1; i <= 300; i++) {
    const kid = child(20_000 + i, 3000 + i, { ppid: parent.pid, parentStartNs: parent.startNs });
    processes.observe(forkRecord(parent, kid.pid, kid.startNs));
    chain.push(kid);
    parent = kid;
  }
  assert.is(processes.actor(chain[10]!).context.exe?.text, '/usr/bin/bash', 'ten forks down');
  const misses = processes.counts().misses;
  assert.is(processes.actor(chain[300]!).context.exe, null, 'three hundred forks down: given up');
  assert.is(processes.counts().misses, misses + 1);
});

test('a parent /proc no longer has is asked for once, however many children ask', () => {
  const { processes, procfs } = testProcesses({ procs: HOST });
  const goneParent = { pid: 30_000, startNs: startAt(2500) };
  for (let i = 1; i <= 50; i++) {
    const kid = child(30_000 + i, 2600 + i, { ppid: goneParent.pid, parentStartNs: goneParent.startNs });
    processes.observe(execRecord(kid, '/bin/true', ['true']));
    processes.actor(kid);
  }
  assert.is(procfs.reads.filter((p) => p === '/proc/30000/stat').length, 1);
});

test.run();
