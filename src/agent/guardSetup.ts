/** --protect: tells the LSM programs which files (by inode) and BPF objects (by id) are the agent's,
 * then raises the flag. A watchdog on the addon's thread lifts it if JavaScript stops answering. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectKind } from '../sensor/contract.js';
import { protectedIdKey, protectedInodeKey } from '../sensor/protectKeys.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';

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

function protectInodesAndObjects(native: NativeSensor, paths: string[]): { inodes: number; objects: number } {
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

export interface GuardInfo {
  files: number;
  objects: number;
  settingsMapId: number | null;
  watchdogSeconds: number;
}

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
}): Guard {
  const guarded = protectInodesAndObjects(deps.native, deps.paths);
  deps.applyProtect();
  deps.native.armWatchdog(deps.watchdogSeconds * 1000);
  const heartbeat = setInterval(() => deps.native.heartbeat(), 500);
  return {
    info: {
      files: guarded.inodes,
      objects: guarded.objects,
      settingsMapId: deps.native.objectIds().maps.find((m) => m.name === 'lw_settings_map')?.id ?? null,
      watchdogSeconds: deps.watchdogSeconds,
    },
    stop: () => clearInterval(heartbeat),
  };
}
