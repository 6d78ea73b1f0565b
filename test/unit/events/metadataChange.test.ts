import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { metadataChange, metadataOperation } from '../../../src/events/metadataChange.js';
import { AttrOp, AttrValid, RecordFlag } from '../../../src/sensor/contract.js';
import type { AttrFields } from '../../../src/sensor/decoder.js';

const attr = (over: Partial<AttrFields>): AttrFields => ({
  op: AttrOp.CHMOD, valid: 0, mode: 0, uid: 0, gid: 0, size: 0n, atimeSec: 0n, atimeNsec: 0, mtimeSec: 0n, mtimeNsec: 0, ...over,
});

test('operations by number; an unknown one is null (a newer sensor)', () => {
  assert.is(metadataOperation(attr({ op: AttrOp.TRUNCATE })), 'truncate');
  assert.is(metadataOperation(attr({ op: AttrOp.CHMOD })), 'chmod');
  assert.is(metadataOperation(attr({ op: AttrOp.CHOWN })), 'chown');
  assert.is(metadataOperation(attr({ op: AttrOp.UTIMES })), 'utimes');
  assert.is(metadataOperation(attr({ op: 99 })), null);
});

test('chmod: permission bits only (the LSM hook passes the file type too)', () => {
  const m = metadataChange(attr({ valid: AttrValid.MODE, mode: 0o104755 }), 0);
  assert.is(m.mode, 0o4755);
  assert.equal([m.ownerUid, m.ownerGid, m.size, m.atime, m.mtime, m.beforeOp], [null, null, null, null, null, false]);
});

test('chown: only what it sets (-1 leaves the group)', () => {
  const m = metadataChange(attr({ op: AttrOp.CHOWN, valid: AttrValid.UID, uid: 0, gid: 0xffffffff }), RecordFlag.BEFORE_OP);
  assert.is(m.ownerUid, 0);
  assert.is(m.ownerGid, null);
  assert.is(m.beforeOp, true);
});

test('utimes: a time given is RFC 3339 with nanoseconds, "now" where the current time is set, null where omitted', () => {
  const m = metadataChange(attr({ op: AttrOp.UTIMES, valid: AttrValid.MTIME | AttrValid.ATIME_NOW, mtimeSec: 946684800n, mtimeNsec: 7 }), 0);
  assert.is(m.mtime, '2000-01-01T00:00:00.000000007Z');
  assert.is(m.atime, 'now');
  const omitted = metadataChange(attr({ op: AttrOp.UTIMES, valid: AttrValid.ATIME, atimeSec: -1n, atimeNsec: 0 }), 0);
  assert.is(omitted.mtime, null);
  assert.is(omitted.atime, '1969-12-31T23:59:59.000000000Z', 'before the epoch');
});

test('utimes: kernel input out of range gives no time rather than a wrong one', () => {
  assert.is(metadataChange(attr({ op: AttrOp.UTIMES, valid: AttrValid.MTIME, mtimeSec: 1n, mtimeNsec: 2_000_000_000 }), 0).mtime, null);
  assert.is(metadataChange(attr({ op: AttrOp.UTIMES, valid: AttrValid.MTIME, mtimeSec: 1n << 62n }), 0).mtime, null);
});

test('truncate: the length where the sensor knows it; beyond 2^53 as a decimal string; negative is unknown', () => {
  assert.is(metadataChange(attr({ op: AttrOp.TRUNCATE, valid: AttrValid.SIZE, size: 3n }), 0).size, 3);
  assert.is(metadataChange(attr({ op: AttrOp.TRUNCATE, valid: AttrValid.SIZE, size: 1n << 60n }), 0).size, (1n << 60n).toString());
  assert.is(metadataChange(attr({ op: AttrOp.TRUNCATE, valid: AttrValid.SIZE, size: -1n }), 0).size, null);
  assert.is(metadataChange(attr({ op: AttrOp.TRUNCATE }), 0).size, null);
});

test.run();
