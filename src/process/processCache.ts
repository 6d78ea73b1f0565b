/**
 * The processes the agent knows, by identity: (pid, start time). Bounded (least recently used go
 * first), indexed by pid; the few entries a reused pid accumulates (a process that exited, then a
 * new one) hang off the newest, so a late record of the old process still finds its own entry and
 * never the new holder of the pid.
 *
 * A start time from the kernel is exact (ns); one from /proc is in clock ticks (10 ms). Entries are
 * matched on the exact value where they have it, else on the tick, and learn the exact value from
 * the first kernel record that matches.
 */
import { LruMap } from '../shared/lruMap.js';
import type { PathText } from '../shared/pathText.js';
import type { ContextSource, ProcessContext } from './types.js';
import type { ContainerRef } from './containerId.js';
import { startTicks } from './procfs.js';
import type { Ancestor, ProcessRef } from './ancestry.js';

/** A parent or creator. */
export type ParentRef = ProcessRef;

export interface CachedProcess {
  readonly pid: number;
  startNs: bigint;
  exactStart: boolean;
  readonly startTicks: bigint;
  /** "pid@ticks": stable for the process whether its start came from the kernel or /proc */
  readonly key: string;
  parent: ParentRef | null;
  comm: string;
  exe: PathText | null;
  exeIno: bigint | null;
  exeDev: number | null;
  exeDeleted: boolean;
  cmdline: string | null;
  cmdlineTruncated: boolean;
  tty: string | null;
  source: ContextSource;
  /** a fork not yet resolved: the process whose program it runs */
  creator: ParentRef | null;
  exited: boolean;
  /** cgroup v1 hosts only: the container from /proc/PID/cgroup (undefined: not looked at yet) */
  container: ContainerRef | null | undefined;
  /** built on the first event of the process (it needs the ancestors) */
  context: ProcessContext | null;
  /** start as wall time, once formatted */
  startTime: string | null;
  /** this process as its descendants' ancestry lists it (one object shared by all of them) */
  asAncestor: Ancestor | null;
  /** earlier processes with the same pid, newest first */
  older: CachedProcess | null;
}

/** How many processes of one pid are kept (the current one and a few that exited). */
const MAX_PER_PID = 4;

export function newProcess(pid: number, startNs: bigint, exactStart: boolean, comm: string): CachedProcess {
  const ticks = startTicks(startNs);
  return {
    pid,
    startNs,
    exactStart,
    startTicks: ticks,
    key: `${pid}@${ticks}`,
    parent: null,
    comm,
    exe: null,
    exeIno: null,
    exeDev: null,
    exeDeleted: false,
    cmdline: null,
    cmdlineTruncated: false,
    tty: null,
    source: 'kernel',
    creator: null,
    exited: false,
    container: undefined,
    context: null,
    startTime: null,
    asAncestor: null,
    older: null,
  };
}

export class ProcessCache {
  readonly #byPid: LruMap<number, CachedProcess>;
  #evicted = 0;

  constructor(readonly capacity: number) {
    this.#byPid = new LruMap(capacity);
  }

  get size(): number {
    return this.#byPid.size;
  }

  /** processes dropped to stay within capacity */
  get evicted(): number {
    return this.#evicted;
  }

  /** The process (pid, startNs) with an exact start from the kernel, or undefined. Marks it used. */
  find(pid: number, startNs: bigint): CachedProcess | undefined {
    let entry: CachedProcess | null = this.#byPid.get(pid) ?? null;
    let ticks: bigint | null = null;
    while (entry !== null) {
      if (entry.exactStart) {
        if (entry.startNs === startNs) return entry;
      } else {
        ticks ??= startTicks(startNs);
        if (entry.startTicks === ticks) {
          entry.startNs = startNs;
          entry.exactStart = true;
          return entry;
        }
      }
      entry = entry.older;
    }
    return undefined;
  }

  /** The newest process known with this pid (for a parent named by /proc, without a start). */
  newest(pid: number): CachedProcess | undefined {
    return this.#byPid.get(pid);
  }

  /** Adds a process; an older one with the same pid is kept behind it, in start order. */
  insert(entry: CachedProcess): void {
    const head = this.#byPid.peek(entry.pid);
    if (head === undefined || head.startNs <= entry.startNs) {
      entry.older = head ?? null;
      if (this.#byPid.set(entry.pid, entry) !== undefined) this.#evicted++;
    } else {
      let at = head;
      while (at.older !== null && at.older.startNs > entry.startNs) at = at.older;
      entry.older = at.older;
      at.older = entry;
    }
    // bound the chain: the oldest processes of a much reused pid go first
    let kept = this.#byPid.peek(entry.pid)!;
    for (let n = 1; kept.older !== null; n++, kept = kept.older) {
      if (n >= MAX_PER_PID) {
        kept.older = null;
        break;
      }
    }
  }
}
