/**
 * Follows baseline files that a process mapped shared and writable. Stores through such a mapping
 * change the file with no event the sensors could report, possibly long after the mmap line, so
 * the file is compared with its baseline again while a process may hold the mapping (the one that
 * made it, then any child it forked that still maps the file: src/process/fileMappers.ts), and
 * once after the last is gone: at first every `pollMs`, then at twice the last interval up to `maxPollMs` (a long-lived
 * mapping costs one comparison per maxPollMs). Bounded: past `maxFollowed` files the oldest is
 * compared a last time and dropped (counted in `dropped`).
 */
import type { Actor } from '../state/changeRecord.js';

export interface MappingFollowerDeps {
  /** compares the path with its baseline soon (the state tracker's settle queue) */
  touch(path: string, by: Actor): void;
  /** a process that may still hold the mapping: holder.pid if it lives, else another that maps
   * the file shared, else null */
  holderOf(holder: MappingHolder): number | null;
  now(): number;
  /** runs fn every ms; returns what stops it */
  every(fn: () => void, ms: number): () => void;
}

/** Who mapped which file: the process, and the file's identity as the record gave it. */
export interface MappingHolder {
  pid: number;
  /** kernel-internal dev_t (MAJOR << 20 | MINOR) */
  kernelDev: number;
  ino: bigint;
}

export interface MappingFollowerOptions {
  pollMs: number;
  maxPollMs: number;
  maxFollowed: number;
}

export const DEFAULT_MAPPING_FOLLOW: MappingFollowerOptions = { pollMs: 1000, maxPollMs: 30_000, maxFollowed: 64 };

export interface MappingFollower {
  /** path was mapped shared and writable by holder.pid */
  follow(path: string, holder: MappingHolder, by: Actor): void;
  /** files followed now */
  readonly size: number;
  /** files dropped to stay within maxFollowed */
  readonly dropped: number;
  stop(): void;
}

interface Followed {
  holder: MappingHolder;
  by: Actor;
  interval: number;
  next: number;
}

export function mappingFollower(deps: MappingFollowerDeps, options: MappingFollowerOptions = DEFAULT_MAPPING_FOLLOW): MappingFollower {
  const followed = new Map<string, Followed>();
  let cancel: (() => void) | null = null;
  let dropped = 0;

  const tick = () => {
    const now = deps.now();
    for (const [path, f] of [...followed]) {
      // asked every tick: a holder gone (or replaced by a child) is compared for at once
      const pid = deps.holderOf(f.holder);
      const handedOver = pid !== f.holder.pid;
      if (now < f.next && !handedOver) continue;
      deps.touch(path, f.by); // the comparison after the last holder is gone is the last one
      if (pid === null) {
        followed.delete(path);
        continue;
      }
      if (handedOver) f.holder = { ...f.holder, pid };
      f.interval = handedOver ? options.pollMs : Math.min(f.interval * 2, options.maxPollMs);
      f.next = now + f.interval;
    }
    if (followed.size === 0 && cancel) {
      cancel();
      cancel = null;
    }
  };

  return {
    follow(path, holder, by) {
      followed.delete(path); // re-inserted: the newest mapping decides who and how long
      if (followed.size >= options.maxFollowed) {
        const [oldest, f] = followed.entries().next().value as [string, Followed];
        deps.touch(oldest, f.by);
        followed.delete(oldest);
        dropped++;
      }
      followed.set(path, { holder, by, interval: options.pollMs, next: deps.now() + options.pollMs });
      cancel ??= deps.every(tick, options.pollMs);
    },
    get size() {
      return followed.size;
    },
    get dropped() {
      return dropped;
    },
    stop() {
      cancel?.();
      cancel = null;
      followed.clear();
    },
  };
}
