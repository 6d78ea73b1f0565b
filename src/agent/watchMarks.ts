/**
 * Marks of the watch plan in the kernel (src/sensor/watchPlan.ts is pure): the plan of a policy
 * against the real file system, the marks set before the programs attach, and the marks a reload
 * replaces. The kernel keys marks by its own identity of an inode (struct lw_inode_key: device,
 * number, i_generation), which lw_mark_fd_prog reports back; the agent keeps them to remove the
 * marks a new policy no longer wants.
 */
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import { buildWatchPlan, type NodeKind, type PlanFs, type PlannedMark, type WatchPlan } from '../sensor/watchPlan.js';
import type { WatchLists } from '../sensor/watchKeys.js';

export const MARK_MAP = 'lw_inode_marks';

export const nodeFs: PlanFs = {
  kind(path): NodeKind | null {
    try {
      const st = lstatSync(path);
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
    } catch {
      return null;
    }
  },
  readdir: (dir) => readdirSync(dir),
  realpath: (path) => realpathSync(path),
};

/** Plans of one agent share one id registry: a path keeps its id across reloads. */
export function createWatchPlanner(fs: PlanFs = nodeFs): (lists: WatchLists) => WatchPlan {
  const ids = new Map<string, number>();
  return (lists) => buildWatchPlan({ watch: lists.watch, watchReads: lists.watchReads, ignore: lists.ignore }, fs, undefined, ids);
}

/** The kernel keys (hex of struct lw_inode_key) of the marks set, and planned marks whose path was gone. */
export interface MarkedSet {
  keys: Set<string>;
  missing: number;
}

/** Sets the marks (an existing mark of the same inode is overwritten). A path removed since the
 * plan was made is skipped (nothing to mark); any other failure is thrown. */
export function applyMarks(native: Pick<NativeSensor, 'markPath'>, marks: readonly PlannedMark[]): MarkedSet {
  const keys = new Set<string>();
  let missing = 0;
  for (const m of marks) {
    try {
      keys.add(native.markPath(m.path, m.flags, m.watch, m.id, m.pin).toString('hex'));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      missing++;
    }
  }
  return { keys, missing };
}

/** A reload's marks: the new ones first (overwriting), then those of inodes the new plan does not mark. */
export function replaceMarks(native: Pick<NativeSensor, 'markPath' | 'deleteElem'>, old: MarkedSet, next: readonly PlannedMark[]): MarkedSet & { removed: number } {
  const now = applyMarks(native, next);
  let removed = 0;
  for (const hex of old.keys) {
    if (now.keys.has(hex)) continue;
    try {
      native.deleteElem(MARK_MAP, Buffer.from(hex, 'hex'));
      removed++;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
    }
  }
  return { ...now, removed };
}
