/**
 * The watch list as the kernel sees it: LPM-trie keys over path bytes. A directory entry "dir/"
 * matches everything below it; a file entry "file" becomes "file\0" (only that file) plus "file/"
 * (its contents, should it be a directory). Longest prefix wins, so an ignore entry inside a
 * watched tree, or a read-watched file inside a write-watched tree, takes precedence.
 */
import { WatchFlag, WatchKey, WatchValue, WATCH_KEY_MAX } from './contract.js';

export interface WatchEntry {
  key: Buffer;
  value: Buffer;
  /** for messages and tests: the prefix bytes as text, "\0" shown as "$" */
  label: string;
  flags: number;
}

export interface WatchLists {
  watch: string[];
  watchReads: string[];
  ignore: string[];
}

function encodeKey(prefix: Buffer): Buffer {
  const key = Buffer.alloc(WatchKey.size);
  key.writeUInt32LE(prefix.length * 8, WatchKey.prefixlen);
  prefix.copy(key, WatchKey.path);
  return key;
}

function encodeValue(flags: number): Buffer {
  const value = Buffer.alloc(WatchValue.size);
  value.writeUInt32LE(flags, WatchValue.flags);
  return value;
}

function prefixesFor(path: string): Buffer[] {
  if (path.endsWith('/')) return [Buffer.from(path)];
  return [Buffer.concat([Buffer.from(path), Buffer.from([0])]), Buffer.from(path + '/')];
}

/** Builds the map entries for the three lists; flags of identical prefixes are merged. */
export function buildWatchEntries(lists: WatchLists): WatchEntry[] {
  const byPrefix = new Map<string, { prefix: Buffer; flags: number }>();
  const add = (paths: string[], flags: number) => {
    for (const path of paths) {
      for (const prefix of prefixesFor(path)) {
        if (prefix.length > WATCH_KEY_MAX) {
          throw new Error(`watch path ${JSON.stringify(path)} is longer than ${WATCH_KEY_MAX - 1} bytes`);
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
  return [...byPrefix.values()].map(({ prefix, flags }) => ({
    key: encodeKey(prefix),
    value: encodeValue(flags),
    label: prefix.toString('utf8').replace(/\0/g, '$'),
    flags,
  }));
}
