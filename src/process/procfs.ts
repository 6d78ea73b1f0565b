/**
 * What /proc says about a process the agent did not see start: its executable, arguments, parent,
 * terminal, cgroup. Everything here is untrusted and racy: files are read bounded, and the
 * process's start time is checked before and after, so a pid that was reused in between (or a
 * process that is gone) gives nothing instead of another process's facts.
 */
import { ARGS_MAX, PATH_MAX } from '../sensor/contract.js';

/** USER_HZ: /proc/PID/stat counts start times in these (100 on every Linux architecture lsmwatch supports). */
export const CLOCK_TICKS_PER_SECOND = 100;
export const NS_PER_TICK = 1_000_000_000n / BigInt(CLOCK_TICKS_PER_SECOND);

/** The kernel's start_boottime in ns → /proc/PID/stat's starttime (truncated, as the kernel does). */
export function startTicks(startNs: bigint): bigint {
  return startNs / NS_PER_TICK;
}

export interface ProcStat {
  comm: string;
  ppid: number;
  ttyNr: number;
  startTicks: bigint;
}

/** /proc/PID/stat: "PID (COMM) STATE PPID …"; COMM may hold spaces and parentheses, so the last ')' ends it. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close < open) return null;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, tty_nr 7, starttime 22
  const ppid = Number(fields[1]);
  const ttyNr = Number(fields[4]);
  const start = fields[19];
  if (!Number.isInteger(ppid) || !Number.isInteger(ttyNr) || start === undefined || !/^\d{1,20}$/.test(start)) return null;
  return { comm: text.slice(open + 1, close), ppid, ttyNr, startTicks: BigInt(start) };
}

export interface ProcIo {
  readFile(path: string, maxBytes: number): Buffer | null;
  readlink(path: string): Buffer | null;
  /** stat(2) through the path (follows /proc/PID/exe to the file, deleted or not): st_ino, st_dev */
  stat(path: string): { ino: bigint; dev: number } | null;
}

export interface ProcSnapshot {
  pid: number;
  comm: string;
  ppid: number;
  ttyNr: number;
  startTicks: bigint;
  /** the executable's path without " (deleted)"; null for kernel threads or when unreadable */
  exe: Buffer | null;
  exeDeleted: boolean;
  exeIno: bigint | null;
  exeDev: number | null;
  /** NUL-separated arguments, at most ARGS_MAX bytes */
  args: Buffer | null;
  argsTruncated: boolean;
  cgroup: string | null;
}

const DELETED = Buffer.from(' (deleted)');
const STAT_MAX = 2048;
const CGROUP_MAX = 8192;

function readStat(io: ProcIo, pid: number): ProcStat | null {
  const raw = io.readFile(`/proc/${pid}/stat`, STAT_MAX);
  return raw === null ? null : parseProcStat(raw.toString('utf8'));
}

/**
 * The process `pid`, if it is still the one that started at `expectTicks` (any start if null).
 * Null when it is gone, was replaced by another process with the same pid, or /proc is unreadable.
 */
export function readProcess(io: ProcIo, pid: number, expectTicks: bigint | null): ProcSnapshot | null {
  const before = readStat(io, pid);
  if (before === null || (expectTicks !== null && before.startTicks !== expectTicks)) return null;
  let exe = io.readlink(`/proc/${pid}/exe`);
  let exeDeleted = false;
  if (exe !== null && exe.length > PATH_MAX) exe = exe.subarray(exe.length - PATH_MAX);
  if (exe !== null && exe.length > DELETED.length && exe.subarray(exe.length - DELETED.length).equals(DELETED)) {
    exe = exe.subarray(0, exe.length - DELETED.length);
    exeDeleted = true;
  }
  const exeStat = exe === null ? null : io.stat(`/proc/${pid}/exe`);
  const rawArgs = io.readFile(`/proc/${pid}/cmdline`, ARGS_MAX);
  const cgroupBytes = io.readFile(`/proc/${pid}/cgroup`, CGROUP_MAX);
  // the same process all along? (the pid may have been reused while we read)
  const after = readStat(io, pid);
  if (after === null || after.startTicks !== before.startTicks) return null;
  return {
    pid,
    comm: after.comm,
    ppid: after.ppid,
    ttyNr: after.ttyNr,
    startTicks: after.startTicks,
    exe,
    exeDeleted,
    exeIno: exeStat?.ino ?? null,
    exeDev: exeStat?.dev ?? null,
    args: rawArgs === null ? null : rawArgs.subarray(0, ARGS_MAX - 1),
    argsTruncated: rawArgs !== null && rawArgs.length >= ARGS_MAX,
    cgroup: cgroupBytes === null ? null : cgroupBytes.toString('utf8'),
  };
}

/** /proc/PID/cgroup of a process, if it is still the one that started at expectTicks. */
export function readCgroup(io: ProcIo, pid: number, expectTicks: bigint): string | null {
  const text = io.readFile(`/proc/${pid}/cgroup`, CGROUP_MAX);
  const stat = readStat(io, pid);
  return text !== null && stat !== null && stat.startTicks === expectTicks ? text.toString('utf8') : null;
}
