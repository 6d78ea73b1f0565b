/**
 * The watch list as the kernel holds it (the lw_watch LPM trie), in one place: the start fills the
 * map through setUpSensor, a policy reload replaces it here, and metrics read its size here (the
 * agent counts what it inserted; a trie cannot be counted cheaply).
 *
 * A replacement never leaves a path unwatched that both lists watch: new and changed entries go in
 * first (an update of an existing key is atomic per key), keys no longer wanted leave last. While
 * both are in the trie, the longest match for such a path is its old or its new entry, and both
 * watch it. Only when the map cannot hold both lists at once are removed keys deleted first, and the
 * result says so. Then the kernel's verdict caches are invalidated: the per-dentry cache by bumping
 * the rename generation, the per-open-file cache by emptying it (its entries have no generation, so
 * an open file in a newly watched directory would otherwise stay unwatched until it is reopened).
 */
import type { WatchEntry } from '../sensor/watchKeys.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';

export const WATCH_MAP = 'lw_watch';
const GENERATION_MAP = 'lw_generation_map';
const FILE_VERDICT_MAP = 'lw_verdicts';
const ZERO_KEY = Buffer.alloc(4);

export type WatchMapOps = Pick<NativeSensor, 'updateElem' | 'deleteElem' | 'lookupElem' | 'clearMap'>;

export interface WatchReplacement {
  /** map entries (prefix labels, "\0" shown as "$") */
  added: string[];
  removed: string[];
  updated: string[];
  entries: number;
  /** "added_first" (the safe order) or "removed_first" (the map could not hold both lists) */
  ordering: 'added_first' | 'removed_first';
  /** per-open-file verdicts dropped (recomputed from the path at the next write) */
  verdictsCleared: number;
}

export interface WatchList {
  readonly entries: readonly WatchEntry[];
  readonly capacity: number;
  /** Makes the kernel map hold exactly `next`. On failure the previous list is restored and the error rethrown. */
  replace(next: readonly WatchEntry[]): WatchReplacement;
  /** Drops the kernel's cached verdicts again (a program that straddled the first pass may have cached an old one). */
  invalidateVerdicts(): number;
}

const idOf = (entry: WatchEntry) => entry.key.toString('latin1');

export class WatchCapacityError extends Error {
  readonly code = 'E2BIG';
}

export function createWatchList(ops: WatchMapOps, initial: readonly WatchEntry[], capacity: number): WatchList {
  let current: WatchEntry[] = [...initial];

  const bumpGeneration = () => {
    const value = ops.lookupElem(GENERATION_MAP, ZERO_KEY);
    const next = Buffer.alloc(8);
    next.writeBigUInt64LE((value && value.length >= 8 ? value.readBigUInt64LE(0) : 0n) + 1n);
    ops.updateElem(GENERATION_MAP, ZERO_KEY, next);
  };

  const invalidateVerdicts = () => {
    bumpGeneration();
    return ops.clearMap(FILE_VERDICT_MAP);
  };

  return {
    get entries() {
      return current;
    },
    capacity,
    invalidateVerdicts,
    replace(next) {
      if (next.length > capacity) {
        throw new WatchCapacityError(`the watch list needs ${next.length} map entries, the kernel map holds ${capacity}`);
      }
      const before = new Map(current.map((e) => [idOf(e), e]));
      const wanted = new Map(next.map((e) => [idOf(e), e]));
      const changed = next.filter((e) => before.has(idOf(e)) && !before.get(idOf(e))!.value.equals(e.value));
      const fresh = next.filter((e) => !before.has(idOf(e)));
      const gone = current.filter((e) => !wanted.has(idOf(e)));
      const ordering = current.length + fresh.length <= capacity ? 'added_first' : 'removed_first';

      // Every step is undone in reverse order if a later one fails.
      const undo: Array<() => void> = [];
      const insert = (e: WatchEntry) => {
        ops.updateElem(WATCH_MAP, e.key, e.value);
        undo.push(() => ops.deleteElem(WATCH_MAP, e.key));
      };
      const update = (e: WatchEntry) => {
        const old = before.get(idOf(e))!;
        ops.updateElem(WATCH_MAP, e.key, e.value);
        undo.push(() => ops.updateElem(WATCH_MAP, old.key, old.value));
      };
      const remove = (e: WatchEntry) => {
        ops.deleteElem(WATCH_MAP, e.key);
        undo.push(() => ops.updateElem(WATCH_MAP, e.key, e.value));
      };
      try {
        changed.forEach(update);
        if (ordering === 'added_first') {
          fresh.forEach(insert);
          gone.forEach(remove);
        } else {
          gone.forEach(remove);
          fresh.forEach(insert);
        }
      } catch (err) {
        for (const step of undo.reverse()) {
          try {
            step();
          } catch {
            // best effort: the map is reported as it is by the error below
          }
        }
        invalidateVerdicts();
        throw err;
      }
      current = [...next];
      const verdictsCleared = changed.length + fresh.length + gone.length > 0 ? invalidateVerdicts() : 0;
      return {
        added: fresh.map((e) => e.label),
        removed: gone.map((e) => e.label),
        updated: changed.map((e) => e.label),
        entries: current.length,
        ordering,
        verdictsCleared,
      };
    },
  };
}
