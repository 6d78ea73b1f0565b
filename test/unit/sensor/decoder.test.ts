import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBatch, type CgroupRecordData, type FileRecordData, type PtraceRecordData, type SignalRecordData, type TaskRecordData } from '../../../src/sensor/decoder.js';
import {
  COMM_LEN,
  Decision,
  FileRecord,
  Header,
  PATH_MAX,
  MountOp,
  XattrOp,
  MmapOp,
  Process,
  PtraceKind,
  PtraceRecord,
  RecordFlag,
  RecordType,
  CgroupRecord,
  SignalRecord,
  TaskRecord,
} from '../../../src/sensor/contract.js';

import {
  PROC,
  align8,
  execRecordBytes,
  exitRecordBytes,
  fileRecord,
  forkRecordBytes,
  mountRecord,
  xattrRecord,
  mmapRecord,
  ptraceRecord,
  rawRecord,
  writeHeader,
  writeProcess,
  attrRecord,
  type ProcSpec,
} from '../../fixtures/records/recordBytes.js';
import { ARGS_MAX, ExecRecord, ForkRecord, ExitRecord } from '../../../src/sensor/contract.js';
import type { ExecRecordData, ExitRecordData, ForkRecordData } from '../../../src/sensor/decoder.js';

function onlyFile(batch: Buffer): FileRecordData {
  const res = decodeBatch(batch);
  assert.is(res.invalid, 0, res.error);
  assert.is(res.records.length, 1);
  const rec = res.records[0];
  assert.is(rec.kind, 'file');
  return rec as FileRecordData;
}

const PROC_EXPECTED = { pid: 4242, tid: 4243, ppid: 1, uid: 1000, gid: 1001 };

function assertProc(actual: FileRecordData['proc'], comm: string): void {
  assert.equal(
    { pid: actual.pid, tid: actual.tid, ppid: actual.ppid, uid: actual.uid, gid: actual.gid },
    PROC_EXPECTED,
  );
  assert.is(actual.comm.toString('latin1'), comm);
  assert.equal(
    [actual.startNs, actual.parentStartNs, actual.cgroupId, actual.loginUid, actual.sessionId],
    [PROC.startNs, PROC.parentStartNs, PROC.cgroupId, PROC.loginUid, PROC.sessionId],
    'the process identity and context fields',
  );
}

// ---- well-formed records ----

test('open record: every field decoded', () => {
  const rec = onlyFile(
    fileRecord({
      type: RecordType.OPEN,
      flags: RecordFlag.FROM_CACHE_MISS,
      timeNs: 0x1_0000_0001n,
      ino: 0x1234_5678_9abcn,
      dev: (8 << 20) | 1,
      openFlags: 0o102, // O_RDWR | O_CREAT
      count: 1n,
      bytes: 0n,
      mode: 0o100644,
      path: '/etc/passwd',
    }),
  );
  assert.is(rec.type, RecordType.OPEN);
  assert.is(rec.flags, RecordFlag.FROM_CACHE_MISS);
  assert.is(rec.timeNs, 0x1_0000_0001n);
  assertProc(rec.proc, 'vim');
  assert.is(rec.ino, 0x1234_5678_9abcn);
  assert.is(rec.dev, (8 << 20) | 1);
  assert.is(rec.openFlags, 0o102);
  assert.is(rec.count, 1);
  assert.is(rec.bytes, 0);
  assert.is(rec.mode, 0o100644);
  assert.is(rec.path.toString(), '/etc/passwd');
  assert.is(rec.path2, null);
});

test('write record: count and bytes', () => {
  const rec = onlyFile(
    fileRecord({ type: RecordType.WRITE, openFlags: 0o1, count: 7n, bytes: 65_536n, path: '/etc/hosts', ino: 42n }),
  );
  assert.is(rec.type, RecordType.WRITE);
  assert.is(rec.count, 7);
  assert.is(rec.bytes, 65_536);
  assert.is(rec.openFlags, 1);
  assert.is(rec.ino, 42n);
  assert.is(rec.path.toString(), '/etc/hosts');
  assert.is(rec.path2, null);
});

test('rename record: path is the old name, path2 the new one', () => {
  const rec = onlyFile(
    fileRecord({
      type: RecordType.RENAME,
      flags: RecordFlag.PATH2_TRUNCATED,
      path: '/etc/.passwd.swp',
      path2: '/etc/passwd',
      ino: 9n,
      dev: 254 << 20,
      mode: 0o100600,
    }),
  );
  assert.is(rec.type, RecordType.RENAME);
  assert.is(rec.flags, RecordFlag.PATH2_TRUNCATED);
  assert.is(rec.path.toString(), '/etc/.passwd.swp');
  assert.ok(rec.path2);
  assert.is(rec.path2.toString(), '/etc/passwd');
  assert.is(rec.dev, 254 << 20);
  assert.is(rec.mode, 0o100600);
});

test('unlink record', () => {
  const rec = onlyFile(fileRecord({ type: RecordType.UNLINK, path: '/root/.ssh/authorized_keys', ino: 77n, dev: 2049 }));
  assert.is(rec.type, RecordType.UNLINK);
  assert.is(rec.path.toString(), '/root/.ssh/authorized_keys');
  assert.is(rec.path2, null);
  assert.is(rec.ino, 77n);
  assert.is(rec.dev, 2049);
});

test('records of names made: link and symlink carry the second path, mknod its device number', () => {
  const link = onlyFile(fileRecord({ type: RecordType.LINK, path: '/etc/sudoers.d/x', path2: '/tmp/evil', ino: 9n, mode: 0o100644 }));
  assert.equal([link.type, link.path.toString(), link.path2?.toString(), link.ino, link.rdev], [RecordType.LINK, '/etc/sudoers.d/x', '/tmp/evil', 9n, 0]);
  const symlink = onlyFile(fileRecord({ type: RecordType.SYMLINK, path: '/etc/ld.so.preload', path2: '../tmp/x.so' }));
  assert.equal([symlink.type, symlink.path2?.toString()], [RecordType.SYMLINK, '../tmp/x.so']);
  const mknod = onlyFile(fileRecord({ type: RecordType.MKNOD, path: '/etc/sda', mode: 0o060600, rdev: 0x800 }));
  assert.equal([mknod.type, mknod.mode, mknod.rdev], [RecordType.MKNOD, 0o060600, 0x800]);
  const mkdir = onlyFile(fileRecord({ type: RecordType.MKDIR, path: '/etc/cron.d/sub', mode: 0o040755, rdev: 7 }));
  assert.equal([mkdir.type, mkdir.path2, mkdir.rdev], [RecordType.MKDIR, null, 0], 'rdev is read for mknod only');
});

test('mount record: the mount point, the source, the operation after the file fields', () => {
  const rec = onlyFile(
    mountRecord({ path: '/etc/cron.d', path2: 'tmpfs', ino: 5n, mode: 0o040755, op: MountOp.MOUNT, mountFlags: 0xc0ed0002, fstype: 'tmpfs' }),
  );
  assert.equal([rec.type, rec.path.toString(), rec.path2?.toString(), rec.ino, rec.mode], [RecordType.MOUNT, '/etc/cron.d', 'tmpfs', 5n, 0o040755]);
  assert.equal([rec.mount?.op, rec.mount?.flags, rec.mount?.fstype.toString(), rec.attr], [MountOp.MOUNT, 0xc0ed0002, 'tmpfs', null]);
  const full = onlyFile(mountRecord({ path: '/etc', op: MountOp.UMOUNT, fstype: 'a-type-of-16-chr' }));
  assert.equal([full.mount?.fstype.toString(), full.path2], ['a-type-of-16-chr', null], 'a type of the full length has no NUL');
  assert.is(onlyFile(fileRecord({ type: RecordType.OPEN, path: '/etc/x' })).mount, null);
});

test('mmap record: the file fields, the mapping, then the path; a short one is refused', () => {
  const rec = onlyFile(mmapRecord({ path: '/etc/passwd', ino: 9n, mode: 0o100644, op: MmapOp.MAP, prot: 3, mapFlags: 1 }));
  assert.equal([rec.type, rec.path.toString(), rec.path2, rec.ino, rec.attr, rec.xattr], [RecordType.MMAP, '/etc/passwd', null, 9n, null, null]);
  assert.equal(rec.mmap, { op: MmapOp.MAP, prot: 3, flags: 1 });
  assert.is(onlyFile(fileRecord({ type: RecordType.WRITE, path: '/etc/x' })).mmap, null);
  const short = mmapRecord({ path: '/x', op: MmapOp.MPROTECT, prot: 3, mapFlags: 1 }).subarray(0, 152);
  short.writeUInt16LE(152, 2);
  assert.is(decodeBatch(short).invalid, 1);
});

test('xattr record: the file fields, the operation, the path and then the attribute name', () => {
  const rec = onlyFile(xattrRecord({ path: '/usr/bin/ping', ino: 8n, mode: 0o100755, name: 'security.capability', op: XattrOp.SET, xattrFlags: 1, valueSize: 20 }));
  assert.equal([rec.type, rec.path.toString(), rec.path2?.toString(), rec.ino, rec.attr, rec.mount], [RecordType.XATTR, '/usr/bin/ping', 'security.capability', 8n, null, null]);
  assert.equal(rec.xattr, { op: XattrOp.SET, flags: 1, size: 20 });
  assert.is(onlyFile(fileRecord({ type: RecordType.OPEN, path: '/etc/x' })).xattr, null);
  // a record too short for its fixed part is refused, not read past
  const short = xattrRecord({ path: '/x', name: 'user.a', op: XattrOp.REMOVE }).subarray(0, 152);
  short.writeUInt16LE(152, 2);
  assert.is(decodeBatch(short).invalid, 1);
});

test('metadata record: the file fields, the new values, the path after both', () => {
  const rec = onlyFile(
    attrRecord({
      path: '/etc/shadow',
      ino: 7n,
      dev: 9,
      mode: 0o100640,
      flags: RecordFlag.BEFORE_OP,
      attr: { op: 2, valid: 1, mode: 0o4755, uid: 0, gid: 0, size_: -1n, atimeSec: 0n, mtimeSec: 946684800n, mtimeNsec: 5 },
    }),
  );
  assert.is(rec.type, RecordType.SETATTR);
  assert.is(rec.path.toString(), '/etc/shadow');
  assert.is(rec.path2, null);
  assert.is(rec.mode, 0o100640);
  assert.is(rec.ino, 7n);
  assert.equal(rec.attr, { op: 2, valid: 1, mode: 0o4755, uid: 0, gid: 0, size: -1n, atimeSec: 0n, atimeNsec: 0, mtimeSec: 946684800n, mtimeNsec: 5 });
});

test('metadata record shorter than its fixed part, or whose path overruns it, is counted', () => {
  const short = attrRecord({ path: '/x', attr: { op: 1 } });
  short.writeUInt16LE(152, Header.size_);
  assert.is(decodeBatch(short.subarray(0, 152)).invalid, 1);
  assert.is(decodeBatch(attrRecord({ path: '/x', pathLen: 200, attr: { op: 1 } })).invalid, 1);
});

test('ptrace record: every field decoded, negative result kept', () => {
  const res = decodeBatch(
    ptraceRecord({
      flags: RecordFlag.DENIED,
      timeNs: 99n,
      targetPid: 314,
      targetTid: 315,
      targetUid: 0,
      mode: 0x02 | 0x04,
      request: 0,
      result: -1,
      kind: PtraceKind.ACCESS_CHECK,
      decision: Decision.DENY,
      targetComm: 'lsmwatch',
    }),
  );
  assert.is(res.invalid, 0);
  assert.is(res.records.length, 1);
  const rec = res.records[0] as PtraceRecordData;
  assert.is(rec.kind, 'ptrace');
  assert.is(rec.flags, RecordFlag.DENIED);
  assert.is(rec.timeNs, 99n);
  assertProc(rec.tracer, 'vim');
  assert.is(rec.targetPid, 314);
  assert.is(rec.targetTid, 315);
  assert.is(rec.targetUid, 0);
  assert.is(rec.mode, 6);
  assert.is(rec.request, 0);
  assert.is(rec.result, -1);
  assert.is(rec.ptraceKind, PtraceKind.ACCESS_CHECK);
  assert.is(rec.decision, Decision.DENY);
  assert.is(rec.targetComm.toString(), 'lsmwatch');
});

test('ptrace request record with empty target comm', () => {
  const res = decodeBatch(
    ptraceRecord({
      targetPid: 1,
      targetTid: 1,
      targetUid: 0,
      mode: 0,
      request: 0x4206,
      result: 0,
      kind: PtraceKind.REQUEST,
      decision: Decision.ALLOW,
      targetComm: '',
    }),
  );
  const rec = res.records[0] as PtraceRecordData;
  assert.is(rec.request, 0x4206);
  assert.is(rec.ptraceKind, PtraceKind.REQUEST);
  assert.is(rec.targetComm.length, 0);
});

test('a full 16-byte comm without NUL is taken whole, never read past', () => {
  const comm = 'abcdefghijklmnop'; // exactly COMM_LEN, no terminator
  assert.is(comm.length, COMM_LEN);
  const rec = onlyFile(fileRecord({ type: RecordType.OPEN, path: '/x', proc: { ...PROC, comm } }));
  assert.is(rec.proc.comm.toString(), comm);
});

test('several records in one batch, in order', () => {
  const batch = Buffer.concat([
    fileRecord({ type: RecordType.OPEN, path: '/etc/a', timeNs: 1n }),
    ptraceRecord({
      timeNs: 2n,
      targetPid: 5,
      targetTid: 5,
      targetUid: 0,
      mode: 2,
      request: 0,
      result: 0,
      kind: PtraceKind.ACCESS_CHECK,
      decision: Decision.ALLOW,
      targetComm: 'sshd',
    }),
    fileRecord({ type: RecordType.WRITE, path: '/etc/bb', timeNs: 3n, count: 2n, bytes: 10n }),
    fileRecord({ type: RecordType.RENAME, path: '/etc/ccc', path2: '/etc/dddd', timeNs: 4n }),
    fileRecord({ type: RecordType.UNLINK, path: '/etc/e', timeNs: 5n }),
  ]);
  const res = decodeBatch(batch, 5);
  assert.is(res.invalid, 0);
  assert.is(res.error, undefined);
  assert.equal(
    res.records.map((r) => r.timeNs),
    [1n, 2n, 3n, 4n, 5n],
  );
  assert.equal(
    res.records.map((r) => (r.kind === 'file' ? `${r.type}:${r.path}:${r.path2 ?? ''}` : r.kind === 'ptrace' ? `ptrace:${r.targetComm}` : r.kind)),
    ['1:/etc/a:', 'ptrace:sshd', '2:/etc/bb:', '3:/etc/ccc:/etc/dddd', '4:/etc/e:'],
  );
});

test('paths with a newline, an ANSI escape and invalid UTF-8 survive as exact bytes', () => {
  const nasty = Buffer.concat([
    Buffer.from('/tmp/a\nb\x1b[31mred'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('\r\t"\\end'),
  ]);
  const nasty2 = Buffer.from([0x2f, 0xc3, 0x28, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0xed, 0xa0, 0x80]); // bad 2-byte seq, ESC[2J, encoded surrogate
  const batch = Buffer.concat([
    fileRecord({ type: RecordType.OPEN, path: nasty }),
    fileRecord({ type: RecordType.RENAME, path: nasty, path2: nasty2 }),
  ]);
  const res = decodeBatch(batch);
  assert.is(res.invalid, 0);
  const [open, rename] = res.records as FileRecordData[];
  assert.ok(open.path.equals(nasty), 'open path bytes');
  assert.ok(rename.path.equals(nasty), 'rename path bytes');
  assert.ok(rename.path2 !== null && rename.path2.equals(nasty2), 'rename path2 bytes');
});

test('longest path the sensor can emit (PATH_MAX - 1 bytes) decodes', () => {
  const long = Buffer.alloc(PATH_MAX - 1, 0x61);
  long[0] = 0x2f;
  const rec = onlyFile(fileRecord({ type: RecordType.OPEN, path: long, flags: RecordFlag.PATH_TRUNCATED }));
  assert.is(rec.path.length, PATH_MAX - 1);
  assert.ok(rec.path.equals(long));
});

test('an empty batch decodes to nothing', () => {
  assert.equal(decodeBatch(Buffer.alloc(0)), { records: [], invalid: 0 });
  assert.equal(decodeBatch(Buffer.alloc(0), 0), { records: [], invalid: 0 });
});

// ---- malformed input: counted in `invalid`, never thrown ----

const good = () => fileRecord({ type: RecordType.OPEN, path: '/etc/good' });

test('size 0 ends the batch and is counted', () => {
  const batch = Buffer.concat([good(), rawRecord(RecordType.OPEN, 0, 16), good()]);
  const res = decodeBatch(batch);
  assert.is(res.records.length, 1);
  assert.is(res.invalid, 1);
  assert.type(res.error, 'string');
});

test('size not a multiple of 8 is counted', () => {
  const rec = good();
  rec.writeUInt16LE(rec.length - 4, Header.size_);
  const res = decodeBatch(rec);
  assert.is(res.records.length, 0);
  assert.is(res.invalid, 1);
  assert.type(res.error, 'string');
});

test('size smaller than a header is counted', () => {
  const res = decodeBatch(rawRecord(RecordType.OPEN, 8, 16));
  assert.is(res.records.length, 0);
  assert.is(res.invalid, 1);
});

test('size overrunning the batch is counted', () => {
  const rec = good();
  const batch = Buffer.concat([good(), rec.subarray(0, rec.length - 8)]);
  const res = decodeBatch(batch);
  assert.is(res.records.length, 1);
  assert.is(res.invalid, 1);
  assert.match(res.error ?? '', /impossible/);
});

test('path_len overrunning the record is counted; the next record still decodes', () => {
  const bad = fileRecord({ type: RecordType.OPEN, path: '/etc/x', pathLen: 200 });
  const res = decodeBatch(Buffer.concat([bad, good()]));
  assert.is(res.invalid, 1);
  assert.is(res.records.length, 1);
  assert.is((res.records[0] as FileRecordData).path.toString(), '/etc/good');
});

test('path2_len overrunning the record is counted', () => {
  const bad = fileRecord({ type: RecordType.RENAME, path: '/a', path2: '/b', path2Len: 500 });
  const res = decodeBatch(bad);
  assert.is(res.invalid, 1);
  assert.is(res.records.length, 0);
});

test('path_len of PATH_MAX or more is counted even if the record were large enough', () => {
  const bad = fileRecord({ type: RecordType.OPEN, path: Buffer.alloc(PATH_MAX + 8, 0x61), pathLen: PATH_MAX });
  const res = decodeBatch(bad);
  assert.is(res.invalid, 1);
  assert.is(res.records.length, 0);
});

test('file and ptrace records shorter than their fixed part are counted', () => {
  const batch = Buffer.concat([
    rawRecord(RecordType.WRITE, FileRecord.size - 8),
    rawRecord(RecordType.PTRACE, PtraceRecord.size - 8),
    good(),
  ]);
  const res = decodeBatch(batch);
  assert.is(res.invalid, 2);
  assert.is(res.records.length, 1);
});

// ---- process records (exec, fork, exit) ----

test('exec record: executable, arguments (NUL-separated), tty, flags, the process', () => {
  const res = decodeBatch(
    execRecordBytes({ flags: RecordFlag.ARGS_TRUNCATED, exe: '/usr/bin/mysql', args: 'mysql\0-pS3cret\0', tty: 'pts3', exeIno: 77n, exeDev: (8 << 20) | 1 }),
  );
  assert.is(res.invalid, 0, res.error);
  const rec = res.records[0] as ExecRecordData;
  assert.is(rec.kind, 'exec');
  assert.is(rec.flags, RecordFlag.ARGS_TRUNCATED);
  assertProc(rec.proc, 'vim');
  assert.is(rec.exe.toString(), '/usr/bin/mysql');
  assert.is(rec.args.toString(), 'mysql\0-pS3cret\0');
  assert.is(rec.tty.toString(), 'pts3');
  assert.equal([rec.exeIno, rec.exeDev], [77n, (8 << 20) | 1]);
});

test('fork and exit records', () => {
  const res = decodeBatch(Buffer.concat([forkRecordBytes(PROC, 5000, 123_456_789n), exitRecordBytes(PROC, 256)]));
  assert.is(res.invalid, 0, res.error);
  const fork = res.records[0] as ForkRecordData;
  assert.equal([fork.kind, fork.childPid, fork.childPpid, fork.childStartNs], ['fork', 5000, 4242, 123_456_789n]);
  assertProc(fork.parent, 'vim');
  const exit = res.records[1] as ExitRecordData;
  assert.equal([exit.kind, exit.exitCode], ['exit', 256]);
  assertProc(exit.proc, 'vim');
});

test('exec records whose lengths overrun them, or that are too short, are counted', () => {
  const overrun = execRecordBytes({ exe: '/bin/x', args: 'x\0', argsLen: 5000 });
  assert.equal([decodeBatch(overrun).records.length, decodeBatch(overrun).invalid], [0, 1]);
  const longArgs = execRecordBytes({ exe: '/bin/x', args: Buffer.alloc(ARGS_MAX + 8), argsLen: ARGS_MAX });
  assert.is(decodeBatch(longArgs).invalid, 1, 'ARGS_MAX or more is impossible');
  assert.is(decodeBatch(execRecordBytes({ exe: '/bin/x', args: '', exeLen: 100 })).invalid, 1);
  for (const [type, size] of [[RecordType.EXEC, ExecRecord.size - 8], [RecordType.FORK, ForkRecord.size - 8], [RecordType.EXIT, ExitRecord.size - 8]]) {
    assert.is(decodeBatch(rawRecord(type!, size!)).invalid, 1, `type ${type} of ${size} bytes`);
  }
});

test('unknown record types are counted and skipped by their size', () => {
  const batch = Buffer.concat([rawRecord(0, 16), rawRecord(6, 32), rawRecord(0xffff, 128), good()]);
  const res = decodeBatch(batch);
  assert.is(res.invalid, 3);
  assert.is(res.records.length, 1);
});

test('trailing bytes shorter than a header are counted', () => {
  for (const n of [1, 7, 8, 15]) {
    const res = decodeBatch(Buffer.concat([good(), Buffer.alloc(n, 0xaa)]));
    assert.is(res.records.length, 1, `${n} trailing bytes`);
    assert.is(res.invalid, 1, `${n} trailing bytes`);
    assert.match(res.error ?? '', /trailing/);
  }
});

test('arbitrary garbage never throws and every outcome is accounted for', () => {
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 500; i++) {
    const len = Math.floor(rand() * 400);
    const buf = Buffer.alloc(len);
    for (let j = 0; j < len; j++) buf[j] = Math.floor(rand() * 256);
    // sometimes plant a plausible header so decoding gets past the first checks
    if (len >= 16 && rand() < 0.5) {
      buf.writeUInt16LE(1 + Math.floor(rand() * 5), 0);
      buf.writeUInt16LE(align8(Math.floor(rand() * len)), 2);
    }
    const res = decodeBatch(buf, 3);
    assert.ok(res.invalid >= 0);
    assert.ok(res.records.length + res.invalid >= 3);
  }
});

// ---- expectedRecords accounting ----

test('expectedRecords: records lost after a malformed one are counted as invalid', () => {
  // 4 records produced; the second has an impossible size, so it and the two after it are lost
  const batch = Buffer.concat([good(), rawRecord(RecordType.OPEN, 0, 16), good(), good()]);
  const res = decodeBatch(batch, 4);
  assert.is(res.records.length, 1);
  assert.is(res.invalid, 3);
});

test('expectedRecords: a batch shorter than announced counts the missing records', () => {
  const res = decodeBatch(Buffer.concat([good(), good()]), 5);
  assert.is(res.records.length, 2);
  assert.is(res.invalid, 3);
  assert.is(res.error, undefined);
});

test('expectedRecords: matches the batch, or is not given', () => {
  const batch = Buffer.concat([good(), rawRecord(9, 16), good()]);
  assert.is(decodeBatch(batch, 3).invalid, 1);
  assert.is(decodeBatch(batch).invalid, 1);
  assert.is(decodeBatch(batch, 1).invalid, 1); // fewer announced than found: nothing invented
});

// ---- guard records (task, cgroup) and the signal record's si_code ----

test('a signal record carries its si_code and the from-kernel flag', () => {
  const buf = Buffer.alloc(SignalRecord.size);
  writeHeader(buf, RecordType.SIGNAL, SignalRecord.size, RecordFlag.SIGNAL_FROM_KERNEL, 5n);
  writeProcess(buf, SignalRecord.sender, PROC);
  buf.writeUInt32LE(777, SignalRecord.targetPid);
  buf.writeUInt32LE(20, SignalRecord.signal);
  buf.writeInt32LE(0x80, SignalRecord.code);
  const rec = decodeBatch(buf).records[0] as SignalRecordData;
  assert.is(rec.kind, 'signal');
  assert.is(rec.code, 0x80);
  assert.is(rec.flags & RecordFlag.SIGNAL_FROM_KERNEL, RecordFlag.SIGNAL_FROM_KERNEL);
  buf.writeInt32LE(-6, SignalRecord.code); // SI_TKILL
  assert.is((decodeBatch(buf).records[0] as SignalRecordData).code, -6);
});

test('a task record decodes the operation and its 64-bit arguments', () => {
  const buf = Buffer.alloc(TaskRecord.size);
  writeHeader(buf, RecordType.TASK, TaskRecord.size, RecordFlag.DENIED, 9n);
  writeProcess(buf, TaskRecord.actor, PROC);
  buf.writeUInt32LE(777, TaskRecord.targetPid);
  buf.writeUInt32LE(1, TaskRecord.op);
  buf.writeBigUInt64LE(0n, TaskRecord.arg);
  buf.writeBigUInt64LE(1n, TaskRecord.value);
  buf.writeBigUInt64LE(0xffffffffffffffffn, TaskRecord.value2);
  buf.writeUInt16LE(Decision.DENY, TaskRecord.decision);
  const rec = decodeBatch(buf).records[0] as TaskRecordData;
  assert.equal({ kind: rec.kind, pid: rec.actor.pid, target: rec.targetPid, op: rec.op, value: rec.value, value2: rec.value2, decision: rec.decision }, {
    kind: 'task', pid: 4242, target: 777, op: 1, value: 1n, value2: 0xffffffffffffffffn, decision: Decision.DENY,
  });
  const short = rawRecord(RecordType.TASK, TaskRecord.size - 8);
  assert.is(decodeBatch(short).invalid, 1);
});

function cgroupRecord(path: string, pathLen = Buffer.byteLength(path)): Buffer {
  const size = align8(CgroupRecord.size + Buffer.byteLength(path) + 1);
  const buf = Buffer.alloc(size);
  writeHeader(buf, RecordType.CGROUP, size, 0, 3n);
  writeProcess(buf, CgroupRecord.actor, PROC);
  buf.writeUInt32LE(777, CgroupRecord.targetPid);
  buf.writeUInt32LE(1, CgroupRecord.op);
  buf.writeBigUInt64LE(4321n, CgroupRecord.cgroupId);
  buf.writeInt32LE(2, CgroupRecord.level);
  buf.writeInt32LE(0, CgroupRecord.root);
  buf.writeUInt16LE(pathLen, CgroupRecord.pathLen);
  Buffer.from(path).copy(buf, CgroupRecord.size);
  return buf;
}

test('a cgroup record decodes its path; a path overrunning the record ends the batch', () => {
  const rec = decodeBatch(cgroupRecord('/lw/inner')).records[0] as CgroupRecordData;
  assert.equal({ kind: rec.kind, op: rec.op, id: rec.cgroupId, level: rec.level, path: rec.path.toString() }, {
    kind: 'cgroup', op: 1, id: 4321n, level: 2, path: '/lw/inner',
  });
  const bad = decodeBatch(cgroupRecord('/lw', 200));
  assert.is(bad.records.length, 0);
  assert.is(bad.invalid, 1);
});

test.run();
