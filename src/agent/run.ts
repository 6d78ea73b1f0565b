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
import { readyLine } from '../output/records.js';
import { expandWildcardPaths } from '../policy/wildcards.js';
import { buildWatchEntries } from '../sensor/watchKeys.js';
import { probeHost } from '../sensor/hostSupport.js';
import { loadAddon, SensorError } from '../sensor/nativeAddon.js';
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
import { createRuntimeSettings } from './runtimeSettings.js';
import { createControlHandler } from './controlHandler.js';
import { createAlertOutput } from './alertOutput.js';
import { createSelfProtectionConsumer } from './selfProtectionAlerts.js';
import { createWriteDetection } from './writeDetection.js';
import { createEventConsumers, type EventConsumer } from './eventConsumers.js';
import { createBatchHandler } from './batchHandler.js';
import { listenForStop } from './stopRequests.js';

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

  // 3. The sensor.
  const addon = loadAddon(io.packageRoot);
  const active: ActiveSensor = setUpSensor({
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
  settleEnforcement(active, options, addon, notices);
  const settings = createRuntimeSettings(
    { forbidPtrace: active.enforcement ? options.forbidPtrace : 'off', denyPtraceRead: policy.ptrace.denyRead, protect: false },
    (s) => applySettings(active.native, s),
  );

  // 4. Consumers of events, and the batch handler that feeds them.
  const alerts = createAlertOutput(output, notices);
  const detection = createWriteDetection({
    config: policy.detect,
    alerts,
    toRfc3339: clock.toRfc3339,
    monotonicNowNs: clock.monotonicNowNs,
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
  });
  const consumerList: EventConsumer[] = [createSelfProtectionConsumer(alerts, notices), ...(state ? [state] : []), detection];
  const consumers = createEventConsumers(consumerList, notices, clock.monotonicNowNs);
  const stats = createStatsReporter({
    readNative: () => active.native.stats(),
    output,
    notices,
    nowRfc3339: clock.nowRfc3339,
    monotonicNowNs: clock.monotonicNowNs,
    sensor: active.name,
    consumerErrors: () => consumers.errors,
  });
  const onBatch = createBatchHandler({
    enrich: { sensor: active.name, toRfc3339: clock.toRfc3339, agentPid: process.pid, lookupComm: readComm, inodePaths: createInodePaths() },
    output,
    consumers,
    stats,
    sensor: active.native,
  });

  // 5. --protect: the guard goes up once the programs are attached (their ids are known).
  let guard: Guard | null = null;
  if (options.protect && active.enforcement) {
    guard = setUpGuard({
      native: active.native,
      paths: agentPaths(io.packageRoot, [policy.file, ...(options.dbPath === null ? [] : [resolve(options.dbPath)])]),
      watchdogSeconds: options.watchdogSeconds,
      applyProtect: () => settings.update({ protect: true }),
    });
    notices.info(`guard on: ${guard.info.files} files and ${guard.info.objects} BPF objects of the agent are protected`);
  }

  // 6. Run-time settings through the control socket (lsmwatch ctl).
  const control = await startControlServer(
    options.controlPath,
    createControlHandler({
      sensor: active.name,
      enforcement: active.enforcement,
      settings,
      output,
      notices,
      nowRfc3339: clock.nowRfc3339,
      debugCommands: process.env.LSMWATCH_DEBUG_CONTROL === '1',
    }),
  ).catch((err: Error) => {
    notices.warn(`control socket unavailable, 'lsmwatch ctl' will not reach this agent: ${err.message}`);
    return null;
  });

  output.write(
    readyLine({
      time: clock.nowRfc3339(),
      version: io.version,
      pid: process.pid,
      sensor: active.name,
      kernel: release(),
      enforcement: active.enforcement,
      forbidPtrace: settings.current.forbidPtrace,
      protect: settings.current.protect,
      guard: guard?.info ?? null,
      attached: active.attach.attached,
      skippedHooks: active.attach.skipped.map((s) => s.reason),
      policyFile: policy.file,
      policySha256: policy.sha256,
      watch: policy.watch,
      stateDb: options.dbPath === null ? null : resolve(options.dbPath),
      lsmUnavailable: active.fallbackReason,
    }),
  );
  active.native.start(onBatch);
  detection.start();
  state?.start().catch((err: Error) => notices.warn(`reconciling the baseline failed: ${err.message}`));
  const statsTimer = setInterval(() => stats.report(false), (options.statsInterval ?? policy.stats.interval) * 1000);
  const lossTimer = setInterval(() => stats.checkLoss(), 5000);
  const integrity = await startSelfIntegrity({
    packageRoot: io.packageRoot,
    policy,
    native: active.native,
    output,
    notices,
    nowRfc3339: clock.nowRfc3339,
  });

  // 7. Run until a stop request, then detach, drain what the kernel still holds, and report.
  const why = await stop.requested;
  control?.close();
  guard?.stop();
  clearInterval(statsTimer);
  clearInterval(lossTimer);
  try {
    active.native.detach();
    active.native.flush(onBatch);
    await integrity.stop();
    detection.stop();
    await state?.stop();
    if (!io.stdout.destroyed) stats.report(true);
  } finally {
    active.native.close();
    stop.dispose();
  }
  notices.info(`stopped (${why}); all BPF programs detached`);
  return 0;
}
