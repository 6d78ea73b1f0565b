/**
 * SHA-256 of files for the integrity checks, with large files (the ~100 MB node executable) re-hashed
 * only when their identity changes: a write moves ctime, which user space cannot set back. They are
 * re-hashed anyway once maxAgeMs has passed, for changes that bypass the file system (a raw block
 * device write). Small files are always hashed.
 */
import type { BigIntStats } from 'node:fs';

export const LARGE_FILE_BYTES = 8 * 1024 * 1024;
export const MAX_AGE_MS = 10 * 60 * 1000;

export interface DigestCacheDeps {
  /** stat (following symlinks: /proc/self/exe resolves to the executable) with bigint fields */
  stat: (path: string) => Promise<Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>>;
  hashFile: (path: string) => Promise<string>;
  /** monotonic milliseconds */
  now: () => number;
  largeFileBytes?: number;
  maxAgeMs?: number;
}

interface Cached {
  fingerprint: string;
  sha256: string;
  hashedAt: number;
}

export interface DigestCache {
  hash(path: string): Promise<string>;
  /** files hashed for real so far (for tests and the log) */
  readonly hashed: number;
}

export function createDigestCache(deps: DigestCacheDeps): DigestCache {
  const large = deps.largeFileBytes ?? LARGE_FILE_BYTES;
  const maxAge = deps.maxAgeMs ?? MAX_AGE_MS;
  // keyed by (dev, ino): the executable reached through /proc/self/exe and through its path is one entry
  const cache = new Map<string, Cached>();
  let hashed = 0;
  const hashNow = async (path: string) => {
    hashed++;
    return deps.hashFile(path);
  };
  return {
    get hashed() {
      return hashed;
    },
    async hash(path) {
      const st = await deps.stat(path);
      if (st.size < BigInt(large)) return hashNow(path);
      const key = `${st.dev}:${st.ino}`;
      const fingerprint = `${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const now = deps.now();
      const known = cache.get(key);
      if (known && known.fingerprint === fingerprint && now - known.hashedAt < maxAge) return known.sha256;
      const sha256 = await hashNow(path);
      // the identity read before hashing: a change during the hash shows as a new fingerprint next time
      cache.set(key, { fingerprint, sha256, hashedAt: now });
      return sha256;
    },
  };
}
