/**
 * Who acted, for every event: the enrich stage's view of processes. The kernel's exec, fork and
 * exit records keep the process cache current; a process it has no record of (it started before
 * the agent, or its record was lost) is read from /proc once, its start time checked, and if it is
 * already gone the event keeps what its own record says (pid, start, comm, ids) and the miss is
 * counted. The executable, command line (secrets redacted), terminal and ancestry are per process
 * and built once; ids, names and the container are per event (a process can change its uid).
 */
import { ID_UNSET, RecordFlag } from '../sensor/contract.js';
import type { ExecRecordData, ForkRecordData, ProcessFields, ProcessRecordData } from '../sensor/decoder.js';
import { userDev } from '../sensor/deviceNumbers.js';
import { pathText, type PathText } from '../shared/pathText.js';
import type { ProcessContext, ProcessInfo } from './types.js';
import type { Accounts } from './accounts.js';
import { buildAncestry, privilegeTool, type AncestorNode } from './ancestry.js';
import { containerOfProcess, type CgroupResolver } from './cgroups.js';
import type { ContainerRef } from './containerId.js';
import { newProcess, ProcessCache, type CachedProcess, type ParentRef } from './processCache.js';
import { LruMap } from '../shared/lruMap.js';
import type { ProcessConfig } from './processConfig.js';
import { NS_PER_TICK, readCgroup, readProcess, startTicks, type ProcIo, type ProcSnapshot } from './procfs.js';
import { formatCmdline, redactArgs, splitArgs } from './redaction.js';
import { ttyFromDeviceNumber, ttyFromKernelName } from './tty.js';

export interface ProcessCounts {
  /** processes in the cache now */
  cached: number;
  /** exec, fork and exit records taken from the kernel */
  exec_records: number;
  fork_records: number;
  exit_records: number;
  /** processes read from /proc because no kernel record told of them (started before the agent) */
  procfs_reads: number;
  /** processes seen in events whose executable stayed unknown (gone before /proc was read, records lost) */
  misses: number;
  /** processes forgotten to stay within process.cache_size */
  evicted: number;
}

export interface ProcessContexts {
  /** an exec, fork or exit record */
  observe(rec: ProcessRecordData): void;
  /** the acting process of an event */
  actor(fields: ProcessFields): ProcessInfo;
  /** fills the cache from /proc (at start, after the programs are attached); returns the processes read */
  scan(pids: readonly number[]): number;
  counts(): ProcessCounts;
}

export interface ProcessContextDeps {
  config: ProcessConfig;
  proc: ProcIo;
  accounts: Accounts;
  cgroups: CgroupResolver;
  /** the kernel's boot-time ns → RFC 3339 */
  bootToRfc3339(bootNs: bigint): string;
}

const NO_ANCESTORS: readonly never[] = Object.freeze([]);
/** Forks of forks followed up to find the program they run. */
const MAX_FORK_CHAIN = 64;
/** Identities /proc was asked about in vain (gone, or the pid reused), so it is not asked again. */
const MISSING_REMEMBERED = 4096;

export function createProcessContexts(deps: ProcessContextDeps): ProcessContexts {
  const { config, proc, accounts, cgroups } = deps;
  const cache = new ProcessCache(config.cacheSize);
  const missing = new LruMap<string, true>(MISSING_REMEMBERED);
  const counts = { exec_records: 0, fork_records: 0, exit_records: 0, procfs_reads: 0, misses: 0 };

  const commandLine = (argv: string[] | null, truncated: boolean) => {
    if (argv === null || config.cmdlineMax === 0) return { cmdline: null, cmdlineTruncated: false };
    const formatted = formatCmdline(redactArgs(argv, config.redactionRules).args, config.cmdlineMax);
    return { cmdline: formatted.text, cmdlineTruncated: formatted.truncated || truncated };
  };

  const fromSnapshot = (snap: ProcSnapshot, exactStartNs: bigint | null): CachedProcess => {
    const entry = newProcess(snap.pid, exactStartNs ?? snap.startTicks * NS_PER_TICK, exactStartNs !== null, snap.comm);
    entry.parent = snap.ppid > 0 ? { pid: snap.ppid, startNs: null } : null;
    entry.exe = snap.exe === null ? null : pathText(snap.exe);
    entry.exeIno = snap.exeIno;
    entry.exeDev = snap.exeDev;
    entry.exeDeleted = snap.exeDeleted;
    Object.assign(entry, commandLine(snap.args === null ? null : splitArgs(snap.args), snap.argsTruncated));
    entry.tty = ttyFromDeviceNumber(snap.ttyNr);
    entry.source = 'procfs';
    if (!cgroups.unified) entry.container = containerOfProcess(snap.cgroup);
    return entry;
  };

  /** A process the cache has no entry for: /proc, if it is still there and still the same one. */
  const readFromProc = (pid: number, startNs: bigint | null): CachedProcess | undefined => {
    const key = startNs === null ? null : `${pid}@${startNs}`;
    if (key !== null && missing.peek(key) !== undefined) return undefined;
    counts.procfs_reads++;
    const snap = readProcess(proc, pid, startNs === null ? null : startTicks(startNs));
    if (snap === null) {
      if (key !== null) missing.set(key, true); // e.g. the parent of many children, gone
      return undefined;
    }
    const entry = fromSnapshot(snap, startNs);
    cache.insert(entry);
    return entry;
  };

  /**
   * A fork runs its creator's program until it execs: take the creator's. Forks of forks are
   * followed up (iteratively, and at most MAX_FORK_CHAIN levels: a fork bomb must not overflow the
   * stack) to the first process whose program is known, and its program is copied down.
   */
  const inherit = (entry: CachedProcess) => {
    const chain: CachedProcess[] = [];
    let at: CachedProcess | undefined = entry;
    while (at !== undefined && at.creator !== null && chain.length < MAX_FORK_CHAIN) {
      const creator: ParentRef = at.creator;
      at.creator = null;
      chain.push(at);
      const from = lookup(creator);
      at = from === undefined || chain.includes(from) ? undefined : from;
    }
    if (at === undefined || at.creator !== null) {
      counts.misses++;
      return;
    }
    for (const child of chain) {
      child.exe = at.exe;
      child.exeIno = at.exeIno;
      child.exeDev = at.exeDev;
      child.exeDeleted = at.exeDeleted;
      child.cmdline = at.cmdline;
      child.cmdlineTruncated = at.cmdlineTruncated;
      child.tty = at.tty;
    }
  };

  const lookup = (ref: ParentRef): CachedProcess | undefined => {
    const known = ref.startNs === null ? cache.newest(ref.pid) : cache.find(ref.pid, ref.startNs);
    if (known !== undefined) return known;
    return readFromProc(ref.pid, ref.startNs);
  };

  const ancestorNode = (ref: ParentRef): AncestorNode | undefined => {
    const entry = lookup(ref);
    if (entry === undefined) return undefined;
    if (entry.creator !== null) inherit(entry);
    entry.asAncestor ??= Object.freeze({ pid: entry.pid, comm: entry.comm, exe: entry.exe?.text ?? null });
    return { pid: entry.pid, startNs: entry.startNs, view: entry.asAncestor, parent: entry.parent };
  };

  const contextOf = (entry: CachedProcess): ProcessContext => {
    if (entry.creator !== null) inherit(entry);
    const ancestors = config.ancestors === 0 || entry.parent === null ? NO_ANCESTORS : buildAncestry(entry.parent, config.ancestors, ancestorNode);
    const context: ProcessContext = Object.freeze({
      exe: entry.exe,
      exeInode: entry.exeIno,
      exeDev: entry.exeDev,
      exeDeleted: entry.exeDeleted,
      cmdline: entry.cmdline,
      cmdlineTruncated: entry.cmdlineTruncated,
      tty: entry.tty,
      ancestors,
      via: privilegeTool({ comm: entry.comm, exe: entry.exe?.text ?? null }, ancestors),
      source: entry.source,
      memo: { serialized: undefined },
    });
    entry.context = context;
    return context;
  };

  const forgetProgram = (entry: CachedProcess) => {
    entry.exe = null;
    entry.exeIno = null;
    entry.exeDev = null;
    entry.exeDeleted = false;
    entry.cmdline = null;
    entry.cmdlineTruncated = false;
    entry.source = 'kernel';
  };

  /** The event's process, from the cache, /proc, or only its record. */
  const entryOf = (fields: ProcessFields, comm: PathText): CachedProcess => {
    const cached = cache.find(fields.pid, fields.startNs);
    if (cached !== undefined) return cached;
    const read = readFromProc(fields.pid, fields.startNs);
    if (read !== undefined) {
      // A process can exec between its event and this read (its exec record then follows in the
      // ring buffer): if the thread's name changed, what /proc shows may be the next program.
      const threadComm = proc.readFile(`/proc/${fields.pid}/task/${fields.tid}/comm`, 64)?.toString('utf8').replace(/\n$/, '');
      if (threadComm !== undefined && threadComm !== comm.text) {
        forgetProgram(read);
        counts.misses++;
      }
      read.parent = fields.ppid > 0 ? { pid: fields.ppid, startNs: fields.parentStartNs } : null;
      return read;
    }
    const entry = newProcess(fields.pid, fields.startNs, true, comm.text);
    entry.parent = fields.ppid > 0 ? { pid: fields.ppid, startNs: fields.parentStartNs } : null;
    cache.insert(entry);
    counts.misses++; // once per process: the entry answers its later events
    return entry;
  };

  const containerOf = (entry: CachedProcess, fields: ProcessFields): ContainerRef | null => {
    if (cgroups.unified) return cgroups.containerOfId(fields.cgroupId, fields.pid, entry.startTicks);
    if (entry.container === undefined) entry.container = containerOfProcess(readCgroup(proc, fields.pid, entry.startTicks));
    return entry.container;
  };

  const observeExec = (rec: ExecRecordData) => {
    counts.exec_records++;
    const p = rec.proc;
    let entry = cache.find(p.pid, p.startNs);
    const comm = pathText(p.comm).text;
    if (entry === undefined) {
      entry = newProcess(p.pid, p.startNs, true, comm);
      entry.parent = p.ppid > 0 ? { pid: p.ppid, startNs: p.parentStartNs } : null;
      cache.insert(entry);
    }
    entry.comm = comm;
    entry.exe = rec.exe.length > 0 ? pathText(rec.exe) : null;
    entry.exeIno = rec.exe.length > 0 ? rec.exeIno : null;
    entry.exeDev = rec.exe.length > 0 ? userDev(rec.exeDev) : null;
    entry.exeDeleted = (rec.flags & RecordFlag.EXE_DELETED) !== 0;
    Object.assign(entry, commandLine(splitArgs(rec.args), (rec.flags & RecordFlag.ARGS_TRUNCATED) !== 0));
    entry.tty = ttyFromKernelName(rec.tty.toString('utf8'));
    entry.source = 'exec';
    entry.creator = null;
    entry.context = null;
    entry.asAncestor = null;
    entry.container = undefined;
  };

  const observeFork = (rec: ForkRecordData) => {
    counts.fork_records++;
    const p = rec.parent;
    const child = newProcess(rec.childPid, rec.childStartNs, true, pathText(p.comm).text);
    // CLONE_PARENT gives the child its creator's parent
    child.parent = rec.childPpid === p.pid ? { pid: p.pid, startNs: p.startNs } : { pid: rec.childPpid, startNs: p.parentStartNs };
    child.creator = { pid: p.pid, startNs: p.startNs };
    child.source = 'fork';
    cache.insert(child);
  };

  return {
    observe(rec) {
      switch (rec.kind) {
        case 'exec':
          return observeExec(rec);
        case 'fork':
          return observeFork(rec);
        case 'exit': {
          counts.exit_records++;
          const entry = cache.find(rec.proc.pid, rec.proc.startNs);
          if (entry === undefined) return;
          // kept for its children's ancestry and late records (flushes); its event context is
          // rebuilt if one comes, so a churn of short-lived writers does not hold one each
          entry.exited = true;
          if (entry.context !== null) entry.context.memo.serialized = undefined;
          entry.context = null;
        }
      }
    },

    actor(fields) {
      const comm = pathText(fields.comm);
      const entry = entryOf(fields, comm);
      const context = entry.context ?? contextOf(entry);
      entry.startTime ??= deps.bootToRfc3339(fields.startNs);
      const loginUid = fields.loginUid === ID_UNSET ? null : fields.loginUid;
      return {
        pid: fields.pid,
        tid: fields.tid,
        ppid: fields.ppid,
        uid: fields.uid,
        gid: fields.gid,
        comm,
        startNs: fields.startNs,
        startTime: entry.startTime,
        key: entry.key,
        loginUid,
        sessionId: fields.sessionId === ID_UNSET ? null : fields.sessionId,
        cgroupId: fields.cgroupId,
        user: accounts.userName(fields.uid),
        group: accounts.groupName(fields.gid),
        loginUser: loginUid === null ? null : accounts.userName(loginUid),
        container: containerOf(entry, fields),
        context,
      };
    },

    scan(pids) {
      let read = 0;
      for (const pid of pids.slice(0, config.cacheSize)) {
        if (cache.newest(pid) !== undefined) continue;
        const snap = readProcess(proc, pid, null);
        if (snap === null) continue;
        cache.insert(fromSnapshot(snap, null));
        read++;
      }
      return read;
    },

    counts() {
      return { cached: cache.size, ...counts, evicted: cache.evicted };
    },
  };
}
