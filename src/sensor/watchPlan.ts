/**
 * From the watch list to what the kernel needs to watch by identity (bpf/include/verdict.bpf.h):
 *  - marks (struct lw_mark) for inodes that exist now: every ancestor of a watch entry is an
 *    anchor (pinned, with an id); every existing entry, and everything below a watched directory,
 *    is a root mark with its verdict (bounded by maxMarks);
 *  - trie keys (struct lw_watch_key): each entry relative to each of its existing ancestors, so a
 *    name that does not exist yet is matched whatever mount or namespace reaches its directory;
 *    each anchor's own name under its ancestors (LW_WATCH_NAME: renaming /etc is reported); the
 *    part after the first `*` of an entry under its parent (LW_WILDCARD_ID), so directories made
 *    after start are followed by the kernel itself.
 * Pure: the file system comes in as PlanFs.
 */
import { MarkFlag, ROOT_ANCHOR_ID, WatchFlag, WILDCARD_ID, WATCH_KEY_MAX } from './contract.js';
import {
  buildPrefixEntries,
  encodeWatchKey,
  encodeWatchValue,
  longestPrefixFlags,
  prefixesFor,
  type WatchEntry,
  type WatchLists,
} from './watchKeys.js';
import { expandWildcardPaths } from '../policy/wildcards.js';

export type NodeKind = 'dir' | 'file' | 'symlink' | 'other';

export interface PlanFs {
  /** kind of path without following a last symlink, or null if it does not exist */
  kind(path: string): NodeKind | null;
  /** names in a directory (may throw) */
  readdir(dir: string): string[];
  /** the path with every symlink resolved (it exists) */
  realpath(path: string): string;
}

export interface PlannedMark {
  path: string;
  flags: number;
  watch: number;
  id: number;
  /** keep a descriptor open while the sensor runs (anchors: their inode numbers stay theirs) */
  pin: boolean;
}

/** A trie entry: label "<anchor path>|<prefix>", "\0" shown as "$". */
export type PlannedKey = WatchEntry;

export interface WatchPlan {
  marks: PlannedMark[];
  keys: PlannedKey[];
  /** id of a marked inode → its watched name */
  names: Map<number, string>;
  /** inodes below watched directories that were not marked because maxMarks was reached */
  unmarked: boolean;
  /** entries with more than one `*`: only their matches at start are watched */
  multiWildcards: string[];
  /** wildcard entries whose parent directory does not exist: only their matches at start */
  orphanWildcards: string[];
}

export interface PlanLimits {
  maxMarks: number;
  maxKeys: number;
}

export const DEFAULT_PLAN_LIMITS: PlanLimits = { maxMarks: 200_000, maxKeys: 16384 };

const label = (path: string, prefix: Buffer) => `${path}|${prefix.toString('utf8').replace(/\0/g, '$')}`;
const trimSlash = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** "/a/b/c" → ["/", "/a", "/a/b"] */
function properAncestors(path: string): string[] {
  const parts = trimSlash(path).split('/').filter(Boolean);
  const out = ['/'];
  for (let i = 1; i < parts.length; i++) out.push('/' + parts.slice(0, i).join('/'));
  return out;
}

/** The entry with its existing directories' symlinks resolved (what the kernel's dentries say). */
function canonicalEntry(path: string, fs: PlanFs): string {
  const dir = path.endsWith('/');
  const parts = trimSlash(path).split('/').filter(Boolean);
  let existing = 0;
  for (let i = 1; i < parts.length; i++) {
    if (fs.kind('/' + parts.slice(0, i).join('/')) === null) break;
    existing = i;
  }
  if (existing === 0) return path;
  let base: string;
  try {
    base = fs.realpath('/' + parts.slice(0, existing).join('/'));
  } catch {
    return path;
  }
  const rest = parts.slice(existing).join('/');
  return join(base, rest) + (dir ? '/' : '');
}

interface Wildcard {
  parent: string;
  rest: string;
  flags: number;
}

/**
 * ids: the registry of anchor and root ids (path → id), kept by the agent across reloads so that a
 * path keeps its id and trie keys of a new plan can go in before its marks (src/agent/watchList.ts).
 */
export function buildWatchPlan(
  lists: WatchLists,
  fs: PlanFs,
  limits: PlanLimits = DEFAULT_PLAN_LIMITS,
  ids: Map<string, number> = new Map(),
): WatchPlan {
  const listDir = (dir: string) => fs.readdir(trimSlash(dir)).filter((name) => fs.kind(join(trimSlash(dir), name)) === 'dir');
  const wildcards: Wildcard[] = [];
  const multiWildcards: string[] = [];
  const orphanWildcards: string[] = [];
  const concrete = (paths: string[], flags: number): string[] => {
    const out: string[] = [];
    for (const path of paths) {
      const star = path.indexOf('/*/');
      if (star !== -1) {
        const rest = path.slice(star + 3);
        const parent = canonicalEntry(path.slice(0, star + 1), fs);
        if (rest.includes('*')) multiWildcards.push(path);
        else if (fs.kind(trimSlash(parent)) !== 'dir') orphanWildcards.push(path);
        else wildcards.push({ parent: trimSlash(parent), rest, flags });
      }
      for (const p of expandWildcardPaths([path], listDir)) {
        const canonical = canonicalEntry(p, fs);
        out.push(canonical);
        // an entry that is a symlink: watch what it names too
        if (fs.kind(trimSlash(canonical)) === 'symlink') {
          try {
            out.push(fs.realpath(trimSlash(canonical)) + (canonical.endsWith('/') ? '/' : ''));
          } catch {
            // dangling: the link itself stays watched
          }
        }
      }
    }
    return out;
  };
  const concreteLists: WatchLists = {
    watch: concrete(lists.watch, WatchFlag.WRITE),
    watchReads: concrete(lists.watchReads, WatchFlag.WRITE | WatchFlag.READ),
    ignore: concrete(lists.ignore, WatchFlag.IGNORE),
  };
  const entries = buildPrefixEntries(concreteLists);
  const verdictOf = (path: string) => longestPrefixFlags(entries, Buffer.from(trimSlash(path) + '\0'));

  // ids: one per marked path; "/" is the root anchor of every entry
  ids.set('/', ROOT_ANCHOR_ID);
  const idOf = (path: string) => {
    let id = ids.get(path);
    if (id === undefined) {
      id = ids.size + 1; // ids are handed out in order and never taken back: size + 1 is unused
      if (id >= WILDCARD_ID) throw new Error('out of watch-list ids: restart the agent');
      ids.set(path, id);
    }
    return id;
  };

  // anchors: the existing ancestors of every entry and of every wildcard's parent
  const anchors = new Set<string>(['/']);
  const wildcardParents = new Set<string>();
  const entryPaths = [...concreteLists.watch, ...concreteLists.watchReads, ...concreteLists.ignore].map(trimSlash);
  const addAncestors = (path: string, includeSelf: boolean) => {
    for (const a of [...properAncestors(path), ...(includeSelf ? [path] : [])]) {
      if (fs.kind(a) !== 'dir') break;
      anchors.add(a);
    }
  };
  for (const path of entryPaths) addAncestors(path, false);
  for (const w of wildcards) {
    addAncestors(w.parent, true);
    wildcardParents.add(w.parent);
  }

  const keys = new Map<string, PlannedKey>();
  const addKey = (anchor: string, prefix: Buffer, flags: number) => {
    if (prefix.length > WATCH_KEY_MAX) return;
    const id = idOf(anchor);
    const k = label(anchor, prefix);
    const existing = keys.get(k);
    if (existing) {
      const merged = existing.value.readUInt32LE(0) | flags;
      existing.value = encodeWatchValue(merged);
      existing.flags = merged;
      return;
    }
    keys.set(k, { key: encodeWatchKey(id, prefix), value: encodeWatchValue(flags), label: k, flags });
  };
  // entries under each existing ancestor
  for (const e of entries) {
    const abs = e.prefix.toString('latin1');
    for (const anchor of anchors) {
      const base = anchor === '/' ? '/' : anchor + '/';
      if (abs.length > base.length && abs.startsWith(base)) addKey(anchor, Buffer.from(abs.slice(base.length), 'latin1'), e.flags);
    }
  }
  // anchors' own names under their ancestors: renaming or removing them is reported
  for (const a of anchors) {
    if (a === '/') continue;
    for (const b of properAncestors(a)) {
      if (!anchors.has(b)) continue;
      const rel = b === '/' ? a.slice(1) : a.slice(b.length + 1);
      addKey(b, Buffer.from(rel + '\0'), verdictOf(a) | WatchFlag.NAME);
    }
  }
  // wildcard entries: relative to the child the `*` stands for
  for (const w of wildcards) {
    const id = (idOf(w.parent) | WILDCARD_ID) >>> 0;
    for (const prefix of prefixesFor(w.rest)) {
      const k = label(`${w.parent}/*`, prefix);
      const existing = keys.get(k);
      const flags = (existing ? existing.value.readUInt32LE(0) : 0) | w.flags;
      keys.set(k, { key: encodeWatchKey(id, prefix), value: encodeWatchValue(flags), label: k, flags });
    }
  }
  if (keys.size > limits.maxKeys) {
    throw new Error(`the watch list needs ${keys.size} kernel entries, more than the ${limits.maxKeys} the sensor holds: watch fewer or shallower paths`);
  }

  // marks
  const marks = new Map<string, PlannedMark>();
  let unmarked = false;
  const mark = (path: string, flags: number, watch: number, pin: boolean) => {
    const existing = marks.get(path);
    if (existing) {
      existing.flags |= flags;
      if (flags & MarkFlag.ROOT) existing.watch = watch;
      existing.pin ||= pin;
      return true;
    }
    if (marks.size >= limits.maxMarks) {
      unmarked = true;
      return false;
    }
    marks.set(path, { path, flags, watch, id: idOf(path), pin });
    return true;
  };
  for (const a of anchors) mark(a, MarkFlag.ANCHOR | (wildcardParents.has(a) ? MarkFlag.WILDCARD : 0), 0, true);
  const walk = (dir: string) => {
    const stack = [dir];
    while (stack.length > 0 && !unmarked) {
      const current = stack.pop()!;
      let names: string[];
      try {
        names = fs.readdir(current).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        const path = join(current, name);
        const kind = fs.kind(path);
        if (kind !== 'dir' && kind !== 'file') continue;
        const watch = verdictOf(path);
        if (!(watch & WatchFlag.WRITE)) continue; // ignored: the anchors' entries say so; no mark that could hide
        if (!mark(path, MarkFlag.ROOT, watch, false)) return;
        if (kind === 'dir' && watch & WatchFlag.WRITE) stack.push(path); // not into ignored trees
      }
    }
  };
  for (const path of new Set(entryPaths)) {
    const kind = fs.kind(path);
    if (kind !== 'dir' && kind !== 'file') continue;
    const watch = verdictOf(path);
    if (!(watch & WatchFlag.WRITE)) continue;
    mark(path, MarkFlag.ROOT, watch, false);
    if (kind === 'dir') walk(path);
  }

  const names = new Map<number, string>();
  for (const m of marks.values()) names.set(m.id, m.path);
  return { marks: [...marks.values()], keys: [...keys.values()], names, unmarked, multiWildcards, orphanWildcards };
}
