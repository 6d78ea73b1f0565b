/**
 * What a mount, move or unmount on a watched name did (LW_REC_MOUNT), as a typed event states it:
 * which kind of mount(2) call, its flags by name, the file system type and the source as given.
 */
import { MountOp, RecordFlag } from '../sensor/contract.js';
import type { FileRecordData, MountFields } from '../sensor/decoder.js';
import { pathText } from '../shared/pathText.js';
import type { FileOperation, MountChange, MountKind } from './types.js';

// mount(2) flags (include/uapi/linux/mount.h)
const MS_REMOUNT = 1 << 5;
const MS_BIND = 1 << 12;
const MS_MOVE = 1 << 13;
const MS_PROPAGATION = (1 << 17) | (1 << 18) | (1 << 19) | (1 << 20); // unbindable, private, slave, shared
const MS_MGC_MASK = 0xffff0000;
const MS_MGC_VAL = 0xc0ed0000; // the old magic number in the high half: the kernel drops it

/** Flags named on the line; the ones that pick the kind (remount, bind, move) are in `kind`. */
const MOUNT_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [1 << 0, 'ro'],
  [1 << 1, 'nosuid'],
  [1 << 2, 'nodev'],
  [1 << 3, 'noexec'],
  [1 << 4, 'sync'],
  [1 << 6, 'mandlock'],
  [1 << 7, 'dirsync'],
  [1 << 8, 'nosymfollow'],
  [1 << 10, 'noatime'],
  [1 << 11, 'nodiratime'],
  [1 << 14, 'rec'],
  [1 << 15, 'silent'],
  [1 << 16, 'posixacl'],
  [1 << 17, 'unbindable'],
  [1 << 18, 'private'],
  [1 << 19, 'slave'],
  [1 << 20, 'shared'],
  [1 << 21, 'relatime'],
  [1 << 24, 'strictatime'],
  [1 << 25, 'lazytime'],
];

// umount2(2) flags
const UMOUNT_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [1 << 0, 'force'],
  [1 << 1, 'detach'],
  [1 << 2, 'expire'],
  [1 << 3, 'nofollow'],
];

function namesOf(flags: number, table: ReadonlyArray<[number, string]>): string[] {
  return table.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** mount(2)'s flags without the old magic number in their high half. */
function mountFlags(flags: number): number {
  return ((flags & MS_MGC_MASK) >>> 0) === MS_MGC_VAL ? flags & 0xffff : flags;
}

/** What a mount(2) call does, in the order the kernel's path_mount decides it. */
function mountKind(flags: number): MountKind {
  if (flags & MS_REMOUNT) return 'remount';
  if (flags & MS_BIND) return 'bind';
  if (flags & MS_PROPAGATION) return 'propagation';
  if (flags & MS_MOVE) return 'move';
  return 'new';
}

/** A file system type is a short kernel or user string: printable ASCII passes, the rest is '?'. */
function fstypeText(bytes: Buffer): string | null {
  if (bytes.length === 0) return null;
  return bytes.toString('latin1').replace(/[^\x21-\x7e]/g, '?');
}

/** The line type of a mount record: `umount` for unmounts, `mount` for the rest. */
export function mountOperation(m: MountFields): FileOperation {
  return m.op === MountOp.UMOUNT ? 'umount' : 'mount';
}

export function mountChange(rec: FileRecordData, m: MountFields): MountChange {
  let kind: MountKind;
  let flags: string[];
  if (m.op === MountOp.UMOUNT) {
    kind = 'umount';
    flags = namesOf(m.flags, UMOUNT_FLAG_NAMES);
  } else if (m.op === MountOp.MOVE) {
    kind = 'move';
    flags = [];
  } else {
    const f = mountFlags(m.flags);
    kind = mountKind(f);
    flags = namesOf(f, MOUNT_FLAG_NAMES);
  }
  return {
    kind,
    flags,
    fstype: fstypeText(m.fstype),
    source: rec.path2 !== null && rec.path2.length > 0 ? pathText(rec.path2) : null,
    beforeOp: (rec.flags & RecordFlag.BEFORE_OP) !== 0,
    sourceWatched: (rec.flags & RecordFlag.SOURCE_WATCHED) !== 0,
  };
}

/** Whether the watched names below the mount point now show other files (a remount or a
 * propagation change leaves the same files there; a mount point that is itself unwatched, reported
 * for its watched source, has no watched names below it). */
export const mountShowsOtherFiles = (m: MountChange): boolean =>
  m.kind !== 'remount' && m.kind !== 'propagation' && !m.sourceWatched;
