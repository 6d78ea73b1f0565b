import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { enrichRecord, type EnrichContext } from '../../../src/events/enrich.js';
import type { InodePaths } from '../../../src/events/inodePaths.js';
import type { FileEvent, SignalEvent } from '../../../src/events/types.js';
import { eventLine } from '../../../src/output/eventRecord.js';
import type { FileRecordData, ProcessFields, PtraceRecordData } from '../../../src/sensor/decoder.js';
import { Decision, ID_UNSET, PtraceKind, RecordFlag, RecordType } from '../../../src/sensor/contract.js';
import { withTailMembers } from '../../../src/output/jsonTail.js';
import { testProcesses } from '../../fixtures/process/processFixtures.js';

interface Ctx {
  sensor?: 'lsm' | 'tracepoint';
  lookupComm?: (pid: number) => string | undefined;
  lookupPath?: (dev: number, ino: bigint) => Buffer | undefined;
}

const ctx = (over: Ctx = {}) => over;

function enrichContext(c: Ctx): EnrichContext {
  const inodePaths: InodePaths = {
    remember: () => {},
    lookup: (dev, ino) => c.lookupPath?.(dev, ino),
    size: 0,
    capacity: 16,
  };
  const { processes, accounts } = testProcesses();
  return { sensor: c.sensor ?? 'lsm', toRfc3339: (ns) => `mono:${ns}`, agentPid: 4242, lookupComm: c.lookupComm ?? (() => undefined), inodePaths, processes, accounts };
}

/** The typed event of a record, and the line it prints as. */
const enrich = (rec: Parameters<typeof enrichRecord>[0], c: Ctx = {}) => enrichRecord(rec, enrichContext(c))!;
const formatRecord = (rec: Parameters<typeof enrichRecord>[0], c: Ctx = {}) => withTailMembers(eventLine(enrich(rec, c)));

/** What a process the agent knows nothing of gets: its record's facts, names, no program. */
const UNKNOWN_PROCESS = {
  start_time: 'boot:5000000000',
  user: 'root',
  group: 'root',
  login_uid: null,
  login_user: null,
  session_id: null,
  cgroup_id: 1,
  container_id: null,
  exe: null,
  exe_inode: null,
  exe_dev: null,
  cmdline: null,
  tty: null,
  ancestors: [],
  context_source: 'kernel',
};

const proc = (over: Partial<ProcessFields> = {}): ProcessFields => ({
  pid: 100,
  tid: 101,
  ppid: 1,
  uid: 0,
  gid: 0,
  comm: Buffer.from('bash'),
  startNs: 5_000_000_000n,
  parentStartNs: 10_000_000n,
  cgroupId: 1n,
  loginUid: ID_UNSET,
  sessionId: ID_UNSET,
  ...over,
});

function file(over: Partial<FileRecordData> = {}): FileRecordData {
  return {
    kind: 'file',
    type: RecordType.OPEN,
    flags: 0,
    timeNs: 5n,
    proc: proc(),
    ino: 1234n,
    dev: (254 << 20) | 0,
    openFlags: 1,
    count: 1,
    bytes: 0,
    mode: 0o100644,
    path: Buffer.from('/etc/passwd'),
    path2: null,
    anchor: 0,
    anchorOff: 0,
    anchor2: 0,
    anchor2Off: 0,
    rdev: 0,
    attr: null,
    mount: null,
    xattr: null,
    mmap: null,
    ...over,
  };
}

function ptrace(over: Partial<PtraceRecordData> = {}): PtraceRecordData {
  return {
    kind: 'ptrace',
    flags: 0,
    timeNs: 7n,
    tracer: proc({ comm: Buffer.from('gdb') }),
    targetPid: 200,
    targetTid: 200,
    targetUid: 1000,
    mode: 0,
    request: 0,
    result: 0,
    ptraceKind: PtraceKind.ACCESS_CHECK,
    decision: Decision.ALLOW,
    targetComm: Buffer.from('sshd'),
    ...over,
  };
}

// ---- file records ----

test('open record: the full output object', () => {
  const out = formatRecord(file({ openFlags: 0o102 }), ctx());
  assert.equal(out, {
    type: 'open',
    time: 'mono:5',
    sensor: 'lsm',
    pid: 100,
    tid: 101,
    ppid: 1,
    uid: 0,
    gid: 0,
    comm: 'bash',
    path: '/etc/passwd',
    inode: 1234,
    dev: 65024,
    flags: 0o102,
    access: 'read_write',
    ...UNKNOWN_PROCESS,
  });
});

test('type names and access for every file record type', () => {
  assert.is(formatRecord(file({ type: RecordType.OPEN, openFlags: 0 }), ctx()).access, 'read');
  assert.is(formatRecord(file({ type: RecordType.OPEN, openFlags: 0o1101 }), ctx()).access, 'write');
  assert.is(formatRecord(file({ type: RecordType.OPEN, openFlags: 2 }), ctx()).access, 'read_write');
  assert.is(formatRecord(file({ type: RecordType.WRITE }), ctx()).type, 'write');
  assert.is(formatRecord(file({ type: RecordType.UNLINK }), ctx()).type, 'unlink');
  assert.is(formatRecord(file({ type: RecordType.RENAME, path2: Buffer.from('/n') }), ctx()).type, 'rename');
});

test('write record carries count and bytes; others do not', () => {
  const w = formatRecord(file({ type: RecordType.WRITE, count: 3, bytes: 4096, openFlags: 0o2001 }), ctx({ sensor: 'tracepoint' }));
  assert.is(w.type, 'write');
  assert.is(w.sensor, 'tracepoint');
  assert.is(w.count, 3);
  assert.is(w.bytes, 4096);
  assert.is(w.access, 'write');
  const u = formatRecord(file({ type: RecordType.UNLINK }), ctx());
  assert.not.ok('count' in u);
  assert.not.ok('bytes' in u);
  assert.not.ok('flags' in u);
  assert.not.ok('access' in u);
});

test('rename: path is the new name, old_path the old one', () => {
  const out = formatRecord(
    file({ type: RecordType.RENAME, path: Buffer.from('/etc/.passwd.tmp'), path2: Buffer.from('/etc/passwd') }),
    ctx(),
  );
  assert.is(out.type, 'rename');
  assert.is(out.path, '/etc/passwd');
  assert.is(out.old_path, '/etc/.passwd.tmp');
  assert.not.ok('flags' in out);
});

test('rename without path2 keeps path and has no old_path', () => {
  const out = formatRecord(file({ type: RecordType.RENAME, path: Buffer.from('/etc/x') }), ctx());
  assert.is(out.path, '/etc/x');
  assert.not.ok('old_path' in out);
});

test('path_b64 only for invalid UTF-8, for path, old_path and comm', () => {
  const valid = formatRecord(file({ path: Buffer.from('/etc/ü\n\x1b[31m') }), ctx());
  assert.is(valid.path, '/etc/ü\n\x1b[31m');
  assert.not.ok('path_b64' in valid);

  const badNew = Buffer.from([0x2f, 0x61, 0xff, 0xfe]);
  const badOld = Buffer.from([0x2f, 0xc3, 0x28]);
  const badComm = Buffer.from([0x80, 0x41]);
  const out = formatRecord(
    file({ type: RecordType.RENAME, path: badOld, path2: badNew, proc: proc({ comm: badComm }) }),
    ctx(),
  );
  assert.is(out.path_b64, badNew.toString('base64'));
  assert.is(out.old_path_b64, badOld.toString('base64'));
  assert.is(out.comm_b64, badComm.toString('base64'));
  assert.is(out.path, '/a\ufffd\ufffd');
  assert.ok(Buffer.from(out.path_b64 as string, 'base64').equals(badNew));
});

test('inode and dev 0 become null', () => {
  const out = formatRecord(file({ ino: 0n, dev: 0 }), ctx());
  assert.is(out.inode, null);
  assert.is(out.dev, null);
});

test('inode beyond 2^53 is reported exactly', () => {
  // BUG: formatFile does Number(rec.ino), silently rounding 64-bit inode numbers (overlayfs xino,
  // XFS) above Number.MAX_SAFE_INTEGER; the output then names a different inode than stat() does.
  const ino = 2n ** 53n + 1n;
  const out = formatRecord(file({ ino }), ctx());
  assert.is(String(out.inode), ino.toString());
});

test('path_truncated only when a truncation flag is set', () => {
  assert.not.ok('path_truncated' in formatRecord(file({ flags: RecordFlag.FROM_CACHE_MISS }), ctx()));
  assert.is(formatRecord(file({ flags: RecordFlag.PATH_TRUNCATED }), ctx()).path_truncated, true);
  assert.is(
    formatRecord(file({ type: RecordType.RENAME, path2: Buffer.from('/b'), flags: RecordFlag.PATH2_TRUNCATED }), ctx()).path_truncated,
    true,
  );
});

// ---- ptrace records ----

test('LSM ptrace access check with ATTACH mode, denied', () => {
  const out = formatRecord(
    ptrace({ mode: 0x02 | 0x08, decision: Decision.DENY, result: -1, flags: RecordFlag.DENIED }),
    ctx(),
  );
  assert.equal(out, {
    type: 'ptrace',
    time: 'mono:7',
    sensor: 'lsm',
    pid: 100,
    tid: 101,
    ppid: 1,
    uid: 0,
    gid: 0,
    comm: 'gdb',
    target_pid: 200,
    target_comm: 'sshd',
    target_uid: 1000,
    mode: 'attach',
    decision: 'deny',
    error: 'EPERM',
    ...UNKNOWN_PROCESS,
  });
});

test('LSM ptrace access check without ATTACH is a read', () => {
  const out = formatRecord(ptrace({ mode: 0x01 | 0x04 }), ctx());
  assert.is(out.mode, 'read');
  assert.is(out.decision, 'allow');
  assert.not.ok('request' in out);
  assert.not.ok('error' in out);
  assert.is(out.target_uid, 1000);
  assert.not.ok('walk' in out, 'no walk flag: not a walk');
});

test('a read-mode check the LSM sensor flagged as a /proc walk (denied under --protect) says walk: true', () => {
  const out = formatRecord(ptrace({ mode: 0x01 | 0x08, decision: Decision.DENY, result: -1, flags: RecordFlag.DENIED | RecordFlag.PTRACE_WALK }), ctx());
  assert.equal([out.mode, out.decision, out.walk], ['read', 'deny', true]);
});

test('tracepoint ptrace requests: names, attach detection, null target_uid', () => {
  const req = (request: number, over: Partial<PtraceRecordData> = {}) =>
    formatRecord(ptrace({ ptraceKind: PtraceKind.REQUEST, request, targetUid: 0, ...over }), ctx({ sensor: 'tracepoint' }));
  const attach = req(16);
  assert.is(attach.mode, 'attach');
  assert.is(attach.request, 'PTRACE_ATTACH');
  assert.is(attach.target_uid, null);
  assert.is(attach.sensor, 'tracepoint');
  assert.is(req(0x4206).mode, 'attach');
  assert.is(req(0x4206).request, 'PTRACE_SEIZE');
  assert.is(req(0).mode, 'attach');
  assert.is(req(0).request, 'PTRACE_TRACEME');
  assert.is(req(2).mode, 'request');
  assert.is(req(2).request, 'PTRACE_PEEKDATA');
  assert.is(req(17).request, 'PTRACE_DETACH');
  assert.is(req(0x4207).request, 'PTRACE_INTERRUPT');
  assert.is(req(12345).request, 12345); // unknown request: the number
  const failed = req(16, { decision: Decision.ERROR, result: -3 });
  assert.is(failed.decision, 'error');
  assert.is(failed.error, 'ESRCH');
  assert.is(req(16, { result: -100000 }).error, -100000); // unknown errno: the number
});

test('lookupComm fills an empty target comm; a present comm is not looked up', () => {
  const asked: number[] = [];
  const lookupComm = (pid: number) => {
    asked.push(pid);
    return pid === 200 ? 'sleep' : undefined;
  };
  const empty = formatRecord(ptrace({ targetComm: Buffer.alloc(0), ptraceKind: PtraceKind.REQUEST, request: 16 }), ctx({ lookupComm }));
  assert.is(empty.target_comm, 'sleep');
  assert.equal(asked, [200]);

  const present = formatRecord(ptrace(), ctx({ lookupComm }));
  assert.is(present.target_comm, 'sshd');
  assert.equal(asked, [200]);

  const unknown = formatRecord(ptrace({ targetPid: 999, targetComm: Buffer.alloc(0) }), ctx({ lookupComm }));
  assert.is(unknown.target_comm, null);
  const noLookup = formatRecord(ptrace({ targetComm: Buffer.alloc(0) }), ctx());
  assert.is(noLookup.target_comm, null);
});

test('invalid UTF-8 in target comm travels as target_comm_b64', () => {
  const comm = Buffer.from([0x61, 0xff]);
  const out = formatRecord(ptrace({ targetComm: comm }), ctx());
  assert.is(out.target_comm, 'a\ufffd');
  assert.is(out.target_comm_b64, comm.toString('base64'));
});


test('signal events use the canonical name of aliased numbers, carry the si_code and say when the kernel sent them', () => {
  const sig = (signal: number, flags = 0, code = 0) =>
    enrich({ kind: 'signal', flags, timeNs: 1n, sender: proc({ comm: Buffer.from('kill') }), targetPid: 7, signal, decision: Decision.ALLOW, code });
  assert.equal([6, 29, 17, 34].map((n) => (sig(n) as SignalEvent).signal), ['SIGABRT', 'SIGIO', 'SIGCHLD', 34]);
  assert.equal([(sig(15) as SignalEvent).code, (sig(15) as SignalEvent).fromKernel], [0, false]);
  const fromKernel = sig(24, RecordFlag.SIGNAL_FROM_KERNEL, 0x80) as SignalEvent;
  assert.equal([fromKernel.signal, fromKernel.code, fromKernel.fromKernel], ['SIGXCPU', 0x80, true]);
  assert.is(eventLine(fromKernel).from_kernel, true);
});

test('guard records become task and cgroup events (src/events/enrichGuard.ts)', () => {
  const task = enrich({ kind: 'task', flags: 0, timeNs: 1n, actor: proc(), targetPid: 7, op: 1, arg: 0n, value: 1n, value2: 1n, decision: Decision.DENY });
  assert.equal([task.kind, task.process.comm.text], ['task', 'bash']);
  const cg = enrich({ kind: 'cgroup', flags: 0, timeNs: 1n, actor: proc(), targetPid: 7, op: 1, cgroupId: 5n, level: 1, root: 0, decision: Decision.ALLOW, path: Buffer.from('/x') });
  assert.is(cg.kind, 'cgroup');
});

test('an aggregated flush is marked and keeps its count and bytes', () => {
  const out = formatRecord(file({ type: RecordType.WRITE, flags: RecordFlag.AGGREGATED, count: 65536, bytes: 131072 }), ctx());
  assert.is(out.aggregated, true);
  assert.is(out.count, 65536);
  assert.is(out.bytes, 131072);
  assert.is(formatRecord(file({ type: RecordType.WRITE, count: 3 }), ctx()).aggregated, undefined);
});

test('a flush without a path takes the last known path of its inode, or says it is unknown', () => {
  const rec = file({ type: RecordType.WRITE, flags: RecordFlag.AGGREGATED | RecordFlag.PATH_UNKNOWN, path: Buffer.alloc(0) });
  const known = formatRecord(rec, ctx({ lookupPath: (dev, ino) => (dev === rec.dev && ino === 1234n ? Buffer.from('/etc/hosts') : undefined) }));
  assert.is(known.path, '/etc/hosts');
  assert.is(known.path_unknown, false);
  const unknown = formatRecord(rec, ctx({ lookupPath: () => undefined }));
  assert.is(unknown.path, null);
  assert.is(unknown.path_unknown, true);
});

test('typed file events: touchesContent for writes, renames, unlinks and opens for writing or truncating', () => {
  const touches = (over: Partial<FileRecordData>) => (enrich(file(over)) as FileEvent).touchesContent;
  assert.is(touches({ type: RecordType.OPEN, openFlags: 0 }), false);
  assert.is(touches({ type: RecordType.OPEN, openFlags: 0o1000 }), true);
  assert.is(touches({ type: RecordType.OPEN, openFlags: 1 }), true);
  assert.is(touches({ type: RecordType.OPEN, openFlags: 2 }), true);
  assert.is(touches({ type: RecordType.OPEN, openFlags: 0o101 }), true);
  assert.is(touches({ type: RecordType.OPEN, openFlags: 0o1001 }), true);
  assert.is(touches({ type: RecordType.WRITE }), true);
  assert.is(touches({ type: RecordType.UNLINK }), true);
  assert.is(touches({ type: RecordType.RENAME, path2: Buffer.from('/n') }), true);
});

test('typed ptrace events know whether the agent was the target', () => {
  assert.is(enrich(ptrace({ targetPid: 4242 })).kind === 'ptrace' && (enrich(ptrace({ targetPid: 4242 })) as { onAgent: boolean }).onAgent, true);
  assert.is((enrich(ptrace({ targetPid: 1 })) as { onAgent: boolean }).onAgent, false);
});

test('opens and cache-miss writes are remembered by inode; other records are not', () => {
  const remembered: string[] = [];
  const c = enrichContext({});
  c.inodePaths = { remember: (_d, ino, p) => remembered.push(`${ino}:${p.toString()}`), lookup: () => undefined, size: 0, capacity: 16 };
  enrichRecord(file({ type: RecordType.OPEN }), c);
  enrichRecord(file({ type: RecordType.WRITE }), c);
  enrichRecord(file({ type: RecordType.WRITE, flags: RecordFlag.FROM_CACHE_MISS, ino: 9n, path: Buffer.from('/x') }), c);
  assert.equal(remembered, ['1234:/etc/passwd', '9:/x']);
});

test.run();
