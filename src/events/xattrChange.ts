/**
 * What a setxattr or removexattr on a watched file did (LW_REC_XATTR), as a typed event states it:
 * the attribute's name (the record's second path), the value's size and the flags by name. The
 * value itself never leaves the kernel.
 */
import { RecordFlag, XattrOp } from '../sensor/contract.js';
import type { FileRecordData, XattrFields } from '../sensor/decoder.js';
import { pathText } from '../shared/pathText.js';
import type { FileOperation, XattrChange } from './types.js';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;

/** The operation of an xattr record; null for an op this agent does not know (a newer sensor). */
export function xattrOperation(x: XattrFields): FileOperation | null {
  return x.op === XattrOp.SET ? 'setxattr' : x.op === XattrOp.REMOVE ? 'removexattr' : null;
}

export function xattrChange(rec: FileRecordData, x: XattrFields): XattrChange {
  const flags: string[] = [];
  if (x.flags & XATTR_CREATE) flags.push('create');
  if (x.flags & XATTR_REPLACE) flags.push('replace');
  return {
    name: pathText(rec.path2 ?? Buffer.alloc(0)),
    size: x.op === XattrOp.SET ? x.size : 0,
    flags,
    beforeOp: (rec.flags & RecordFlag.BEFORE_OP) !== 0,
  };
}
