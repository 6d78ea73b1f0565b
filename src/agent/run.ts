/**
 * The `run` command, as a composition root: policy → sensor → batches (decode → enrich → typed
 * events → output sinks and consumers) → until a stop request. Each part lives in its own module;
 * this file only decides their order and what each is given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { createWallClock, type WallClock } from '../events/wallClock.js';
import { createInodePaths } from '../events/inodePaths.js';
import { createNotices, type Notices } from '../log/notices.js';
import { createNdjsonSink } from '../output/ndjsonSink.js';
import { createOutput, type Output, type Sink } from '../output/sink.js';
import { readyLine, type ReadyInfo } from '../output/records.js';
import { expandWildcardPaths } from '../policy/wildcards.js';
import { buildWatchEntries } from '../sensor/watchKeys.js';
import { probeHost } from '../sensor/hostSupport.js';
import { loadAddon, SensorError, type NativeAddon } from '../sensor/nativeAddon.js';
import { startControlServer } from '../control/controlServer.js';
import { loadAgentPolicy, type AgentPolicy } from './agentPolicy.js';
import type { RunOptions } from './runOptions.js';
import { applySettings, setUpSensor, type ActiveSensor } from './sensorSetup.js';
import { settleEnforcement } from './enforcement.js';
import { createStatsReporter } from './statsReporter.js';
import { startSelfIntegrity } from './selfIntegrity.js';
import { openStateTracking, type StateTracking } from './stateTracking.js';
import { createHistorySink } from './historySink.js';
import { agentPaths, setUpGuard, type Guard } from './guardSetup.js';
import { createRuntimeSettings, type RuntimeSettings } from './runtimeSettings.js';
import { createControlHandler } from './controlHandler.js';
import { createAlertOutput } from './alertOutput.js';
import { createSelfProtectionConsumer } from './selfProtectionAlerts.js';
import { createWriteDetection } from './writeDetection.js';
import { createEventConsumers, type EventConsumer } from './eventConsumers.js';
import { createBatchHandler } from './batchHandler.js';
import { listenForStop } from './stopRequests.js';
import { createProcessTracking, type ProcessTracking } from './processTracking.js';

export interface AgentIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  packageRoot: string;
  version: string;
}

function listDir(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

function watchEntriesOf(policy: AgentPolicy) {
  return buildWatchEntries({
    watch: expandWildcardPaths(policy.watch, listDir),
    watchReads: expandWildcardPaths(policy.watchReads, listDir),
    ignore: expandWildcardPaths(policy.ignore, listDir),
  });
}

/** The host must be able to run lsmwatch at all: root, and a kernel with BTF. */
function checkHost() {
  const probe = probeHost();
  if (!probe.isRoot) throw new SensorError('lsmwatch loads BPF programs and must run as root: sudo npx lsmwatch', 'EPERM');
  if (!probe.hasBtf) {
    throw new SensorError('this kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y', 'ENOBTF');
  }
  return probe;
}

/** The state database (baselines, history), opened before any program loads so a bad --db fails early. */
function openState(options: RunOptions, policy: AgentPolicy, output: Output, notices: Notices, clock: WallClock, io: AgentIo): StateTracking | null {
  if (options.dbPath === null) return null;
  try {
    return openStateTracking({
      dbPath: resolve(options.dbPath),
      config: policy.state,
      output,
      notices,
      nowRfc3339: clock.nowRfc3339,
      showProgress: Boolean(io.stderr.isTTY),
    });
  } catch (err) {
    throw new SensorError(`state database ${options.dbPath}: ${(err as Error).message}`, 'ESTATE');
  }
}

/** What the run has once the policy is read, the host checked and the output set up. */
interface Prepared {
  options: RunOptions;
  io: AgentIo;
  notices: Notices;
  clock: WallClock;
  policy: AgentPolicy;
  output: Output;
  state: StateTracking | null;
}

/** The event side of a running sensor: consumers, stats, and the handler of batches. */
function wireEvents(p: Prepared, active: ActiveSensor, processes: ProcessTracking) {
  const alerts = createAlertOutput(p.output, p.notices);
  const detection = createWriteDetection({
    config: p.policy.detect,
    alerts,
    toRfc3339: p.clock.toRfc3339,
    monotonicNowNs: p.clock.monotonicNowNs,
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
  });
  const consumerList: EventConsumer[] = [createSelfProtectionConsumer(alerts, p.notices), ...(p.state ? [p.state] : []), detection];
  const consumers = createEventConsumers(consumerList, p.notices, p.clock.monotonicNowNs);
  const stats = createStatsReporter({
    readNative: () => active.native.stats(),
    output: p.output,
    notices: p.notices,
    nowRfc3339: p.clock.nowRfc3339,
    monotonicNowNs: p.clock.monotonicNowNs,
    sensor: active.name,
    consumerErrors: () => consumers.errors,
    processCounts: () => processes.contexts.counts(),
  });
  const onBatch = createBatchHandler({
    enrich: {
      sensor: active.name,
      toRfc3339: p.clock.toRfc3339,
      agentPid: process.pid,
      lookupComm: readComm,
      inodePaths: createInodePaths(),
      processes: processes.contexts,
      accounts: processes.accounts,
    },
    output: p.output,
    consumers,
    stats,
    sensor: active.native,
  });
  return { detection, stats, onBatch };
}

/** --protect: the guard goes up once the programs are attached (their ids are known). */
function guardIfAsked(p: Prepared, active: ActiveSensor, settings: RuntimeSettings): Guard | null {
  if (!p.options.protect || !active.enforcement) return null;
  const guard = setUpGuard({
    native: active.native,
    paths: agentPaths(p.io.packageRoot, [p.policy.file, ...(p.options.dbPath === null ? [] : [resolve(p.options.dbPath)])]),
    watchdogSeconds: p.options.watchdogSeconds,
    applyProtect: () => settings.update({ protect: true }),
  });
  p.notices.info(`guard on: ${guard.info.files} files and ${guard.info.objects} BPF objects of the agent are protected`);
  return guard;
}

/** Run-time settings through the control socket (lsmwatch ctl); the agent runs on without it. */
function serveControl(p: Prepared, active: ActiveSensor, settings: RuntimeSettings) {
  const handler = createControlHandler({
    sensor: active.name,
    enforcement: active.enforcement,
    settings,
    output: p.output,
    notices: p.notices,
    nowRfc3339: p.clock.nowRfc3339,
    debugCommands: process.env.LSMWATCH_DEBUG_CONTROL === '1',
  });
  return startControlServer(p.options.controlPath, handler).catch((err: Error) => {
    p.notices.warn(`control socket unavailable, 'lsmwatch ctl' will not reach this agent: ${err.message}`);
    return null;
  });
}

function readyInfo(p: Prepared, active: ActiveSensor, settings: RuntimeSettings, guard: Guard | null): ReadyInfo {
  return {
    time: p.clock.nowRfc3339(),
    version: p.io.version,
    pid: process.pid,
    sensor: active.name,
    kernel: release(),
    enforcement: active.enforcement,
    forbidPtrace: settings.current.forbidPtrace,
    protect: settings.current.protect,
    guard: guard?.info ?? null,
    attached: active.attach.attached,
    skippedHooks: active.attach.skipped.map((s) => s.reason),
    policyFile: p.policy.file,
    policySha256: p.policy.sha256,
    watch: p.policy.watch,
    stateDb: p.options.dbPath === null ? null : resolve(p.options.dbPath),
    lsmUnavailable: active.fallbackReason,
  };
}

/** From attached programs to a stop request and an orderly end: detach, drain, final stats. */
async function runSensor(p: Prepared, active: ActiveSensor, addon: NativeAddon, stopRequested: Promise<string>): Promise<string> {
  settleEnforcement(active, p.options, addon, p.notices);
  const settings = createRuntimeSettings(
    { forbidPtrace: active.enforcement ? p.options.forbidPtrace : 'off', denyPtraceRead: p.policy.ptrace.denyRead, protect: false },
    (s) => applySettings(active.native, s),
  );
  const processes = createProcessTracking(p.policy.process, p.clock.bootToRfc3339);
  const { detection, stats, onBatch } = wireEvents(p, active, processes);
  const guard = guardIfAsked(p, active, settings);
  const control = await serveControl(p, active, settings);
  p.output.write(readyLine(readyInfo(p, active, settings, guard)));
  active.native.start(onBatch); // the addon drains the ring buffer while the scan below runs
  processes.start(); // reads /proc for what runs already; exec records of what starts now follow it
  detection.start();
  p.state?.start().catch((err: Error) => p.notices.warn(`reconciling the baseline failed: ${err.message}`));
  const statsTimer = setInterval(() => stats.report(false), (p.options.statsInterval ?? p.policy.stats.interval) * 1000);
  const lossTimer = setInterval(() => stats.checkLoss(), 5000);
  const integrity = await startSelfIntegrity({
    packageRoot: p.io.packageRoot,
    policy: p.policy,
    native: active.native,
    output: p.output,
    notices: p.notices,
    nowRfc3339: p.clock.nowRfc3339,
  });

  const why = await stopRequested;
  control?.close();
  guard?.stop();
  clearInterval(statsTimer);
  clearInterval(lossTimer);
  active.native.detach();
  active.native.flush(onBatch);
  await integrity.stop();
  detection.stop();
  processes.stop();
  await p.state?.stop();
  if (!p.io.stdout.destroyed) stats.report(true);
  return why;
}

export async function runAgent(options: RunOptions, io: AgentIo): Promise<number> {
  const notices = createNotices(io.stderr);
  const stop = listenForStop(io.stdout);
  // Node makes stdout pipes blocking on Linux: a reader that stops reading would then freeze the
  // whole agent (no signals, no integrity checks). Non-blocking, the sink sees back-pressure, the
  // sensor is paused, and losses are counted in bounded queues instead.
  (io.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(false);
  const clock = createWallClock();

  // 1. Everything the user gave is validated before anything native happens.
  const policy = loadAgentPolicy(resolve(options.policyFile));
  const watchEntries = watchEntriesOf(policy);
  const probe = checkHost();

  // 2. Output: stdout, and the history once the state database is open.
  const sinks: Sink[] = [createNdjsonSink('stdout', io.stdout)];
  const output = createOutput(sinks);
  const state = openState(options, policy, output, notices, clock, io);
  if (state) sinks.push(createHistorySink(state.store, notices));
  const prepared: Prepared = { options, io, notices, clock, policy, output, state };

  // 3. The sensor; from here on, whatever happens, nothing loaded outlives the run.
  let why: string;
  let active: ActiveSensor | null = null;
  try {
    const addon = loadAddon(io.packageRoot);
    active = setUpSensor({
      addon,
      choice: options.sensor,
      probe,
      watchEntries,
      settings: { forbidPtrace: options.forbidPtrace, denyPtraceRead: policy.ptrace.denyRead },
      ringBytes: options.ringBytes,
      aggregateWindowMs: policy.aggregate.windowMs,
      queueBytes: options.queueBytes,
    });
    if (active.fallbackReason) {
      notices.warn(`BPF LSM not used: ${active.fallbackReason}. Using the tracepoint sensor: it observes but cannot enforce.`);
    }
    why = await runSensor(prepared, active, addon, stop.requested);
  } catch (err) {
    state?.store.close();
    throw err;
  } finally {
    active?.native.close();
    stop.dispose();
  }
  notices.info(`stopped (${why}); all BPF programs detached`);
  return 0;
}
