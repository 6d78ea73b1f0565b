/**
 * The watched name of a file reached through another name. The kernel tells, for each path of a
 * file record, the nearest dentry on it that the agent marked at start (an anchor or a root of the
 * watch list, src/sensor/watchPlan.ts) and how many bytes of the path name it; the agent knows that
 * inode's watched name. So a write to /tmp/bm/passwd through a bind mount of /etc, or to a hard
 * link of /etc/passwd, is also reported as `watched_path: "/etc/passwd"`, and state tracking
 * compares the baseline file (the enrich stage asks, src/events/enrich.ts). Renames of marked names keep the table current (records arrive in
 * the order the kernel produced them).
 */
import type { FileRecordData } from '../sensor/decoder.js';
import { RecordFlag, RecordType } from '../sensor/contract.js';

export interface WatchedNames {
  /** the watched name of a path, or null when it is that path itself (or unknown) */
  watchedName(path: Buffer, anchor: number, anchorOff: number): string | null;
  /** follows renames; returns the record's watched names (path, then path2), null where the same */
  observe(record: FileRecordData): { path: string | null; path2: string | null };
  /** the names of a new watch plan (a reload): ids keep their meaning across plans */
  learn(names: ReadonlyMap<number, string>): void;
}

const joinName = (base: string, rest: string) => (rest === '' ? base : base === '/' ? rest : base + rest);

export function createWatchedNames(initial: ReadonlyMap<number, string>): WatchedNames {
  const names = new Map(initial);

  const canonical = (path: Buffer, anchor: number, anchorOff: number): string | null => {
    if (anchor === 0) return null;
    const base = names.get(anchor);
    if (base === undefined) return null;
    return joinName(base, path.subarray(anchorOff).toString('utf8'));
  };
  const watchedName = (path: Buffer, anchor: number, anchorOff: number): string | null => {
    const name = canonical(path, anchor, anchorOff);
    return name === null || name === path.toString('utf8') ? null : name;
  };

  /** Every marked name at or below `from` now lives at or below `to` (exchange: and back). */
  const renamed = (from: string, to: string, exchange: boolean) => {
    if (from === to) return;
    const moves: Array<[number, string]> = [];
    const moveUnder = (a: string, b: string) => {
      for (const [id, name] of names) {
        if (name === a) moves.push([id, b]);
        else if (name.startsWith(a + '/')) moves.push([id, b + name.slice(a.length)]);
      }
    };
    moveUnder(from, to);
    if (exchange) moveUnder(to, from);
    for (const [id, name] of moves) names.set(id, name);
  };

  return {
    watchedName,
    learn(more) {
      for (const [id, name] of more) names.set(id, name);
    },
    observe(record) {
      const oldName = canonical(record.path, record.anchor, record.anchorOff);
      const newName = record.path2 ? canonical(record.path2, record.anchor2, record.anchor2Off) : null;
      const result = {
        path: watchedName(record.path, record.anchor, record.anchorOff),
        path2: record.path2 ? watchedName(record.path2, record.anchor2, record.anchor2Off) : null,
      };
      if (record.type === RecordType.RENAME && record.path2 && !(record.flags & RecordFlag.DENIED)) {
        renamed(oldName ?? record.path.toString('utf8'), newName ?? record.path2.toString('utf8'), (record.flags & RecordFlag.EXCHANGE) !== 0);
      }
      return result;
    },
  };
}
