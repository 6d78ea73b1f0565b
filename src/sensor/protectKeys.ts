/** Keys of the --protect maps: the agent's files by (dev, inode) and its BPF objects by id. */
import { ProtectedId, ProtectedInode } from './contract.js';
import { kernelDevFromStat } from './deviceNumbers.js';

export function protectedInodeKey(dev: bigint, ino: bigint): Buffer {
  const key = Buffer.alloc(ProtectedInode.size);
  key.writeUInt32LE(kernelDevFromStat(dev), ProtectedInode.dev);
  key.writeBigUInt64LE(ino, ProtectedInode.ino);
  return key;
}

export function protectedIdKey(kind: number, id: number): Buffer {
  const key = Buffer.alloc(ProtectedId.size);
  key.writeUInt32LE(kind, ProtectedId.kind);
  key.writeUInt32LE(id, ProtectedId.id);
  return key;
}
