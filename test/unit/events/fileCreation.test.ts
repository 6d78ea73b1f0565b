import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deviceText, fileCreation, fileTypeOf, isCreation } from '../../../src/events/fileCreation.js';
import { RecordFlag, RecordType } from '../../../src/sensor/contract.js';
import type { FileRecordData } from '../../../src/sensor/decoder.js';

function rec(over: Partial<FileRecordData>): FileRecordData {
  return {
    kind: 'file', type: RecordType.MKDIR, flags: 0, timeNs: 1n,
    proc: { pid: 1, tid: 1, ppid: 0, uid: 0, gid: 0, comm: Buffer.from('sh'), startNs: 1n, parentStartNs: 0n, cgroupId: 1n, loginUid: 0, sessionId: 1 },
    ino: 0n, dev: 0, openFlags: 0, count: 1, bytes: 0, mode: 0, path: Buffer.from('/etc/x'), path2: null,
    anchor: 0, anchorOff: 0, anchor2: 0, anchor2Off: 0, rdev: 0, attr: null, mount: null, xattr: null, mmap: null, ...over,
  };
}

test('the four record types of names made are creations; others are not', () => {
  for (const t of [RecordType.LINK, RecordType.SYMLINK, RecordType.MKNOD, RecordType.MKDIR]) assert.ok(isCreation(t));
  for (const t of [RecordType.OPEN, RecordType.RENAME, RecordType.SETATTR, 99]) assert.not.ok(isCreation(t));
});

test('file types from the S_IFMT bits; 0 and impossible values are unknown', () => {
  assert.equal(
    [0o100644, 0o040755, 0o120777, 0o020600, 0o060660, 0o010644, 0o140755].map(fileTypeOf),
    ['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket'],
  );
  assert.is(fileTypeOf(0), null);
  assert.is(fileTypeOf(0o170000), null);
});

test('device numbers as mknod(2) encodes them (new_encode_dev): small and large majors and minors', () => {
  assert.is(deviceText(0x0801), '8:1'); // makedev(8, 1)
  assert.is(deviceText((259 << 8) | 5), '259:5');
  assert.is(deviceText((1 << 8) | 3), '1:3'); // /dev/null
  // minor 300 = 0x12c: low byte 0x2c, the rest from bits 20 and up
  assert.is(deviceText((0x100 << 12) | (8 << 8) | 0x2c), '8:300');
});

test('link and symlink: the target is path2; a symlink target is kept as given, bytes included', () => {
  const link = fileCreation(rec({ type: RecordType.LINK, mode: 0o100644, path2: Buffer.from('/tmp/evil') }));
  assert.equal(link, { target: { text: '/tmp/evil' }, fileType: 'file', device: null, beforeOp: false });
  const symlink = fileCreation(rec({ type: RecordType.SYMLINK, mode: 0o120777, path2: Buffer.from('../x\x1b[2J'), flags: RecordFlag.BEFORE_OP }));
  assert.is(symlink.fileType, 'symlink');
  assert.is(symlink.beforeOp, true);
  assert.ok(symlink.target !== null && symlink.target.text.startsWith('../x'));
});

test('mknod: the device of a character or block node; none for a FIFO; a type-0 mknod makes a regular file', () => {
  assert.equal(fileCreation(rec({ type: RecordType.MKNOD, mode: 0o060600, rdev: 0x0801 })).device, '8:1');
  assert.equal(fileCreation(rec({ type: RecordType.MKNOD, mode: 0o020666, rdev: 0x0103 })).device, '1:3');
  const fifo = fileCreation(rec({ type: RecordType.MKNOD, mode: 0o010644, rdev: 0 }));
  assert.equal([fifo.fileType, fifo.device], ['fifo', null]);
  assert.is(fileCreation(rec({ type: RecordType.MKNOD, mode: 0o644 })).fileType, 'file');
});

test('mkdir: a directory, no target; a path2 on a mkdir record is not taken as one', () => {
  assert.equal(fileCreation(rec({ type: RecordType.MKDIR, mode: 0o040700, path2: Buffer.from('/junk') })), { target: null, fileType: 'dir', device: null, beforeOp: false });
});

test.run();
