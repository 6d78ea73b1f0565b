import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mountChange, mountOperation, mountShowsOtherFiles } from '../../../src/events/mountChange.js';
import { MountOp, RecordFlag, RecordType } from '../../../src/sensor/contract.js';
import type { FileRecordData, MountFields } from '../../../src/sensor/decoder.js';

function rec(over: Partial<FileRecordData>): FileRecordData {
  return {
    kind: 'file', type: RecordType.MOUNT, flags: 0, timeNs: 1n,
    proc: { pid: 1, tid: 1, ppid: 0, uid: 0, gid: 0, comm: Buffer.from('mount'), startNs: 1n, parentStartNs: 0n, cgroupId: 1n, loginUid: 0, sessionId: 1 },
    ino: 0n, dev: 0, openFlags: 0, count: 1, bytes: 0, mode: 0o040755, path: Buffer.from('/etc/cron.d'), path2: null,
    anchor: 0, anchorOff: 0, anchor2: 0, anchor2Off: 0, rdev: 0, attr: null, mount: null, xattr: null, mmap: null, ...over,
  };
}
const mount = (op: number, flags: number, fstype = ''): MountFields => ({ op, flags, fstype: Buffer.from(fstype) });
const change = (m: MountFields, over: Partial<FileRecordData> = {}) => mountChange(rec({ mount: m, ...over }), m);

test('mount(2) kinds in the order the kernel decides them', () => {
  const MS_REMOUNT = 32, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_PRIVATE = 1 << 18;
  assert.is(change(mount(MountOp.MOUNT, 0, 'tmpfs')).kind, 'new');
  assert.is(change(mount(MountOp.MOUNT, MS_BIND)).kind, 'bind');
  assert.is(change(mount(MountOp.MOUNT, MS_BIND | MS_REC)).kind, 'bind');
  assert.is(change(mount(MountOp.MOUNT, MS_REMOUNT | MS_BIND)).kind, 'remount', 'a bind remount changes flags only');
  assert.is(change(mount(MountOp.MOUNT, MS_MOVE)).kind, 'move');
  assert.is(change(mount(MountOp.MOUNT, MS_PRIVATE | MS_REC)).kind, 'propagation');
  assert.is(change(mount(MountOp.MOVE, 0x44)).kind, 'move');
  assert.is(change(mount(MountOp.UMOUNT, 2)).kind, 'umount');
});

test('flags by name; the old magic number in the high half is dropped as the kernel does', () => {
  const MS_MGC_VAL = 0xc0ed0000;
  assert.equal(change(mount(MountOp.MOUNT, (MS_MGC_VAL | 1 | 2 | 8) >>> 0, 'tmpfs')).flags, ['ro', 'nosuid', 'noexec']);
  assert.equal(change(mount(MountOp.MOUNT, 4096 | 16384)).flags, ['rec'], 'bind is the kind, not a flag');
  assert.equal(change(mount(MountOp.UMOUNT, 1 | 2)).flags, ['force', 'detach']);
  assert.equal(change(mount(MountOp.MOVE, 0x44)).flags, []);
});

test('file system type and source: as given, printable ASCII only, null when absent', () => {
  const c = change(mount(MountOp.MOUNT, 0, 'tmpfs'), { path2: Buffer.from('evil') });
  assert.equal([c.fstype, c.source], ['tmpfs', { text: 'evil' }]);
  const bare = change(mount(MountOp.MOUNT, 4096));
  assert.equal([bare.fstype, bare.source], [null, null]);
  assert.is(change(mount(MountOp.MOUNT, 0, 'x\x1b[2Jy')).fstype, 'x?[2Jy', 'control characters never reach a terminal');
  assert.is(change(mount(MountOp.MOUNT, 0), { path2: Buffer.alloc(0) }).source, null);
});

test('LSM records made before the operation say so', () => {
  assert.is(change(mount(MountOp.MOUNT, 0), { flags: RecordFlag.BEFORE_OP }).beforeOp, true);
  assert.is(change(mount(MountOp.MOUNT, 0)).beforeOp, false);
});

test('a bind or move reported for its watched source says so, and shows no watched name other files', () => {
  const bound = change(mount(MountOp.MOUNT, 4096), { flags: RecordFlag.SOURCE_WATCHED });
  assert.equal([bound.kind, bound.sourceWatched], ['bind', true]);
  assert.is(change(mount(MountOp.MOUNT, 4096)).sourceWatched, false);
  assert.is(mountShowsOtherFiles(bound), false, 'its mount point is not watched: no baseline re-check');
});

test('line type: umount for unmounts, mount for the rest', () => {
  assert.is(mountOperation(mount(MountOp.UMOUNT, 0)), 'umount');
  assert.is(mountOperation(mount(MountOp.MOUNT, 0)), 'mount');
  assert.is(mountOperation(mount(MountOp.MOVE, 0)), 'mount');
});

test('new mounts, binds, moves and unmounts show other files; remounts and propagation changes do not', () => {
  for (const [m, shows] of [
    [mount(MountOp.MOUNT, 0), true],
    [mount(MountOp.MOUNT, 4096), true],
    [mount(MountOp.MOVE, 0), true],
    [mount(MountOp.UMOUNT, 0), true],
    [mount(MountOp.MOUNT, 32 | 1), false],
    [mount(MountOp.MOUNT, 1 << 20), false],
  ] as const) {
    assert.is(mountShowsOtherFiles(change(m)), shows, JSON.stringify(m));
  }
});

test.run();
