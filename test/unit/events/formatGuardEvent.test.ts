import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatCgroup, formatTask, signalOrigin } from '../../../src/events/formatGuardEvent.js';
import type { CgroupRecordData, SignalRecordData, TaskRecordData } from '../../../src/sensor/decoder.js';
import { CgroupOp, Decision, RecordFlag, TaskOp } from '../../../src/sensor/contract.js';

const actor = { pid: 99, tid: 99, ppid: 1, uid: 0, gid: 0, comm: Buffer.from('prlimit') };
const task = (op: number, arg: bigint, value: bigint, value2: bigint, decision: number = Decision.DENY): TaskRecordData => ({
  kind: 'task', flags: 0, timeNs: 1n, actor, targetPid: 777, op, arg, value, value2, decision,
});

test('setrlimit: resource name, limits (unlimited for RLIM_INFINITY), decision', () => {
  assert.equal(formatTask(task(TaskOp.SETRLIMIT, 0n, 1n, 0xffffffffffffffffn), { type: 'task' }), {
    type: 'task', target_pid: 777, operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 'unlimited', decision: 'deny',
  });
  assert.is(formatTask(task(TaskOp.SETRLIMIT, 99n, 0n, 0n), {}).resource, 99);
});

test('setnice and setioprio read their sign-extended values', () => {
  assert.is(formatTask(task(TaskOp.SETNICE, 0n, BigInt.asUintN(64, -5n), 0n), {}).nice, -5);
  const io = formatTask(task(TaskOp.SETIOPRIO, 0n, BigInt((3 << 13) | 7), 0n, Decision.ALLOW), {});
  assert.equal([io.ioprio_class, io.ioprio_level, io.decision], ['idle', 7, 'allow']);
  assert.is(formatTask(task(TaskOp.SETSCHEDULER, 0n, 0n, 0n), {}).operation, 'setscheduler');
});

test('cgroup: operation, path (escaped like every path), id, level; the hierarchy only where a tracepoint told it', () => {
  const rec: CgroupRecordData = {
    kind: 'cgroup', flags: 0, timeNs: 1n, actor, targetPid: 777, op: CgroupOp.ATTACH, cgroupId: 4321n, level: 2, root: 0, decision: Decision.ALLOW, path: Buffer.from('/lw/inner'),
  };
  assert.equal(formatCgroup(rec, {}), { target_pid: 777, operation: 'attach', path: '/lw/inner', cgroup_id: 4321, level: 2, hierarchy: 0, decision: 'allow' });
  const denied = formatCgroup({ ...rec, op: CgroupOp.WRITE, flags: RecordFlag.DENIED | RecordFlag.PATH_TRUNCATED, decision: Decision.DENY, level: -1, cgroupId: 0n, path: Buffer.from('/sys/fs/cgroup/x/cgroup.freeze') }, {});
  assert.equal(denied, { target_pid: 777, operation: 'write', path: '/sys/fs/cgroup/x/cgroup.freeze', cgroup_id: null, level: null, path_truncated: true, decision: 'deny' });
});

test('signal origin: the si_code always, from_kernel only when the kernel sent it', () => {
  const sig: SignalRecordData = { kind: 'signal', flags: 0, timeNs: 1n, sender: actor, targetPid: 777, signal: 15, decision: Decision.ALLOW, code: 0 };
  assert.equal(signalOrigin(sig, {}), { code: 0 });
  assert.equal(signalOrigin({ ...sig, flags: RecordFlag.SIGNAL_FROM_KERNEL, code: 0x80 }, {}), { code: 0x80, from_kernel: true });
});

test.run();
