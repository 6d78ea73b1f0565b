/**
 * A shared writable mapping of a watched file (LW_REC_MMAP) as a typed event states it: stores
 * through the mapping change the file with no write call the sensors could see, so the mapping is
 * the event. The protection and the mapping flags by name.
 */
import { MmapOp } from '../sensor/contract.js';
import type { MmapFields } from '../sensor/decoder.js';
import type { FileOperation, SharedMapping } from './types.js';

const PROT_NAMES: Array<[number, string]> = [
  [0x1, 'read'],
  [0x2, 'write'],
  [0x4, 'exec'],
];

// MAP_SHARED_VALIDATE (0x3) is named as such; MAP_SHARED's bit alone as "shared"
const MAP_TYPE = 0x3;
const MAP_FLAG_NAMES: Array<[number, string]> = [
  [0x10, 'fixed'],
  [0x2000, 'locked'],
  [0x8000, 'populate'],
  [0x80000, 'sync'],
  [0x100000, 'fixed_noreplace'],
];

/** The operation of an mmap record; null for an op this agent does not know (a newer sensor). */
export function mmapOperation(m: MmapFields): FileOperation | null {
  return m.op === MmapOp.MAP ? 'mmap' : m.op === MmapOp.MPROTECT ? 'mprotect' : null;
}

export function sharedMapping(m: MmapFields): SharedMapping {
  const prot = PROT_NAMES.filter(([bit]) => (m.prot & bit) !== 0).map(([, name]) => name);
  const type = m.flags & MAP_TYPE;
  const flags = [type === 0x3 ? 'shared_validate' : 'shared'];
  for (const [bit, name] of MAP_FLAG_NAMES) if ((m.flags & bit) !== 0) flags.push(name);
  return { prot, flags };
}
