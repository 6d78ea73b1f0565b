import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { enrichCgroup, enrichTask, type GuardEnrichContext } from '../../../src/events/enrichGuard.js';
import type { CgroupRecordData, TaskRecordData } from '../../../src/sensor/decoder.js';
import { CgroupOp, Decision, RecordFlag, TaskOp } from '../../../src/sensor/contract.js';
import { pathText } from '../../../src/shared/pathText.js';
import { testProcesses } from '../../fixtures/process/processFixtures.js';

const actor = { pid: 99, tid: 99, ppid: 1, uid: 0, gid: 0, comm: Buffer.from('prlimit'), startNs: 1n, parentStartNs: 0n, cgroupId: 1n, loginUid: 0, sessionId: 1 };
const { processes } = testProcesses();
const ctx: GuardEnrichContext = {
  sensor: 'lsm',
  toRfc3339: (ns) => `mono:${ns}`,
  processInfo: (p) => processes.actor(p),
};
const task = (op: number, arg: bigint, value: bigint, value2: bigint, decision: number = Decision.DENY): TaskRecordData => ({
  kind: 'task', flags: 0, timeNs: 1n, actor, targetPid: 777, op, arg, value, value2, decision,
});

test('setrlimit: resource name, limits (unlimited for RLIM_INFINITY, strings beyond 2^53), decision', () => {
  const e = enrichTask(task(TaskOp.SETRLIMIT, 0n, 1n, 0xffffffffffffffffn), ctx);
  assert.equal([e.kind, e.time, e.targetPid, e.decision, e.process.comm.text], ['task', 'mono:1', 777, 'deny', 'prlimit']);
  assert.equal(e.change, { operation: 'setrlimit', resource: 'RLIMIT_CPU', soft: 1, hard: 'unlimited' });
  assert.equal(enrichTask(task(TaskOp.SETRLIMIT, 99n, 2n ** 60n, 0n), ctx).change, { operation: 'setrlimit', resource: 99, soft: '1152921504606846976', hard: 0 });
});

test('setnice and setioprio read their sign-extended values; unknown operations keep their number', () => {
  assert.equal(enrichTask(task(TaskOp.SETNICE, 0n, BigInt.asUintN(64, -5n), 0n), ctx).change, { operation: 'setnice', nice: -5 });
  const io = enrichTask(task(TaskOp.SETIOPRIO, 0n, BigInt((3 << 13) | 7), 0n, Decision.ALLOW), ctx);
  assert.equal([io.change, io.decision], [{ operation: 'setioprio', ioprioClass: 'idle', ioprioLevel: 7 }, 'allow']);
  assert.equal(enrichTask(task(TaskOp.SETSCHEDULER, 0n, 0n, 0n), ctx).change, { operation: 'setscheduler' });
  assert.equal(enrichTask(task(42, 0n, 0n, 0n), ctx).change, { operation: 42 });
});

test('cgroup: operation, path, id, level; the hierarchy only where a tracepoint told it', () => {
  const rec: CgroupRecordData = {
    kind: 'cgroup', flags: 0, timeNs: 1n, actor, targetPid: 777, op: CgroupOp.ATTACH, cgroupId: 4321n, level: 2, root: 0, decision: Decision.ALLOW, path: Buffer.from('/lw/inner'),
  };
  const moved = enrichCgroup(rec, ctx);
  assert.equal(
    [moved.operation, moved.path, moved.cgroupId, moved.level, moved.hierarchy, moved.pathTruncated, moved.decision],
    ['attach', { text: '/lw/inner' }, 4321n, 2, 0, false, 'allow'],
  );
  const denied = enrichCgroup(
    { ...rec, op: CgroupOp.WRITE, flags: RecordFlag.DENIED | RecordFlag.PATH_TRUNCATED, decision: Decision.DENY, level: -1, cgroupId: 0n, path: Buffer.from('/sys/fs/cgroup/x/cgroup.freeze') },
    ctx,
  );
  assert.equal([denied.operation, denied.cgroupId, denied.level, denied.hierarchy, denied.pathTruncated, denied.decision], ['write', null, null, null, true, 'deny']);
  assert.is(enrichCgroup({ ...rec, op: CgroupOp.FREEZE, root: -1 }, ctx).hierarchy, null);
  assert.is(enrichCgroup({ ...rec, op: 9 }, ctx).operation, 9);
});

test.run();
