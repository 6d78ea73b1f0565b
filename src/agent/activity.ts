/**
 * Who is busy right now, for `lsmwatch top`: per process and per path, a decaying event rate and a
 * running total, bounded (least recently active keys go first, so a flood of distinct paths cannot
 * grow it). An event counts as the operations it stands for (an aggregated write record as its
 * count). Pure: the clock is the events' own monotonic time.
 */
import { LruMap } from '../shared/lruMap.js';
import type { SensorEvent } from '../events/types.js';
import type { EventConsumer } from './eventConsumers.js';

export const ACTIVITY_HALF_LIFE_S = 2;
const LN2 = Math.log(2);

interface Counter {
  /** decayed sum of operations at lastNs */
  decayed: number;
  lastNs: bigint;
  total: number;
}

export interface ActivityRow {
  /** per second, over the last few seconds (half-life ACTIVITY_HALF_LIFE_S) */
  rate: number;
  total: number;
}

export interface ProcessRow extends ActivityRow {
  pid: number;
  comm: string;
}

export interface PathRow extends ActivityRow {
  path: string;
}

export interface Activity extends EventConsumer {
  busiestProcesses(nowNs: bigint, limit: number): ProcessRow[];
  busiestPaths(nowNs: bigint, limit: number): PathRow[];
}

function decay(c: Counter, nowNs: bigint): number {
  if (nowNs <= c.lastNs) return c.decayed;
  const ageS = Number(nowNs - c.lastNs) / 1e9;
  return c.decayed * Math.pow(2, -ageS / ACTIVITY_HALF_LIFE_S);
}

function add(map: LruMap<string, Counter>, key: string, n: number, nowNs: bigint): void {
  const c = map.get(key);
  if (c === undefined) {
    map.set(key, { decayed: n, lastNs: nowNs, total: n });
    return;
  }
  c.decayed = decay(c, nowNs) + n;
  if (nowNs > c.lastNs) c.lastNs = nowNs;
  c.total += n;
}

function top(map: LruMap<string, Counter>, nowNs: bigint, limit: number): Array<[string, ActivityRow]> {
  const rows: Array<[string, ActivityRow]> = [];
  for (const [key, c] of map.entriesOldestFirst()) rows.push([key, { rate: (decay(c, nowNs) * LN2) / ACTIVITY_HALF_LIFE_S, total: c.total }]);
  rows.sort((a, b) => b[1].rate - a[1].rate || b[1].total - a[1].total);
  return rows.slice(0, limit);
}

export function createActivity(capacity = 1024): Activity {
  const processes = new LruMap<string, Counter>(capacity);
  const comms = new Map<string, { pid: number; comm: string }>();
  const paths = new LruMap<string, Counter>(capacity);
  return {
    name: 'activity',
    consume(event: SensorEvent) {
      const n = event.kind === 'file' ? event.count : 1;
      const key = `${event.process.pid}\t${event.process.comm.text}`;
      if (!comms.has(key)) comms.set(key, { pid: event.process.pid, comm: event.process.comm.text });
      add(processes, key, n, event.timeNs);
      if (comms.size > capacity * 2) {
        for (const k of comms.keys()) if (processes.peek(k) === undefined) comms.delete(k);
      }
      if (event.kind === 'file' && event.path !== null) add(paths, event.path.text, n, event.timeNs);
    },
    busiestProcesses(nowNs, limit) {
      return top(processes, nowNs, limit).map(([key, row]) => {
        const who = comms.get(key) ?? { pid: Number(key.split('\t')[0]), comm: key.split('\t')[1] ?? '' };
        return { ...who, ...row };
      });
    },
    busiestPaths(nowNs, limit) {
      return top(paths, nowNs, limit).map(([path, row]) => ({ path, ...row }));
    },
  };
}
