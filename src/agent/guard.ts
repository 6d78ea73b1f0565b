/** --protect: tells the LSM programs which files (by inode) and BPF objects (by id) are the agent's,
 * then raises the flag. A watchdog on the addon's thread lifts it if JavaScript stops answering. */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { ObjectKind, ProtectedId, ProtectedInode } from '../sensor/contract.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import type { Manifest } from '../integrity/manifest.js';
import { existingSideFiles } from '../state/privateFile.js';
import { ALLOWED_UNDER_PROTECT } from './signals.js';

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

/**
 * Everything --protect guards by inode: every file of the build manifest (the agent's build, the
 * runtime node_modules, package.json) and the directories between them and the package root (a
 * renamed directory would let a new tree take its place), the node executable (as recorded and as
 * running), the manifest, the policy, and the state database with the -wal, -shm and -journal files
 * that exist once it is open (src/state/privateFile.ts ensureSideFiles). Without a readable
 * manifest, the build directories are walked instead.
 */
export function guardedPaths(p: { packageRoot: string; manifest: Manifest | null; runningExecutable: string; policyFile: string; dbPath: string | null }): string[] {
  const root = resolve(p.packageRoot);
  const out = new Set<string>();
  const files = p.manifest ? Object.keys(p.manifest.files) : [];
  if (files.length === 0) for (const path of agentPaths(root, [])) out.add(path);
  for (const rel of files) {
    const file = join(root, rel);
    out.add(file);
    for (let dir = dirname(file); dir.startsWith(root + sep); dir = dirname(dir)) out.add(dir);
  }
  out.add(root);
  out.add(join(root, 'build'));
  out.add(join(root, 'build', 'manifest.json'));
  if (p.manifest?.executable) out.add(p.manifest.executable.path);
  for (const exe of [p.runningExecutable, '/proc/self/exe']) {
    try {
      out.add(realpathSync(exe));
    } catch {
      // not there: nothing to guard
    }
  }
  out.add(p.policyFile);
  if (p.dbPath !== null) for (const file of [p.dbPath, ...existingSideFiles(p.dbPath)]) out.add(file);
  return [...out].filter((path) => {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  });
}

/** The agent's cgroup v2 path ("/" at the root), or null without cgroup v2. Reading it is also how
 * the sensor learns which task is the agent's (its first open), which the cgroup guard needs. */
export function ownCgroup(readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): string | null {
  try {
    const line = readFile('/proc/self/cgroup').split('\n').find((l) => l.startsWith('0::'));
    return line ? line.slice(3) : null;
  } catch {
    return null;
  }
}

/** What the ready line's guard object says, beyond counts. */
export function guardReadyFields(cgroup: string | null): Record<string, unknown> {
  return {
    ptrace: 'denied',
    signals_allowed: ALLOWED_UNDER_PROTECT,
    limits: 'denied',
    cgroup,
    cgroup_files: 'freeze, kill and limits of its cgroup and ancestors denied; moves reported',
  };
}

export function installGuard(native: NativeSensor, paths: string[]): { inodes: number; objects: number } {
  const one = Buffer.from([1]);
  let inodes = 0;
  const seen = new Set<string>();
  for (const path of paths) {
    let st;
    try {
      st = statSync(path, { bigint: true });
    } catch {
      continue; // gone since it was listed
    }
    const key = protectedInodeKey(st.dev, st.ino);
    if (seen.has(key.toString('hex'))) continue; // hard links, /proc/self/exe and its target
    seen.add(key.toString('hex'));
    native.updateElem('lw_protected_inodes', key, one);
    inodes++;
  }
  const ids = native.objectIds();
  for (const map of ids.maps) native.updateElem('lw_protected_ids', protectedIdKey(ObjectKind.MAP, map.id), one);
  for (const prog of ids.progs) native.updateElem('lw_protected_ids', protectedIdKey(ObjectKind.PROG, prog.id), one);
  return { inodes, objects: ids.maps.length + ids.progs.length };
}
