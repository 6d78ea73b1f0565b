/**
 * The last path seen for each (dev, inode), bounded. A flush of aggregated writes whose file was
 * already gone arrives without a path (LW_F_PATH_UNKNOWN); the earlier record of the same window
 * named it, so the name comes from here. Least recently used entries go first.
 */
import { LruMap } from '../shared/lruMap.js';

export interface InodePaths {
  remember(dev: number, ino: bigint, path: Buffer): void;
  lookup(dev: number, ino: bigint): Buffer | undefined;
  readonly size: number;
  readonly capacity: number;
}

export function createInodePaths(capacity = 4096): InodePaths {
  const paths = new LruMap<string, Buffer>(capacity);
  const keyOf = (dev: number, ino: bigint) => `${dev}:${ino}`;
  return {
    remember(dev, ino, path) {
      if (ino === 0n || path.length === 0) return;
      paths.set(keyOf(dev, ino), Buffer.from(path)); // a copy: a record's path is a view that would pin its whole batch
    },
    lookup(dev, ino) {
      return paths.peek(keyOf(dev, ino));
    },
    get size() {
      return paths.size;
    },
    capacity,
  };
}
