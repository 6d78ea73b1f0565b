import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { xattrChange, xattrOperation } from '../../../src/events/xattrChange.js';
import { RecordFlag, RecordType, XattrOp } from '../../../src/sensor/contract.js';
import type { FileRecordData } from '../../../src/sensor/decoder.js';

function rec(over: Partial<FileRecordData>): FileRecordData {
  return {
    kind: 'file', type: RecordType.XATTR, flags: 0, timeNs: 1n,
    proc: { pid: 1, tid: 1, ppid: 0, uid: 0, gid: 0, comm: Buffer.from('setcap'), startNs: 0n, parentStartNs: 0n, cgroupId: 0n, loginUid: 0, sessionId: 0 },
    ino: 1n, dev: 1, openFlags: 0, count: 1, bytes: 0, mode: 0o100755, path: Buffer.from('/usr/bin/ping'), path2: Buffer.from('security.capability'),
    anchor: 0, anchorOff: 0, anchor2: 0, anchor2Off: 0, rdev: 0, attr: null, mount: null, mmap: null, xattr: { op: XattrOp.SET, flags: 0, size: 20 },
    ...over,
  };
}

test('operations: set and remove by name; an unknown op is none', () => {
  assert.is(xattrOperation({ op: XattrOp.SET, flags: 0, size: 1 }), 'setxattr');
  assert.is(xattrOperation({ op: XattrOp.REMOVE, flags: 0, size: 0 }), 'removexattr');
  assert.is(xattrOperation({ op: 3, flags: 0, size: 0 }), null);
});

test('the change: the name from path2, the size of a set only, flags by name, before_op', () => {
  const x = { op: XattrOp.SET, flags: 3, size: 20 };
  assert.equal(xattrChange(rec({ flags: RecordFlag.BEFORE_OP, xattr: x }), x), { name: { text: 'security.capability' }, size: 20, flags: ['create', 'replace'], beforeOp: true });
  const r = { op: XattrOp.REMOVE, flags: 0, size: 99 };
  const removed = xattrChange(rec({ path2: Buffer.from('user.a'), xattr: r }), r);
  assert.equal([removed.name.text, removed.size, removed.flags, removed.beforeOp], ['user.a', 0, [], false]);
  assert.is(xattrChange(rec({ path2: null }), x).name.text, '', 'no name: empty, not a crash');
});

test.run();
