/** --protect: tells the LSM programs which files (by inode) and BPF objects (by id) are the agent's,
 * then raises the flag. A watchdog on the addon's thread lifts it if JavaScript stops answering. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectKind, ProtectedId, ProtectedInode } from '../sensor/contract.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';

/** st_dev as stat() reports it → the kernel's dev_t (MAJOR << 20 | MINOR), as BPF sees s_dev. */
export function kernelDevFromStat(dev: bigint): number {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return major * 2 ** 20 + minor;
}

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

/** Files and directories the agent runs from (everything in its manifest lives below these). */
export function agentPaths(packageRoot: string, extra: string[]): string[] {
  const out: string[] = [];
  const walk = (path: string, depth: number) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return;
    }
    out.push(path);
    if (st.isDirectory() && depth < 8) for (const name of readdirSync(path)) walk(join(path, name), depth + 1);
  };
  for (const dir of ['build/dist', 'build/native', 'bin']) walk(join(packageRoot, dir), 0);
  for (const file of ['build', 'build/bpf/lsmwatch_lsm.bpf.o', 'build/bpf/lsmwatch_tp.bpf.o', 'build/manifest.json', 'package.json']) {
    walk(join(packageRoot, file), 8);
  }
  for (const file of extra) walk(file, 8);
  return out;
}

export function installGuard(native: NativeSensor, paths: string[]): { inodes: number; objects: number } {
  const one = Buffer.from([1]);
  let inodes = 0;
  for (const path of paths) {
    const st = statSync(path, { bigint: true });
    native.updateElem('lw_protected_inodes', protectedInodeKey(st.dev, st.ino), one);
    inodes++;
  }
  const ids = native.objectIds();
  for (const map of ids.maps) native.updateElem('lw_protected_ids', protectedIdKey(ObjectKind.MAP, map.id), one);
  for (const prog of ids.progs) native.updateElem('lw_protected_ids', protectedIdKey(ObjectKind.PROG, prog.id), one);
  return { inodes, objects: ids.maps.length + ids.progs.length };
}
