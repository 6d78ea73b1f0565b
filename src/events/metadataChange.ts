/**
 * The new metadata a chmod, chown, utimes or truncate sets (LW_REC_SETATTR), as a typed event
 * states it: values the operation leaves alone are null, times are RFC 3339 or "now".
 */
import { AttrOp, AttrValid, RecordFlag } from '../sensor/contract.js';
import type { AttrFields } from '../sensor/decoder.js';
import { formatNanoTime } from '../shared/nanoTime.js';
import type { FileMetadataChange, FileOperation } from './types.js';

const OPERATIONS: Record<number, FileOperation> = {
  [AttrOp.TRUNCATE]: 'truncate',
  [AttrOp.CHMOD]: 'chmod',
  [AttrOp.CHOWN]: 'chown',
  [AttrOp.UTIMES]: 'utimes',
};

/** The operation of a metadata record; null for an op this agent does not know. */
export function metadataOperation(attr: AttrFields): FileOperation | null {
  return OPERATIONS[attr.op] ?? null;
}

/** A time the operation sets: "now", the time given, or null if it leaves it alone. Kernel input:
 * a nanosecond part out of range makes the time unrepresentable (null text). */
function timeSet(attr: AttrFields, given: number, now: number, sec: bigint, nsec: number): string | 'now' | null {
  if ((attr.valid & now) !== 0) return 'now';
  if ((attr.valid & given) === 0) return null;
  if (nsec >= 1_000_000_000) return null;
  return formatNanoTime(sec * 1_000_000_000n + BigInt(nsec));
}

export function metadataChange(attr: AttrFields, flags: number): FileMetadataChange {
  const has = (bit: number) => (attr.valid & bit) !== 0;
  return {
    mode: has(AttrValid.MODE) ? attr.mode & 0o7777 : null,
    ownerUid: has(AttrValid.UID) ? attr.uid : null,
    ownerGid: has(AttrValid.GID) ? attr.gid : null,
    size: has(AttrValid.SIZE) && attr.size >= 0n ? (attr.size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(attr.size) : attr.size.toString()) : null,
    atime: timeSet(attr, AttrValid.ATIME, AttrValid.ATIME_NOW, attr.atimeSec, attr.atimeNsec),
    mtime: timeSet(attr, AttrValid.MTIME, AttrValid.MTIME_NOW, attr.mtimeSec, attr.mtimeNsec),
    beforeOp: (flags & RecordFlag.BEFORE_OP) !== 0,
  };
}
