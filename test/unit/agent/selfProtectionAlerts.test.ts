import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSelfProtectionConsumer, judgeSelfProtection } from '../../../src/agent/selfProtectionAlerts.js';
import { createAlertOutput } from '../../../src/agent/alertOutput.js';
import type { BpfAccessEvent, CgroupEvent, SignalEvent, TaskEvent } from '../../../src/events/types.js';
import { fileEvent, proc, ptraceEvent, recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';
import { processInfo } from '../../fixtures/process/processFixtures.js';

// alice's kill, in her login session 3
const KILL = processInfo(
  { comm: { text: 'kill' }, pid: 7, uid: 1000, user: 'alice', loginUid: 1000, loginUser: 'alice', sessionId: 3 },
  { exe: { text: '/usr/bin/kill' }, cmdline: 'kill -9 999' },
);
const signal = (over: Partial<SignalEvent> = {}): SignalEvent => ({
  kind: 'signal', timeNs: 3n, time: 't3', sensor: 'lsm', process: KILL,
  targetPid: 999, signal: 'SIGKILL', decision: 'deny', code: 0, fromKernel: false, ...over,
});
const bpfAccess = (): BpfAccessEvent => ({
  kind: 'bpf_access', timeNs: 4n, time: 't4', sensor: 'lsm', process: proc({ comm: { text: 'bpftool' } }), object: 'map', objectId: 12, decision: 'deny',
});

test('a denied signal is an alert; an allowed one only a notice naming the sender', () => {
  assert.equal(judgeSelfProtection(signal()), {
    alert: { rule: 'signal_agent_denied', time: 't3', pid: 7, comm: 'kill', uid: 1000, signal: 'SIGKILL' },
    human: 'SIGKILL to the agent from /usr/bin/kill (pid 7) by alice, session 3 denied',
  });
  assert.equal(judgeSelfProtection(signal({ signal: 'SIGTERM', decision: 'allow' })), {
    notice: 'received SIGTERM from /usr/bin/kill (pid 7) by alice, session 3',
  });
});

test('bpf access, denied file operations and ptrace of the agent are alerts; other events are not', () => {
  assert.equal((judgeSelfProtection(bpfAccess()) as { alert: unknown }).alert, {
    rule: 'bpf_access_denied', time: 't4', pid: 100, comm: 'bpftool', uid: 0, object: 'map', object_id: 12,
  });
  const denied = judgeSelfProtection(fileEvent({ denied: true, operation: 'unlink', path: { text: '/opt/lsmwatch/build/manifest.json' } }));
  assert.equal((denied as { alert: unknown }).alert, {
    rule: 'agent_file_denied', time: 't1', pid: 100, comm: 'bash', uid: 0, path: '/opt/lsmwatch/build/manifest.json', operation: 'unlink',
  });
  const nameless = judgeSelfProtection(fileEvent({ denied: true, path: null })) as { human: string; alert: { path: null } };
  assert.is(nameless.alert.path, null);
  assert.match(nameless.human, /\(unknown path\)/);
  assert.is(judgeSelfProtection(fileEvent()), null);
  assert.equal((judgeSelfProtection(ptraceEvent()) as { alert: unknown }).alert, {
    rule: 'ptrace_agent', time: 't2', pid: 100, comm: 'gdb', uid: 0, mode: 'attach', decision: 'deny', count: 1,
  });
  assert.is(judgeSelfProtection(ptraceEvent({ onAgent: false })), null);
});

test("a read-mode walk of the agent's /proc entries is no alert; a read that is not a walk, and an attach, are", () => {
  assert.is(judgeSelfProtection(ptraceEvent({ access: 'read', walk: true, decision: 'deny' })), null);
  assert.is(alertOf(judgeSelfProtection(ptraceEvent({ access: 'read', walk: false, decision: 'allow' }))).alert.mode, 'read');
  // the walk flag is the LSM sensor's for read-mode checks; an attach is judged whatever it says
  assert.is(alertOf(judgeSelfProtection(ptraceEvent({ access: 'attach', walk: true }))).alert.rule, 'ptrace_agent');
});

test('the consumer folds the ptrace accesses of one process into one alert with a count; another process has its own', () => {
  const output = recordingOutput();
  const notices = recordingNotices();
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const consumer = createSelfProtectionConsumer(createAlertOutput(output, notices), notices, {
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (t) => ((t as { cleared: boolean }).cleared = true),
  });
  const gdb = proc({ comm: { text: 'gdb' }, pid: 100, key: '100:1' });
  const strace = proc({ comm: { text: 'strace' }, pid: 200, key: '200:1' });
  for (let i = 0; i < 5; i++) consumer.consume(ptraceEvent({ process: gdb, time: `t${i}`, decision: 'allow' }));
  consumer.consume(ptraceEvent({ process: strace, decision: 'allow' }));
  assert.is(output.records.length, 0, 'held for repeats');
  timers[0]!.fn(); // gdb's hold ends
  assert.equal(output.records.map((r) => [r.rule, r.comm, r.count, r.last_time]), [['ptrace_agent', 'gdb', 5, 't4']]);
  assert.match(notices.lines.at(-1)!, /tried to ptrace the agent \(attach, allow\), 5 times$/);
  consumer.consume(ptraceEvent({ process: gdb, time: 't9', decision: 'allow' })); // within gdb's quiet period
  consumer.stop(); // strace's held alert and gdb's repeat go out
  assert.equal(
    output.records.slice(1).map((r) => [r.comm, r.count, r.repeat]).sort(),
    [['gdb', 1, true], ['strace', 1, undefined]],
  );
});

const task = (over: Partial<TaskEvent> = {}): TaskEvent => ({
  kind: 'task', timeNs: 5n, time: 't5', sensor: 'lsm', process: proc({ comm: { text: 'prlimit' }, pid: 99 }), targetPid: 777,
  change: { operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 1 }, decision: 'deny', ...over,
});
const cgroup = (over: Partial<CgroupEvent> = {}): CgroupEvent => ({
  kind: 'cgroup', timeNs: 6n, time: 't6', sensor: 'lsm', process: proc({ comm: { text: 'sh' }, pid: 99 }), targetPid: 777,
  operation: 'attach', path: { text: '/x' }, pathTruncated: false, cgroupId: 5n, level: 1, hierarchy: 0, decision: 'allow', ...over,
});
const alertOf = (v: ReturnType<typeof judgeSelfProtection>) => (v as { alert: Record<string, unknown>; human: string });

test('a denied limit change is agent_task_denied, an allowed one agent_task_changed', () => {
  const denied = alertOf(judgeSelfProtection(task()));
  assert.equal(denied.alert, {
    rule: 'agent_task_denied', time: 't5', pid: 99, comm: 'prlimit', uid: 0, target_pid: 777, operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 1, decision: 'deny',
  });
  assert.match(denied.human, /\(pid 99, comm prlimit\) by root was denied: set RLIMIT_CPU to 1\/1 on the agent/);
  const nice = alertOf(judgeSelfProtection(task({ change: { operation: 'setnice', nice: 19 }, decision: 'allow' })));
  assert.equal([nice.alert.rule, nice.alert.nice], ['agent_task_changed', 19]);
  assert.match(nice.human, /set the agent's nice value to 19/);
  assert.is(alertOf(judgeSelfProtection(task({ change: { operation: 'setioprio', ioprioClass: 'idle', ioprioLevel: 7 } }))).alert.ioprio_class, 'idle');
  assert.match(alertOf(judgeSelfProtection(task({ change: { operation: 'setscheduler' } }))).human, /changed the agent's scheduling \(setscheduler\)/);
});

test('cgroup events: moved, denied write, frozen', () => {
  const moved = alertOf(judgeSelfProtection(cgroup()));
  assert.equal(moved.alert, { rule: 'agent_cgroup_moved', time: 't6', pid: 99, comm: 'sh', uid: 0, target_pid: 777, operation: 'attach', path: '/x', decision: 'allow' });
  const denied = alertOf(judgeSelfProtection(cgroup({ operation: 'write', path: { text: '/sys/fs/cgroup/x/cgroup.freeze' }, decision: 'deny' })));
  assert.equal([denied.alert.rule, denied.alert.path], ['agent_cgroup_denied', '/sys/fs/cgroup/x/cgroup.freeze']);
  assert.match(denied.human, /was denied writing \/sys\/fs\/cgroup\/x\/cgroup\.freeze/);
  assert.is(alertOf(judgeSelfProtection(cgroup({ operation: 'freeze' }))).alert.rule, 'agent_cgroup_frozen');
});

test('a signal the kernel generated names no sender, only the task that ran', () => {
  assert.equal(judgeSelfProtection(signal({ signal: 'SIGXCPU', decision: 'allow', fromKernel: true, code: 0x80 })), {
    notice: 'received SIGXCPU from the kernel (while /usr/bin/kill (pid 7) by alice, session 3 ran)',
  });
});

test('the consumer outputs alert lines and red stderr lines, and notices for allowed signals', () => {
  const output = recordingOutput();
  const notices = recordingNotices();
  const consumer = createSelfProtectionConsumer(createAlertOutput(output, notices), notices);
  consumer.consume(signal());
  consumer.consume(signal({ decision: 'allow', signal: 'SIGTERM' }));
  consumer.consume(fileEvent());
  assert.is(output.records.length, 1);
  const line = output.records[0]!;
  // the rule's fields first, then who: the same context as the event lines
  assert.equal(Object.keys(line).slice(0, 7), ['type', 'rule', 'time', 'pid', 'comm', 'uid', 'signal']);
  assert.equal(
    { exe: line.exe, cmdline: line.cmdline, login_uid: line.login_uid, login_user: line.login_user, session_id: line.session_id, user: line.user },
    { exe: '/usr/bin/kill', cmdline: 'kill -9 999', login_uid: 1000, login_user: 'alice', session_id: 3, user: 'alice' },
  );
  assert.equal(notices.lines, [
    'alert: SIGKILL to the agent from /usr/bin/kill (pid 7) by alice, session 3 denied',
    'info: received SIGTERM from /usr/bin/kill (pid 7) by alice, session 3',
  ]);
});

test.run();
