/** --protect: tells the LSM programs which files (by inode) and BPF objects (by id) are the agent's,
 * then raises the flag. A watchdog on the addon's thread lifts it if JavaScript stops answering. */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { ObjectKind } from '../sensor/contract.js';
import { protectedIdKey, protectedInodeKey } from '../sensor/protectKeys.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import type { Manifest } from '../integrity/manifest.js';
import type { GuardReadyInfo } from '../output/records.js';
import { existingSideFiles } from '../state/privateFile.js';
import { ALLOWED_UNDER_PROTECT } from './signals.js';

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

function protectInodesAndObjects(native: NativeSensor, paths: string[]): { inodes: number; objects: number } {
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

export type GuardInfo = GuardReadyInfo;

export interface Guard {
  info: GuardInfo;
  stop(): void;
}

/**
 * --protect: fills the guard maps, raises the protect flag (through applyProtect, which writes the
 * settings), and arms the addon's watchdog with a heartbeat from this (the JavaScript) thread.
 */
export function setUpGuard(deps: {
  native: NativeSensor;
  paths: string[];
  watchdogSeconds: number;
  applyProtect: () => void;
  /** the agent's cgroup path (ownCgroup), for the ready line */
  cgroup: string | null;
}): Guard {
  const guarded = protectInodesAndObjects(deps.native, deps.paths);
  deps.applyProtect();
  deps.native.armWatchdog(deps.watchdogSeconds * 1000);
  const heartbeat = setInterval(() => deps.native.heartbeat(), 500);
  return {
    info: {
      files: guarded.inodes,
      objects: guarded.objects,
      signalsAllowed: ALLOWED_UNDER_PROTECT,
      cgroup: deps.cgroup,
      settingsMapId: deps.native.objectIds().maps.find((m) => m.name === 'lw_settings_map')?.id ?? null,
      watchdogSeconds: deps.watchdogSeconds,
    },
    stop: () => clearInterval(heartbeat),
  };
}
