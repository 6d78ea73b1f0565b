#!/usr/bin/env node
/**
 * lsmwatch benchmark workloads for ONE sensor (make bench; test/bench/run.ts drives it).
 * Plain JavaScript on purpose: run.ts copies it to build/bench/ so that it also runs inside the VM
 * test bed (no tsx there), where the LSM sensor works. It measures, it never judges: the targets
 * and the tables are run.ts's business, nothing here fails on a timing.
 *
 *   node test/bench/guest.mjs --sensor tracepoint|lsm [--quick] [--pairs N] [--churn SECONDS]
 *        [--churn-rate PROCS_PER_S] [--touch PATHS] [--touch-budget SECONDS] [--tree FILES]
 *        [--min-ms MS] [--ingest-seconds S] [--only loops,ingest,rss] [--out FILE] [--markers]
 *
 * Output: progress on stderr; the results as one JSON document on stdout (with --markers: in
 * chunks of lines "@@BENCH-JSON <i>/<n> <text>", which survive the VM's serial console).
 * Exit status: 0 when every workload ran (whatever the numbers), 1 on an error, 3 when an lsmwatch
 * agent or BPF program of this run was left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- options ----------------------------------------------------------------------------------
const inVm = process.env.LSMWATCH_IN_VM === '1';

function parseOptions(argv) {
  const o = { sensor: null, quick: false, markers: false, out: null, only: null };
  const raw = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick': o.quick = true; break;
      case '--markers': o.markers = true; break;
      case '--verbose': o.verbose = true; break;
      case '--sensor': o.sensor = value(); break;
      case '--out': o.out = value(); break;
      case '--only': o.only = new Set(value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--pairs': case '--churn': case '--churn-rate': case '--touch': case '--touch-budget':
      case '--tree': case '--min-ms': case '--ingest-seconds': {
        const v = Number(value());
        if (!Number.isFinite(v) || v < 0) throw new Error(`${flag}: expected a number, got ${JSON.stringify(v)}`);
        raw[flag.slice(2)] = v;
        break;
      }
      default:
        throw new Error(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  if (o.sensor !== 'lsm' && o.sensor !== 'tracepoint') throw new Error('--sensor lsm|tracepoint is required');
  const q = o.quick;
  o.pairs = Math.max(1, Math.round(raw.pairs ?? (q ? 3 : 7)));
  o.churnSeconds = Math.max(3, Math.round(raw.churn ?? (q ? 20 : 600)));
  o.churnRate = Math.max(1, Math.round(raw['churn-rate'] ?? (inVm ? 50 : 200)));
  o.touchPaths = Math.max(1000, Math.round(raw.touch ?? (q ? 20_000 : 1_000_000)));
  o.touchBudget = raw['touch-budget'] ?? (q ? 20 : inVm ? 240 : 150);
  o.treeFiles = Math.max(100, Math.round(raw.tree ?? (q ? 1000 : 3000)));
  o.minMs = raw['min-ms'] ?? (q ? 300 : inVm ? 1000 : 500); // TCG timing is noisier: longer runs
  o.ingestSeconds = raw['ingest-seconds'] ?? (q ? (inVm ? 3 : 1.5) : inVm ? 6 : 4);
  o.agentTimeoutMs = inVm ? 300_000 : 60_000;
  return o;
}

const opts = parseOptions(process.argv.slice(2));
const want = (group) => !opts.only || opts.only.has(group);

// ---- paths --------------------------------------------------------------------------------------
function findRepoRoot(from) {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bin', 'lsmwatch.js'))) return dir;
  }
  throw new Error(`no lsmwatch checkout above ${from}`);
}
const root = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const agentBin = path.join(root, 'bin', 'lsmwatch.js');
const loopBin = path.join(root, 'build', 'bench', 'bench_loop');
if (!fs.existsSync(loopBin)) throw new Error(`${loopBin} is missing: run.ts compiles it (make bench)`);

const t0 = Date.now();
const log = (msg) => process.stderr.write(`[bench ${opts.sensor} +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const warnings = [];
const warn = (msg) => {
  warnings.push(msg);
  log(`WARNING: ${msg}`);
};

/** tmpfs for the sandbox: disk writeback would be noise; /dev/shm is tmpfs here and in the VM. */
function pickBase() {
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  for (const dir of ['/dev/shm', '/tmp']) {
    if (mounts.some((m) => m[1] === dir && m[2] === 'tmpfs')) return dir;
  }
  warn('no tmpfs for the sandbox: using the temp dir (disk writeback adds noise)');
  return os.tmpdir();
}
const box = fs.mkdtempSync(path.join(pickBase(), 'lsmwatch-bench-'));
const W = path.join(box, 'watched');
const U = path.join(box, 'unwatched');
fs.mkdirSync(W);
fs.mkdirSync(U);
const policyFile = path.join(box, 'policy.json');
fs.writeFileSync(policyFile, JSON.stringify({ watch: [W + '/'], stats: { interval: 3600 } }));
// ingest measures the agent, not the kernel's aggregation: every write is its own record
const ingestPolicyFile = path.join(box, 'policy-ingest.json');
fs.writeFileSync(ingestPolicyFile, JSON.stringify({ watch: [W + '/'], stats: { interval: 3600 }, aggregate: { window_ms: 0 } }));
const controlSock = path.join(box, 'control.sock');

// ---- BPF bookkeeping ----------------------------------------------------------------------------
function bpftool(args) {
  const r = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout || 'null');
}
/** Ids of every lsmwatch program (name lw_*) loaded now. */
function lwProgramIds() {
  const r = spawnSync('bpftool', ['prog', 'list'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ids = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = / name lw_/.test(line) ? /^(\d+):/.exec(line) : null;
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}
/** The BPF programs and maps an agent process holds, from /proc/<pid>/fdinfo. */
function bpfObjectsOf(pid) {
  const progs = new Set();
  const maps = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!target.startsWith('anon_inode:bpf')) continue;
    let info;
    try {
      info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const p = /^prog_id:\s*(\d+)/m.exec(info);
    const m = /^map_id:\s*(\d+)/m.exec(info);
    if (p) progs.add(Number(p[1]));
    if (m) maps.add(Number(m[1]));
  }
  return { progs: [...progs], maps: [...maps] };
}
/** Decodes a bpftool value: a number, or little-endian hex bytes ["0x01", ...]. */
function bpfNumber(v) {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.reduceRight((acc, b) => acc * 256 + parseInt(b, 16), 0);
  return Number(v);
}
const STAT_NAMES = ['seen', 'filtered', 'emitted', 'lost', 'verdict_miss', 'path_truncated', 'denied', 'aggregated', 'flushed', 'flush_lost', 'aggregated_reported', 'aggregated_lost'];
/** Kernel counters of one agent (its lw_stats per-CPU array), summed over CPUs. */
function kernelCounters(mapId) {
  if (mapId == null) return null;
  try {
    const entries = bpftool(['map', 'dump', 'id', String(mapId)]);
    const out = Object.fromEntries(STAT_NAMES.map((n) => [n, 0]));
    for (const e of entries) {
      const f = e.formatted ?? e;
      const key = bpfNumber(f.key);
      const name = STAT_NAMES[key];
      if (!name) continue;
      out[name] = (f.values ?? []).reduce((s, v) => s + bpfNumber(v.value), 0);
    }
    return out;
  } catch (err) {
    warn(`reading the kernel counters failed: ${err.message}`);
    return null;
  }
}
/** run_time_ns and run_cnt of the given programs (kernel.bpf_stats_enabled=1), by name. */
function progStats(ids) {
  const want = new Set(ids);
  const out = new Map();
  try {
    for (const p of bpftool(['prog', 'show'])) {
      if (!want.has(p.id)) continue;
      out.set(p.name ?? String(p.id), { ns: p.run_time_ns ?? 0, cnt: p.run_cnt ?? 0 });
    }
  } catch (err) {
    warn(`reading program run times failed: ${err.message}`);
  }
  return out;
}
/** Adds after - before of every program to acc (name → {ns, cnt}). */
function addProgDiff(acc, before, after) {
  for (const [name, a] of after) {
    const b = before.get(name) ?? { ns: 0, cnt: 0 };
    const cur = acc.get(name) ?? { ns: 0, cnt: 0 };
    acc.set(name, { ns: cur.ns + a.ns - b.ns, cnt: cur.cnt + a.cnt - b.cnt });
  }
}
/** kernel.bpf_stats_enabled: on for the run (per-program cost), then back to what it was. */
let bpfStatsBefore = null;
function enableBpfStats() {
  try {
    bpfStatsBefore = fs.readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
    fs.writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
  } catch (err) {
    warn(`kernel.bpf_stats_enabled could not be set (${err.message}): no per-program costs`);
    bpfStatsBefore = null;
  }
}
function restoreBpfStats() {
  if (bpfStatsBefore === null) return;
  try {
    fs.writeFileSync('/proc/sys/kernel/bpf_stats_enabled', bpfStatsBefore);
  } catch {
    // best effort
  }
  bpfStatsBefore = null;
}
const diffCounters = (a, b) => (a && b ? Object.fromEntries(STAT_NAMES.map((n) => [n, b[n] - a[n]])) : null);

// ---- processes ----------------------------------------------------------------------------------
const running = new Set(); // agents (and helpers) still to stop if something fails
const ourProgIds = new Set();
const agentPids = [];

function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}
function cpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return null;
  }
}

function controlStatus() {
  return new Promise((resolve) => {
    const sock = net.createConnection(controlSock);
    let buf = '';
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(2000, () => done(null));
    sock.on('connect', () => sock.write('{"command":"status"}\n'));
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        try {
          done(JSON.parse(buf.slice(0, buf.indexOf('\n'))));
        } catch {
          done(null);
        }
      }
    });
    sock.on('error', () => done(null));
  });
}

/**
 * Starts an agent for the bench policy. stdout: 'null' (/dev/null), a file path, or a writable
 * stream with an fd (a pipe to jq). Resolves once the agent answers on its control socket, which it
 * opens after its programs are attached (events from then on are in the ring buffer).
 */
async function startAgent(options = {}) {
  // Another build of the checkout (make build removes build/dist first) makes the agent exit with
  // "not built yet": wait for it to finish instead of failing the whole run.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAgentOnce(options);
    } catch (err) {
      if (!/not built yet/.test(err.message) || attempt >= 36) throw err;
      if (attempt === 1) warn('the agent is not built right now (a build is running in this checkout?): waiting for it');
      await sleep(5000);
    }
  }
}

async function startAgentOnce({ stdout = 'null', extra = [], inspect = true, policy = policyFile } = {}) {
  const errFile = path.join(box, `agent-${agentPids.length}.stderr`);
  const errFd = fs.openSync(errFile, 'w');
  let outFd = null;
  let outStdio;
  if (stdout === 'null') outStdio = outFd = fs.openSync('/dev/null', 'w');
  else if (typeof stdout === 'string') outStdio = outFd = fs.openSync(stdout, 'w');
  else outStdio = stdout;
  const args = [agentBin, '--sensor', opts.sensor, '--no-state', '--policy', policy, '--control', controlSock, ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', outStdio, errFd], cwd: root });
  if (outFd !== null) fs.closeSync(outFd);
  fs.closeSync(errFd);
  const exited = new Promise((res) => child.on('exit', (code, signal) => res(code ?? signal)));
  const agent = {
    child,
    pid: child.pid,
    errFile,
    exited,
    exitStatus: undefined,
    stderr: () => {
      try {
        return fs.readFileSync(errFile, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (agent.exitStatus !== undefined) return agent.exitStatus;
      child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), opts.agentTimeoutMs)));
      const status = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (status === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        running.delete(agent);
        throw new Error(`the agent (pid ${child.pid}) did not stop within ${opts.agentTimeoutMs / 1000}s of SIGTERM; killed. stderr:\n${agent.stderr()}`);
      }
      running.delete(agent);
      agent.exitStatus = status;
      if (status !== 0) throw new Error(`the agent exited ${status} after SIGTERM; stderr:\n${agent.stderr()}`);
      return status;
    },
  };
  agentPids.push(child.pid);
  running.add(agent);
  void exited.then((s) => {
    if (agent.exitStatus === undefined) agent.exitStatus = s;
  });
  const started = Date.now();
  for (;;) {
    if (agent.exitStatus !== undefined) {
      running.delete(agent);
      throw new Error(`the agent exited (${agent.exitStatus}) during start-up; stderr:\n${agent.stderr()}`);
    }
    const st = await controlStatus();
    if (st && st.ok) {
      if (st.sensor !== opts.sensor) throw new Error(`the agent runs the ${st.sensor} sensor, not ${opts.sensor}`);
      break;
    }
    if (Date.now() - started > opts.agentTimeoutMs) {
      await agent.stop().catch(() => {});
      throw new Error(`the agent did not come up within ${opts.agentTimeoutMs / 1000}s; stderr:\n${agent.stderr()}`);
    }
    await sleep(50);
  }
  agent.startMs = Date.now() - started;
  agent.progIds = [];
  agent.statsMapId = null;
  // Looking at /proc/<agent>/fd is itself an event under the LSM sensor (a ptrace read check on the
  // agent): the ingest steps, which count every event, skip it (the VM checks for leftovers globally).
  if (!inspect) return agent;
  const objs = bpfObjectsOf(child.pid);
  agent.progIds = objs.progs;
  for (const id of objs.progs) ourProgIds.add(id);
  try {
    const maps = bpftool(['map', 'show']);
    const mine = new Set(objs.maps);
    agent.statsMapId = maps.find((m) => mine.has(m.id) && m.name === 'lw_stats')?.id ?? null;
  } catch (err) {
    warn(`bpftool map show failed: ${err.message}`);
  }
  if (agent.statsMapId == null) warn(`no lw_stats map found for agent pid ${child.pid}: per-workload kernel counters unavailable`);
  return agent;
}

/** Runs bench_loop synchronously and returns its JSON. */
function loop(args) {
  const r = spawnSync(loopBin, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench_loop ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
/** Runs bench_loop in the background (the event loop stays free to sample RSS). */
function loopAsync(args) {
  const child = spawn(loopBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  running.add({ stop: async () => child.kill('SIGKILL') });
  return new Promise((resolve, reject) =>
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`bench_loop ${args.join(' ')} failed (${code ?? signal}): ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    }),
  );
}
function sh(script) {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`sh -c ${JSON.stringify(script)} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}
function timeSh(script) {
  const start = process.hrtime.bigint();
  sh(script);
  return Number(process.hrtime.bigint() - start);
}
function rmrf(p) {
  fs.rmSync(p, { recursive: true, force: true });
}

// ---- machine ------------------------------------------------------------------------------------
function cpuJiffies() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] || 0);
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}
/** Share of all CPUs busy over `ms` while this bench does nothing: other work on the machine. */
async function cpuBusy(ms = 2000) {
  const a = cpuJiffies();
  await sleep(ms);
  const b = cpuJiffies();
  const total = b.total - a.total;
  return total > 0 ? Math.round((1 - (b.idle - a.idle) / total) * 100) : null;
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.cpus().length,
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    kernel: os.release(),
    memMb: Math.round(os.totalmem() / 2 ** 20),
    inVm,
    tcg: inVm && /QEMU TCG/i.test(cpuinfo),
    node: process.version,
    loadavg: os.loadavg(),
  };
}

// ---- 1-3: loops and tools, agent off and on, alternating -------------------------------------
function makeTree() {
  const tree = path.join(U, 'tree');
  const perDir = 100;
  for (let i = 0; i < opts.treeFiles; i++) {
    const dir = path.join(tree, `d${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) fs.mkdirSync(dir, { recursive: true });
    const size = 64 + ((i * 2654435761) % 4032); // 64 B .. 4 KiB, deterministic
    fs.writeFileSync(path.join(dir, `f${i}.txt`), Buffer.alloc(size, 97 + (i % 26)));
  }
  const archive = path.join(U, 'tree.tar');
  sh(`tar -cf '${archive}' -C '${U}' tree`);
  return { tree, archive };
}

function loopWorkloads(tree, archive) {
  fs.writeFileSync(path.join(U, 'open.txt'), 'x');
  fs.writeFileSync(path.join(W, 'open.txt'), 'x');
  fs.writeFileSync(path.join(W, 'open-w.txt'), 'x');
  const tarRoot = path.join(W, 'tar');
  // events a watched workload's run should produce (bench_loop counts them); unwatched: none
  const bin = (args, watched) => ({ run: (n) => {
    const r = loop(args(n));
    return { ...r, events: watched ? r.events : 0 };
  } });
  return [
    { id: 'open_unwatched', label: 'open/close, unwatched path', unit: 'op', start: 2000, ...bin((n) => ['open', path.join(U, 'open.txt'), String(n), 'r'], false) },
    { id: 'open_watched_read', label: 'open/close (read), watched path, no event', unit: 'op', start: 2000, ...bin((n) => ['open', path.join(W, 'open.txt'), String(n), 'r'], true) },
    { id: 'open_watched_write', label: 'open/close (write), watched path, 1 event each', unit: 'op', start: 2000, ...bin((n) => ['open', path.join(W, 'open-w.txt'), String(n), 'w'], true) },
    { id: 'write1_unwatched', label: '1-byte writes, unwatched file', unit: 'op', start: 5000, ...bin((n) => ['write', path.join(U, 'w1'), '1', String(n)], false) },
    { id: 'write4k_unwatched', label: '4 KiB writes, unwatched file', unit: 'op', start: 2000, ...bin((n) => ['write', path.join(U, 'w4k'), '4096', String(n)], false) },
    { id: 'write1_watched', label: '1-byte writes, watched file', unit: 'op', start: 5000, ...bin((n) => ['write', path.join(W, 'w1'), '1', String(n)], true) },
    { id: 'write4k_watched', label: '4 KiB writes, watched file', unit: 'op', start: 2000, ...bin((n) => ['write', path.join(W, 'w4k'), '4096', String(n)], true) },
    {
      id: 'tar_watched',
      label: `tar -x of ${opts.treeFiles} files into a watched dir`,
      unit: 'run',
      start: 1,
      run(n) {
        rmrf(tarRoot);
        for (let i = 0; i < n; i++) fs.mkdirSync(path.join(tarRoot, String(i)), { recursive: true });
        const ns = timeSh(`for d in '${tarRoot}'/*; do tar -xf '${archive}' -C "$d" || exit 1; done`);
        rmrf(tarRoot);
        return { ns, ops: n, events: null };
      },
    },
    {
      id: 'find_stat_unwatched',
      label: `find + stat sweep of ${opts.treeFiles} unwatched files`,
      unit: 'run',
      start: 1,
      run(n) {
        // one untimed sweep first, in both blocks: the first one after tar's clean-up is slower (caches)
        sh(`find '${tree}' -type f | xargs stat -c %s >/dev/null`);
        const ns = timeSh(`i=0; while [ $i -lt ${n} ]; do find '${tree}' -type f | xargs stat -c %s >/dev/null || exit 1; i=$((i+1)); done`);
        return { ns, ops: n, events: null };
      },
    },
  ];
}

/** One more agent-on block, not part of the ratios (per-program accounting has a cost of its own):
 * kernel.bpf_stats_enabled=1, each workload once, run_time_ns / run_cnt of every program. */
async function measureProgramCosts(workloads) {
  enableBpfStats();
  if (bpfStatsBefore === null) return;
  log('loops: one more agent-on block with kernel.bpf_stats_enabled=1 for the per-program costs');
  const agent = await startAgent();
  try {
    await sleep(inVm ? 1000 : 300);
    for (const w of workloads) {
      await sleep(SETTLE_MS);
      await waitAgentIdle(agent.pid, 300, 30_000);
      const before = progStats(agent.progIds);
      const res = w.run(w.n);
      addProgDiff(w.progs, before, progStats(agent.progIds));
      w.ops += res.ops ?? w.n;
    }
  } finally {
    await agent.stop();
    restoreBpfStats();
  }
}

/** Pause before every measured run, agent off or on (plus, agent on, until the agent is idle). */
const SETTLE_MS = 300;

/** Grows n until one run (agent off) lasts at least opts.minMs. */
function calibrate(w) {
  let n = w.start;
  const target = opts.minMs * 1e6;
  for (let i = 0; i < 12; i++) {
    const r = w.run(n);
    if (r.ns >= target) return n;
    const scale = Math.min(20, Math.max(1.3, (target * 1.15) / Math.max(r.ns, 1)));
    n = Math.ceil(n * scale);
  }
  return n;
}

async function runLoops() {
  log(`loops: building a ${opts.treeFiles}-file tree, calibrating each workload to >= ${opts.minMs} ms with the agent off`);
  const { tree, archive } = makeTree();
  const workloads = loopWorkloads(tree, archive);
  for (const w of workloads) {
    w.n = calibrate(w);
    w.off = [];
    w.on = [];
    w.kernel = { emitted: 0, aggregated: 0, lost: 0, expected: 0, known: true };
    w.progs = new Map();
    w.ops = 0;
  }
  const rounds = [];
  for (let r = 0; r < opts.pairs; r++) {
    log(`loops: pair ${r + 1}/${opts.pairs}: agent off`);
    for (const w of workloads) {
      await sleep(SETTLE_MS); // as in the on block: the kernel finishes the previous workload's clean-up
      w.off.push(w.run(w.n).ns / w.n);
    }
    log(`loops: pair ${r + 1}/${opts.pairs}: agent on`);
    const agent = await startAgent();
    const round = { startMs: agent.startMs, kernel: null };
    const first = kernelCounters(agent.statsMapId);
    try {
      await sleep(inVm ? 1000 : 300); // let start-up settle (JIT, first integrity pass)
      for (const w of workloads) {
        const idleStart = Date.now();
        await sleep(SETTLE_MS);
        await waitAgentIdle(agent.pid, 300, 30_000); // the previous workload's backlog is not this one's cost
        const idleMs = Date.now() - idleStart;
        const before = kernelCounters(agent.statsMapId);
        const res = w.run(w.n);
        if (opts.verbose) log(`  ${w.id}: waited ${idleMs} ms for the agent to go idle, then ${(res.ns / 1e6).toFixed(0)} ms`);
        w.on.push(res.ns / w.n);
        const d = diffCounters(before, kernelCounters(agent.statsMapId));
        if (d) {
          w.kernel.emitted += d.emitted;
          w.kernel.aggregated += d.aggregated;
          w.kernel.lost += d.lost;
        } else w.kernel.known = false;
        if (res.events != null) w.kernel.expected += res.events;
        else w.kernel.expected = null;
      }
      round.kernel = diffCounters(first, kernelCounters(agent.statsMapId));
    } finally {
      await agent.stop();
    }
    rounds.push(round);
  }
  await measureProgramCosts(workloads);
  rmrf(tree);
  return {
    rounds,
    workloads: workloads.map((w) => {
      const ratios = w.off.map((off, i) => w.on[i] / off);
      return {
        id: w.id,
        label: w.label,
        unit: w.unit,
        n: w.n,
        offNsPerOp: w.off,
        onNsPerOp: w.on,
        ratios,
        off: median(w.off),
        on: median(w.on),
        ratio: median(ratios),
        kernel: w.kernel.known ? { emitted: w.kernel.emitted, aggregated: w.kernel.aggregated, lost: w.kernel.lost, expected: w.kernel.expected } : null,
        // per BPF program, agent on: average cost of one run, and runs per workload op
        programs: [...w.progs.entries()]
          .filter(([, v]) => v.cnt > 0)
          .sort((a, b) => b[1].ns - a[1].ns)
          .map(([name, v]) => ({ name, avgNs: v.ns / v.cnt, runsPerOp: v.cnt / Math.max(1, w.ops), totalNsPerOp: v.ns / Math.max(1, w.ops) })),
      };
    }),
  };
}

// ---- 4: ingest ----------------------------------------------------------------------------------
function readFinalStats(file) {
  const st = fs.statSync(file);
  const len = Math.min(st.size, 1 << 20);
  const buf = Buffer.alloc(len);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, buf, 0, len, st.size - len);
  fs.closeSync(fd);
  const lines = buf.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].includes('"type":"stats"')) continue;
    try {
      const o = JSON.parse(lines[i]);
      if (o.type === 'stats' && o.final === true) return o;
    } catch {
      // a cut line at the start of the tail
    }
  }
  return null;
}
/** NDJSON lines per "type" in an output file (every line starts with {"type":"...). */
function countLinesByType(file) {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(8 << 20);
  const counts = {};
  let carry = '';
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    const text = carry + chunk.toString('latin1', 0, n);
    const lastNl = text.lastIndexOf('\n');
    const re = /^\{"type":"([a-z_]+)"/gm;
    const done = text.slice(0, lastNl + 1);
    for (let m = re.exec(done); m; m = re.exec(done)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    carry = text.slice(lastNl + 1);
  }
  fs.closeSync(fd);
  return counts;
}
/** Record types: the lines the agent counts as "emitted" (alerts, stats, ready... are not records). */
const FILE_RECORD_TYPES = ['open', 'write', 'rename', 'unlink', 'rmdir', 'truncate', 'chmod', 'chown', 'utimes'];
const OTHER_RECORD_TYPES = ['ptrace', 'signal', 'bpf_access', 'task', 'cgroup'];
function fileSize(f) {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
}
/** Waits until `file` stops growing (the agent has written everything it had); returns ms waited. */
async function waitQuiet(file, quietMs = 300, maxMs = 60_000) {
  const start = Date.now();
  let last = fileSize(file);
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await sleep(50);
    const s = fileSize(file);
    if (s !== last) {
      last = s;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return since - start;
  }
  return maxMs;
}

/**
 * One step: an agent, a writer doing `rate` 1-byte writes per second to a watched file for
 * `seconds` (rate 0: `count` writes as fast as possible), then SIGTERM and the final stats line.
 * sink 'file': stdout to a file on tmpfs; 'jq': stdout piped to `jq -c .` writing to a file;
 * 'stalled': stdout piped to a reader that reads nothing for `stallMs`.
 */
async function ingestStep({ rate, seconds, count, sink = 'file', extra = [], stallMs = 0 }) {
  const out = path.join(box, `ingest-${sink}.ndjson`);
  const target = path.join(W, 'ingest');
  rmrf(out);
  // the writer opens with O_TRUNC: a file left by the step before would add a truncate record
  rmrf(target);
  let reader = null;
  let agent;
  if (sink === 'file') {
    agent = await startAgent({ stdout: out, extra, inspect: opts.sensor !== 'lsm', policy: ingestPolicyFile });
  } else {
    const outFd = fs.openSync(out, 'w');
    reader =
      sink === 'jq'
        ? spawn('jq', ['-c', '.'], { stdio: ['pipe', outFd, 'ignore'] })
        : spawn('sh', ['-c', `sleep ${stallMs / 1000}; exec cat`], { stdio: ['pipe', outFd, 'ignore'] });
    fs.closeSync(outFd);
    const readerExit = new Promise((res) => reader.on('exit', (code, signal) => res(code ?? signal)));
    reader.exitStatus = readerExit;
    reader.startedAt = Date.now();
    running.add({ stop: async () => reader.kill('SIGKILL') });
    try {
      agent = await startAgent({ stdout: reader.stdin, extra, inspect: opts.sensor !== 'lsm', policy: ingestPolicyFile });
    } finally {
      reader.stdin.destroy(); // the agent holds the pipe's only write end now
    }
  }
  let res;
  let drainMs = null;
  let stats = null;
  let eventLines = null;
  try {
    await sleep(inVm ? 1000 : 300);
    res = count ? loop(['count', target, String(count)]) : loop(['rate', target, String(rate), String(seconds)]);
    if (stallMs) await sleep(Math.max(0, reader.startedAt + stallMs - Date.now()) + 500); // the reader starts reading
    drainMs = await waitQuiet(out);
  } finally {
    await agent.stop();
    if (reader) await reader.exitStatus;
  }
  stats = readFinalStats(out);
  if (!stats) throw new Error(`no final stats line in ${out} (${sink}); agent stderr:\n${agent.stderr()}`);
  const byType = countLinesByType(out);
  const fileLines = FILE_RECORD_TYPES.reduce((n, t) => n + (byType[t] ?? 0), 0);
  const otherLines = OTHER_RECORD_TYPES.reduce((n, t) => n + (byType[t] ?? 0), 0);
  eventLines = fileLines + otherLines;
  rmrf(out);
  const achieved = res.writes / (res.ns / 1e9);
  const k = stats.kernel;
  const a = stats.agent;
  // the writer's events, plus records the run itself causes (under LSM: the SIGTERM to the agent)
  const generated = res.events + otherLines;
  const checks = {
    kernelBalance: k.seen === k.filtered + k.aggregated + k.emitted + k.lost,
    aggregatedBalance: k.aggregated === k.aggregated_reported + k.aggregated_lost,
    receivedAll: a.received === k.emitted + k.flushed + (k.process_records ?? 0),
    queueBalance: a.queued_bytes === 0 && a.received === a.delivered + a.dropped_queue,
    decodeBalance: a.delivered === a.decoded + a.invalid,
    outputBalance: a.decoded === a.emitted + a.dropped_output + (a.process_records ?? 0),
    lostTotal: stats.lost === k.lost + k.aggregated_lost + a.dropped_queue - (a.process_records_dropped ?? 0) + a.invalid + a.dropped_output,
    generatedBalance: a.emitted + stats.lost === generated,
    linesMatch: eventLines === a.emitted,
  };
  return {
    sink,
    offered: rate || null,
    seconds: res.ns / 1e9,
    writes: res.writes,
    achieved: Math.round(achieved),
    generated,
    generatedByWriter: res.events,
    otherRecords: Object.fromEntries(OTHER_RECORD_TYPES.filter((t) => byType[t]).map((t) => [t, byType[t]])),
    linesByType: byType,
    emitted: a.emitted,
    lost: stats.lost,
    lostKernel: k.lost,
    droppedQueue: a.dropped_queue,
    droppedOutput: a.dropped_output,
    invalid: a.invalid,
    eventLines,
    drainMs,
    exact: Object.values(checks).every(Boolean),
    checks,
    stats,
  };
}

function ingestSummary(s) {
  return `offered ${s.offered ?? 'max'}/s achieved ${s.achieved}/s, generated ${s.generated}, emitted ${s.emitted}, lost ${s.lost} (ring ${s.lostKernel}, queue ${s.droppedQueue}, stdout ${s.droppedOutput}), drain ${s.drainMs} ms${s.exact ? '' : ' ACCOUNTING MISMATCH ' + JSON.stringify(s.checks)}`;
}

/** "Sustained": the backlog left when the writer stops is written out within this. Under TCG the
 * agent's wake-up latency alone is several hundred ms, hence the higher floor there. */
const drainLimitMs = (seconds) => Math.max(inVm ? 1500 : 500, seconds * 100);

/** Steps the offered load up until events are lost; returns the steps and the best lossless rate. */
async function ingestLadder(sink) {
  const seconds = opts.ingestSeconds;
  const factor = opts.quick ? 2 : 1.5;
  let rate = inVm ? 1000 : 20_000;
  const steps = [];
  let good = null;
  let bad = null;
  const ok = (s) => s.lost === 0 && s.exact && s.drainMs <= drainLimitMs(seconds);
  const step = async (r) => {
    const s = await ingestStep({ rate: r, seconds, sink });
    s.sustained = ok(s);
    steps.push(s);
    log(`ingest ${sink}: ${ingestSummary(s)}${s.sustained ? '' : ' -> not sustained'}`);
    if (!s.exact) warn(`ingest ${sink} at ${r}/s: emitted + lost != generated: ${JSON.stringify(s.checks)}`);
    return s;
  };
  for (let i = 0; i < 20; i++) {
    const s = await step(Math.round(rate));
    if (s.sustained) {
      if (!good || s.achieved > good.achieved) good = s;
      if (s.achieved < 0.9 * s.offered) {
        log(`ingest ${sink}: the writer only achieved ${s.achieved}/s of ${s.offered}/s: the machine, not the agent, is the limit`);
        break;
      }
      rate *= factor;
    } else {
      bad = s;
      break;
    }
  }
  // refine between the last sustained rate and the first failing one
  const refinements = opts.quick ? 0 : 2;
  for (let i = 0; i < refinements && good && bad; i++) {
    const mid = Math.round((good.offered + bad.offered) / 2);
    if (mid - good.offered < good.offered * 0.05) break;
    const s = await step(mid);
    if (s.sustained) good = s.achieved > good.achieved ? s : good;
    else bad = s;
  }
  return { sink, seconds, drainLimitMs: drainLimitMs(seconds), steps, best: good ? good.achieved : 0, bestStep: good, firstFailing: bad };
}

async function runIngest() {
  const result = { file: null, jq: null, forced: [] };
  log('ingest: stdout to a file on tmpfs (the final stats line is needed; Node writes files and /dev/null alike, synchronously)');
  result.file = await ingestLadder('file');
  const hasJq = spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' }).status === 0;
  if (hasJq) {
    log('ingest: stdout piped to jq -c .');
    result.jq = await ingestLadder('jq');
  } else {
    log('ingest: no jq here: the jq variant is skipped');
  }
  // forced loss: the accounting must stay exact
  const count = inVm ? 100_000 : 500_000;
  log('ingest: forced loss with a 16 KiB ring buffer');
  const tiny = await ingestStep({ count, sink: 'file', extra: ['--ring-bytes', '16384', '--queue-bytes', '65536'] });
  tiny.case = 'tiny ring (--ring-bytes 16384 --queue-bytes 65536), unpaced writer';
  log(`forced loss, tiny ring: ${ingestSummary(tiny)}`);
  result.forced.push(tiny);
  log('ingest: forced loss with a stdout reader that stalls');
  const stalled = await ingestStep({ count, sink: 'stalled', stallMs: inVm ? 20_000 : 5000, extra: ['--queue-bytes', '65536'] });
  stalled.case = `stdout pipe not read for ${inVm ? 20 : 5} s (--queue-bytes 65536), unpaced writer`;
  log(`forced loss, stalled reader: ${ingestSummary(stalled)}`);
  result.forced.push(stalled);
  for (const f of result.forced) {
    if (!f.exact) warn(`forced loss (${f.case}): the accounting is not exact: ${JSON.stringify(f.checks)}`);
    if (f.lost === 0) warn(`forced loss (${f.case}): nothing was lost, so the case proved nothing`);
  }
  return result;
}

// ---- 5: RSS -------------------------------------------------------------------------------------
/** Waits until the agent has used no CPU for `quietMs` (it has processed its backlog). */
async function waitAgentIdle(pid, quietMs = 1000, maxMs = 120_000) {
  const start = Date.now();
  let last = cpuTicks(pid);
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await sleep(200);
    const t = cpuTicks(pid);
    if (t !== last) {
      last = t;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

async function runTouch(ingestBest) {
  // pace below the measured lossless ingest rate (3 events per path), fewer paths if that is slow
  const rate = ingestBest > 0 ? Math.max(500, Math.floor((ingestBest * 0.5) / 3)) : 0;
  let paths = opts.touchPaths;
  let reduced = false;
  if (rate > 0 && paths / rate > opts.touchBudget) {
    paths = Math.max(1000, Math.floor(rate * opts.touchBudget / 1000) * 1000);
    reduced = true;
  }
  log(`rss: touching ${paths} distinct watched paths at ${rate || 'max'} paths/s (create, write 1 byte, close, unlink: 3 events each)`);
  const dir = path.join(W, 'touch');
  fs.mkdirSync(dir);
  const agent = await startAgent();
  let res;
  const samples = [];
  let baseline;
  let after;
  let counters = null;
  try {
    await sleep(inVm ? 3000 : 1000);
    await waitAgentIdle(agent.pid, 500, 10_000);
    baseline = procStatus(agent.pid);
    const before = kernelCounters(agent.statsMapId);
    const timer = setInterval(() => samples.push(procStatus(agent.pid)?.rssKb), 500);
    try {
      res = await loopAsync(['touch', dir, String(paths), String(rate)]);
    } finally {
      clearInterval(timer);
    }
    await waitAgentIdle(agent.pid);
    after = procStatus(agent.pid);
    counters = diffCounters(before, kernelCounters(agent.statsMapId));
  } finally {
    await agent.stop();
  }
  rmrf(dir);
  const r = {
    paths,
    targetPaths: opts.touchPaths,
    reduced,
    rate,
    seconds: res.ns / 1e9,
    generated: res.events,
    kernel: counters,
    baselineRssMb: baseline.rssKb / 1024,
    rssMb: after.rssKb / 1024,
    hwmMb: after.hwmKb / 1024,
    maxSampleMb: Math.max(...samples.filter(Number.isFinite)) / 1024,
  };
  log(`rss touch: ${paths} paths in ${r.seconds.toFixed(1)} s; RSS ${r.baselineRssMb.toFixed(1)} MB before, ${r.rssMb.toFixed(1)} MB after, peak (VmHWM) ${r.hwmMb.toFixed(1)} MB; kernel ${JSON.stringify(counters)}`);
  if (counters && counters.lost > 0) warn(`rss touch: the kernel lost ${counters.lost} of ${res.events} events at ${rate} paths/s`);
  return r;
}

async function runChurn() {
  const seconds = opts.churnSeconds;
  log(`rss: churn of short-lived writers, ${opts.churnRate} processes/s for ${seconds} s (each: open, 4 writes, exit)`);
  const dir = path.join(W, 'churn');
  fs.mkdirSync(dir);
  const agent = await startAgent();
  const samples = [];
  let res;
  let counters = null;
  let final;
  try {
    await sleep(inVm ? 3000 : 1000);
    const before = kernelCounters(agent.statsMapId);
    const started = Date.now();
    const every = Math.max(500, Math.round((seconds * 1000) / 600));
    const timer = setInterval(() => {
      const s = procStatus(agent.pid);
      if (s) samples.push({ t: (Date.now() - started) / 1000, rssKb: s.rssKb });
    }, every);
    const progress = setInterval(() => {
      const last = samples.at(-1);
      log(`churn: ${Math.round((Date.now() - started) / 1000)}/${seconds} s, RSS ${last ? (last.rssKb / 1024).toFixed(1) : '?'} MB`);
    }, 60_000);
    try {
      res = await loopAsync(['churn', dir, String(opts.churnRate), String(seconds)]);
    } finally {
      clearInterval(timer);
      clearInterval(progress);
    }
    await waitAgentIdle(agent.pid, 500, 30_000);
    final = procStatus(agent.pid);
    counters = diffCounters(before, kernelCounters(agent.statsMapId));
  } finally {
    await agent.stop();
  }
  rmrf(dir);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const firstMb = median(samples.slice(0, third).map((s) => s.rssKb)) / 1024;
  const lastMb = median(samples.slice(-third).map((s) => s.rssKb)) / 1024;
  // least-squares slope over the whole run, MB per minute
  const n = samples.length;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rssKb, 0) / n;
  const cov = samples.reduce((s, x) => s + (x.t - mt) * (x.rssKb - mr), 0);
  const vt = samples.reduce((s, x) => s + (x.t - mt) ** 2, 0);
  const slopeMbPerMin = vt > 0 ? (cov / vt / 1024) * 60 : 0;
  const growthMb = lastMb - firstMb;
  const flat = growthMb <= Math.max(5, firstMb * 0.05);
  const r = {
    seconds,
    rate: opts.churnRate,
    procs: res.procs,
    failed: res.failed,
    generated: res.events,
    kernel: counters,
    samples: samples.length,
    firstThirdMb: firstMb,
    lastThirdMb: lastMb,
    growthMb,
    slopeMbPerMin,
    flat,
    maxMb: Math.max(...samples.map((s) => s.rssKb)) / 1024,
    hwmMb: final.hwmKb / 1024,
    rssSeriesMb: samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 60)) === 0).map((s) => [Math.round(s.t), +(s.rssKb / 1024).toFixed(1)]),
  };
  log(`rss churn: ${res.procs} writers; RSS first third ${firstMb.toFixed(1)} MB, last third ${lastMb.toFixed(1)} MB (${flat ? 'flat' : 'GROWING'}, slope ${slopeMbPerMin.toFixed(2)} MB/min), peak ${r.hwmMb.toFixed(1)} MB; kernel ${JSON.stringify(counters)}`);
  if (counters && counters.lost > 0) warn(`rss churn: the kernel lost ${counters.lost} of ${res.events} events`);
  return r;
}

// ---- main ---------------------------------------------------------------------------------------
async function stopEverything() {
  restoreBpfStats();
  for (const p of [...running]) {
    try {
      await p.stop();
    } catch (err) {
      log(`clean-up: ${err.message}`);
    }
  }
}

async function main() {
  const result = {
    sensor: opts.sensor,
    machine: machine(),
    options: {
      quick: opts.quick,
      pairs: opts.pairs,
      minMs: opts.minMs,
      treeFiles: opts.treeFiles,
      ingestSeconds: opts.ingestSeconds,
      touchPaths: opts.touchPaths,
      touchBudget: opts.touchBudget,
      churnSeconds: opts.churnSeconds,
      churnRate: opts.churnRate,
    },
    warnings,
  };
  const foreign = lwProgramIds();
  result.foreignProgramsAtStart = foreign;
  if (foreign.length) {
    warn(`${foreign.length} lsmwatch BPF program(s) of another agent are loaded (ids ${foreign.join(' ')}): "agent off" is not truly off, and they compete for CPU`);
  }
  let failed = null;
  process.on('SIGINT', () => {
    log('interrupted: stopping the agents');
    void stopEverything().then(() => process.exit(130));
  });
  process.on('SIGTERM', () => {
    log('terminated: stopping the agents');
    void stopEverything().then(() => process.exit(143));
  });
  result.errors = [];
  const part = async (name, fn) => {
    try {
      return await fn();
    } catch (err) {
      failed = err;
      result.errors.push({ part: name, error: String(err.stack ?? err) });
      result.error ??= `${name}: ${err.stack ?? err}`;
      log(`ERROR in ${name}: ${err.stack ?? err}`);
      await stopEverything();
      return undefined;
    }
  };
  result.cpuBusyBeforePct = await cpuBusy();
  if (result.cpuBusyBeforePct > 10) {
    warn(`the machine was ${result.cpuBusyBeforePct}% busy before the bench started (other work): the ratios are noisier`);
  }
  try {
    if (want('loops')) result.loops = await part('loops', runLoops);
    if (want('ingest')) result.ingest = await part('ingest', runIngest);
    if (want('rss')) {
      result.rss = {};
      result.rss.touch = await part('rss touch', () => runTouch(result.ingest?.file?.best ?? (inVm ? 20_000 : 200_000)));
      result.rss.churn = await part('rss churn', runChurn);
    }
    result.cpuBusyAfterPct = await cpuBusy();
    if (result.cpuBusyAfterPct > 10) warn(`the machine was ${result.cpuBusyAfterPct}% busy right after the bench (other work)`);
  } finally {
    await stopEverything();
    rmrf(box);
  }
  // nothing of this run may be left behind
  await sleep(500);
  let left = lwProgramIds();
  for (let i = 0; i < 20 && left.some((id) => ourProgIds.has(id)); i++) {
    await sleep(250);
    left = lwProgramIds();
  }
  const alivePids = agentPids.filter((pid) => fs.existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')));
  result.leftovers = {
    ours: left.filter((id) => ourProgIds.has(id)),
    foreign: left.filter((id) => !ourProgIds.has(id) && !foreign.includes(id)),
    agentPids: alivePids,
    ourProgramIds: [...ourProgIds],
    agentsStarted: agentPids.length,
  };
  const leftBehind = result.leftovers.ours.length > 0 || alivePids.length > 0 || (inVm && left.length > 0);
  if (leftBehind) log(`ERROR: left behind: ${JSON.stringify(result.leftovers)}`);
  result.durationS = (Date.now() - t0) / 1000;
  const json = JSON.stringify(result);
  if (opts.out) fs.writeFileSync(opts.out, json + '\n');
  if (opts.markers) {
    const size = 160;
    const chunks = Math.ceil(json.length / size);
    let text = '';
    for (let i = 0; i < chunks; i++) text += `@@BENCH-JSON ${i + 1}/${chunks} ${json.slice(i * size, (i + 1) * size)}\n`;
    process.stdout.write(text);
  } else if (!opts.out) {
    process.stdout.write(json + '\n');
  }
  process.exitCode = leftBehind ? 3 : failed ? 1 : 0;
}

await main();
