/**
 * The watch list as prefixes of path bytes, the form the kernel's LPM trie compares (its keys are
 * built relative to anchors by src/sensor/watchPlan.ts). A directory entry "dir/" matches
 * everything below it and, as "dir\0", the directory itself (so renaming or removing it is seen);
 * a file entry "file" becomes "file\0" (only that file) plus "file/" (its contents, should it be a
 * directory). Longest prefix wins, so an ignore entry inside a watched tree, or a read-watched file
 * inside a write-watched tree, takes precedence.
 */
import { ROOT_ANCHOR_ID, WatchFlag, WatchKey, WatchValue, WATCH_KEY_MAX } from './contract.js';

/** One lw_watch entry as the agent wrote it. */
export interface WatchEntry {
  key: Buffer;
  value: Buffer;
  /** for messages and tests: "<anchor path>|<prefix>", "\0" shown as "$" */
  label: string;
  flags: number;
}

export interface PrefixEntry {
  prefix: Buffer;
  flags: number;
}

export interface WatchLists {
  watch: string[];
  watchReads: string[];
  ignore: string[];
}

/** The trie prefixes of one entry (absolute or relative). */
export function prefixesFor(path: string): Buffer[] {
  if (path.endsWith('/')) return [Buffer.from(path), Buffer.concat([Buffer.from(path.slice(0, -1)), Buffer.from([0])])];
  return [Buffer.concat([Buffer.from(path), Buffer.from([0])]), Buffer.from(path + '/')];
}

/** The prefixes of the three lists; flags of identical prefixes are merged. */
export function buildPrefixEntries(lists: WatchLists): PrefixEntry[] {
  const byPrefix = new Map<string, PrefixEntry>();
  const add = (paths: string[], flags: number) => {
    for (const path of paths) {
      for (const prefix of prefixesFor(path)) {
        // the kernel keys entries relative to anchors; from "/" that is one byte shorter
        if (prefix.length - 1 > WATCH_KEY_MAX) {
          throw new Error(`watch path ${JSON.stringify(path)} is longer than ${WATCH_KEY_MAX} bytes`);
        }
        const id = prefix.toString('latin1');
        const existing = byPrefix.get(id);
        if (existing) existing.flags |= flags;
        else byPrefix.set(id, { prefix, flags });
      }
    }
  };
  add(lists.watch, WatchFlag.WRITE);
  add(lists.watchReads, WatchFlag.WRITE | WatchFlag.READ);
  add(lists.ignore, WatchFlag.IGNORE);
  return [...byPrefix.values()];
}

/** Watch flags the entries give a name (its bytes plus the "\0" or "/" the kernel appends):
 * longest prefix wins; an ignore entry gives 0. */
export function longestPrefixFlags(entries: readonly PrefixEntry[], name: Buffer): number {
  let best: PrefixEntry | null = null;
  for (const e of entries) {
    if (e.prefix.length <= name.length && name.subarray(0, e.prefix.length).equals(e.prefix)) {
      if (!best || e.prefix.length > best.prefix.length) best = e;
    }
  }
  if (!best) return 0;
  return best.flags & WatchFlag.IGNORE ? best.flags & WatchFlag.NAME : best.flags;
}

/** struct lw_watch_key for (anchor id, prefix below the anchor). */
export function encodeWatchKey(anchor: number, prefix: Buffer): Buffer {
  if (prefix.length > WATCH_KEY_MAX) throw new Error(`watch key of ${prefix.length} bytes is longer than ${WATCH_KEY_MAX}`);
  const key = Buffer.alloc(WatchKey.size);
  key.writeUInt32LE(32 + prefix.length * 8, WatchKey.prefixlen);
  key.writeUInt32LE(anchor >>> 0, WatchKey.anchor);
  prefix.copy(key, WatchKey.path);
  return key;
}

export function encodeWatchValue(flags: number): Buffer {
  const value = Buffer.alloc(WatchValue.size);
  value.writeUInt32LE(flags, WatchValue.flags);
  return value;
}

/** The entries of the three lists relative to "/" only (the root anchor): what the kernel gets
 * where no directory on the way exists to anchor them (and what tests compare against). */
export function buildWatchEntries(lists: WatchLists): WatchEntry[] {
  return buildPrefixEntries(lists).map(({ prefix, flags }) => {
    const rel = prefix.subarray(1); // below "/"
    return { key: encodeWatchKey(ROOT_ANCHOR_ID, rel), value: encodeWatchValue(flags), label: `/|${rel.toString('utf8').replace(/\0/g, '$')}`, flags };
  });
}
