import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guardAlertFor, signalSender } from '../../../src/agent/guardAlerts.js';
import type { DecodedRecord } from '../../../src/sensor/decoder.js';
import { CgroupOp } from '../../../src/sensor/contract.js';

const base = { time: 't', pid: 99, comm: 'prlimit', uid: 0, target_pid: 777 };
const rec = (kind: string, op = 0) => ({ kind, op }) as unknown as DecodedRecord;

test('a denied limit change is agent_task_denied, an allowed one agent_task_changed', () => {
  const denied = guardAlertFor(rec('task'), { ...base, operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 1, decision: 'deny' })!;
  assert.equal(denied.alert, { type: 'alert', rule: 'agent_task_denied', time: 't', pid: 99, comm: 'prlimit', uid: 0, target_pid: 777, operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 1, decision: 'deny' });
  assert.match(denied.human, /prlimit \(pid 99, uid 0\) was denied: set RLIMIT_CPU to 1\/1 on the agent/);
  assert.is(guardAlertFor(rec('task'), { ...base, operation: 'setnice', nice: 19, decision: 'allow' })!.alert.rule, 'agent_task_changed');
});

test('cgroup records: moved, denied write, frozen', () => {
  const e = { ...base, comm: 'sh', path: '/x', decision: 'allow' };
  assert.is(guardAlertFor(rec('cgroup', CgroupOp.ATTACH), { ...e, operation: 'attach' })!.alert.rule, 'agent_cgroup_moved');
  const denied = guardAlertFor(rec('cgroup', CgroupOp.WRITE), { ...e, operation: 'write', path: '/sys/fs/cgroup/x/cgroup.freeze', decision: 'deny' })!;
  assert.is(denied.alert.rule, 'agent_cgroup_denied');
  assert.is(denied.alert.path, '/sys/fs/cgroup/x/cgroup.freeze');
  assert.match(denied.human, /was denied writing \/sys\/fs\/cgroup\/x\/cgroup\.freeze/);
  assert.is(guardAlertFor(rec('cgroup', CgroupOp.FREEZE), { ...e, operation: 'freeze' })!.alert.rule, 'agent_cgroup_frozen');
});

test('other records raise nothing here', () => {
  assert.is(guardAlertFor(rec('file'), base), null);
  assert.is(guardAlertFor(rec('signal'), base), null);
});

test('a signal the kernel generated has no sender', () => {
  assert.is(signalSender({ comm: 'kill', pid: 5, uid: 0 }), 'kill (pid 5, uid 0)');
  assert.is(signalSender({ comm: 'bash', pid: 5, uid: 0, from_kernel: true }), 'the kernel (while bash (pid 5, uid 0) ran)');
});

test.run();
