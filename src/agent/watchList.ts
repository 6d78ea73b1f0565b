/**
 * The watch list as the kernel holds it, in one place: the lw_watch trie (entries relative to
 * anchors) and the agent's marks of inodes (lw_inode_marks), both from a watch plan
 * (src/sensor/watchPlan.ts). The start fills both through setUpSensor, a policy reload replaces
 * them here, and metrics read the trie's size here (a trie cannot be counted cheaply).
 *
 * A replacement never leaves a path unwatched that both policies watch (verdict.bpf.h, rule 8):
 * new and changed trie entries and the new marks go in first (an update of an existing key is
 * atomic per key; anchors keep their ids across plans, so old and new entries agree on them), then
 * the policy epoch is bumped (every verdict the kernel computed under the old policy stops
 * counting), then what only the old policy wanted leaves, and the epoch is bumped once more
 * (invalidateVerdicts, after a pause: a verdict computed from both lists in between is dropped).
 * Only when the trie cannot hold both lists at once are removed entries deleted first, and the
 * result says so.
 */
import { PolicyEpoch } from '../sensor/contract.js';
import type { WatchEntry } from '../sensor/watchKeys.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import type { WatchPlan } from '../sensor/watchPlan.js';
import { replaceMarks, type MarkedSet } from './watchMarks.js';

export const WATCH_MAP = 'lw_watch';
const EPOCH_MAP = 'lw_policy_epoch_map';
/** positive verdicts the kernel computed, by identity: dropped with the old epoch */
const STICKY_MAP = 'lw_sticky_marks';
const ZERO_KEY = Buffer.alloc(4);

export type WatchMapOps = Pick<NativeSensor, 'updateElem' | 'deleteElem' | 'clearMap' | 'markPath'>;

export interface WatchReplacement {
  /** trie entries ("<anchor>|<prefix>", "\0" shown as "$") */
  added: string[];
  removed: string[];
  updated: string[];
  entries: number;
  /** "added_first" (the safe order) or "removed_first" (the map could not hold both lists) */
  ordering: 'added_first' | 'removed_first';
  /** inodes marked by the new plan, and old marks removed */
  marked: number;
  unmarked: number;
  /** kernel-computed positive verdicts dropped with the old policy epoch */
  verdictsCleared: number;
}

export interface WatchList {
  readonly entries: readonly WatchEntry[];
  readonly capacity: number;
  /** the policy epoch in force (lw_policy_epoch_map) */
  readonly epoch: number;
  /** Makes the kernel hold exactly `next`. On a trie failure the previous entries are restored and the error rethrown. */
  replace(next: Pick<WatchPlan, 'keys' | 'marks'>): WatchReplacement;
  /** Starts a new policy epoch: no verdict the kernel computed before counts any more. */
  invalidateVerdicts(): number;
}

const idOf = (entry: WatchEntry) => entry.key.toString('latin1');

export class WatchCapacityError extends Error {
  readonly code = 'E2BIG';
}

export function encodePolicyEpoch(epoch: number): Buffer {
  const value = Buffer.alloc(PolicyEpoch.size);
  value.writeUInt32LE(epoch >>> 0, PolicyEpoch.epoch);
  return value;
}

export function createWatchList(ops: WatchMapOps, initial: { entries: readonly WatchEntry[]; marks: MarkedSet }, capacity: number): WatchList {
  let current: WatchEntry[] = [...initial.entries];
  let marks = initial.marks;
  let epoch = 0; // the map starts zeroed

  const invalidateVerdicts = () => {
    epoch = (epoch + 1) >>> 0;
    ops.updateElem(EPOCH_MAP, ZERO_KEY, encodePolicyEpoch(epoch));
    return ops.clearMap(STICKY_MAP);
  };

  return {
    get entries() {
      return current;
    },
    get epoch() {
      return epoch;
    },
    capacity,
    invalidateVerdicts,
    replace(nextPlan) {
      const next = nextPlan.keys;
      if (next.length > capacity) {
        throw new WatchCapacityError(`the watch list needs ${next.length} map entries, the kernel map holds ${capacity}`);
      }
      const before = new Map(current.map((e) => [idOf(e), e]));
      const wanted = new Map(next.map((e) => [idOf(e), e]));
      const changed = next.filter((e) => before.has(idOf(e)) && !before.get(idOf(e))!.value.equals(e.value));
      const fresh = next.filter((e) => !before.has(idOf(e)));
      const gone = current.filter((e) => !wanted.has(idOf(e)));
      const ordering = current.length + fresh.length <= capacity ? 'added_first' : 'removed_first';

      // Every trie step is undone in reverse order if a later one fails.
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
        if (ordering === 'added_first') fresh.forEach(insert);
        else {
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
      const nowMarked = replaceMarks(ops, marks, nextPlan.marks);
      marks = nowMarked;
      const anything = changed.length + fresh.length + gone.length + nowMarked.removed > 0 || nowMarked.keys.size > 0;
      let verdictsCleared = anything ? invalidateVerdicts() : 0;
      if (ordering === 'added_first' && gone.length > 0) {
        gone.forEach((e) => ops.deleteElem(WATCH_MAP, e.key));
        verdictsCleared += invalidateVerdicts();
      }
      current = [...next];
      return {
        added: fresh.map((e) => e.label),
        removed: gone.map((e) => e.label),
        updated: changed.map((e) => e.label),
        entries: current.length,
        ordering,
        marked: nowMarked.keys.size,
        unmarked: nowMarked.removed,
        verdictsCleared,
      };
    },
  };
}
