/**
 * The `run` command, as a composition root: policy → sensor → batches (decode → enrich → typed
 * events → output sinks and consumers) → until a stop request. Each part lives in its own module;
 * this file only decides their order and what each is given.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { createWallClock, type WallClock } from '../events/wallClock.js';
import { createInodePaths } from '../events/inodePaths.js';
import { createNotices, type Notices } from '../log/notices.js';
import { createNdjsonSink } from '../output/ndjsonSink.js';
import { createOutput, type Output, type Sink } from '../output/sink.js';
import { readyLine, signalHandledLine, type ReadyInfo } from '../output/records.js';
import type { WatchPlan } from '../sensor/watchPlan.js';
import { createWatchPlanner } from './watchMarks.js';
import { createWatchedNames, type WatchedNames } from '../events/watchedNames.js';
import { blindSpotsOf } from './blindSpots.js';
import { createKernelStateCheck } from './kernelStateCheck.js';
import { probeHost } from '../sensor/hostSupport.js';
import { loadAddon, SensorError, variantsByReason, type NativeAddon } from '../sensor/nativeAddon.js';
import { startControlServer } from '../control/controlServer.js';
import { loadAgentPolicy, type AgentPolicy } from './agentPolicy.js';
import type { RunOptions } from './runOptions.js';
import { applySettings, setUpSensor, type ActiveSensor } from './sensorSetup.js';
import { settleEnforcement } from './enforcement.js';
import { createStatsReporter } from './statsReporter.js';
import { startSelfIntegrity } from './selfIntegrity.js';
import { openStateTracking, type StateTracking } from './stateTracking.js';
import { createHistorySink } from './historySink.js';
import { guardedPaths, ownCgroup, setUpGuard, type Guard } from './guardSetup.js';
import { createRuntimeSettings, type RuntimeSettings } from './runtimeSettings.js';
import { createControlHandler } from './controlHandler.js';
import { createAlertOutput } from './alertOutput.js';
import { createSelfProtectionConsumer } from './selfProtectionAlerts.js';
import { createWriteDetection } from './writeDetection.js';
import { createEventConsumers, type EventConsumer } from './eventConsumers.js';
import { createBatchHandler } from './batchHandler.js';
import { listenForStop } from './stopRequests.js';
import { createRuleAlerts, type RuleAlerts } from './ruleAlerts.js';
import { defaultRuleContext } from '../rules/types.js';
import { DpkgOwnerIndex, detectUsrMerge, formatOwner } from '../packages/dpkgOwner.js';
import { listenForReloadSignal } from './reloadSignal.js';
import { createWatchList } from './watchList.js';
import type { PolicyReloader } from './policyReload.js';
import { createActivity, type Activity } from './activity.js';
import { serveMetrics, type AgentParts } from './metricsEndpoint.js';
import { topSnapshot } from './topSnapshot.js';
import { startReloads, startStatsTimer, systemdNotifier, watchCapacity } from './operations.js';
import type { SelfIntegrity } from './selfIntegrity.js';
import { createRecordCounts, type RecordCounts } from '../metrics/recordCounts.js';
import { watchEventLoop } from '../metrics/health.js';
import { formatListenAddress } from '../metrics/listenAddress.js';
import type { InodePaths } from '../events/inodePaths.js';
import type { AgentStartup } from './startup.js';
import { describeReport, installSignalHandling, signalDispositions } from './signals.js';
import { watchInspector } from './inspectorWatch.js';
import { createProcessTracking, type ProcessTracking } from './processTracking.js';

export interface AgentIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  packageRoot: string;
  version: string;
  /** node options and the start-up integrity check, done before this module loaded (src/agent/startup.ts) */
  startup?: AgentStartup;
}

function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
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
function openState(
  options: RunOptions,
  policy: AgentPolicy,
  output: Output,
  notices: Notices,
  clock: WallClock,
  io: AgentIo,
  rules: RuleAlerts,
): StateTracking | null {
  if (options.dbPath === null) return null;
  let xattrAddon: NativeAddon | undefined;
  // which package owns a changed file, from dpkg's own lists (built at the first change, baseline paths only)
  let owners: Promise<DpkgOwnerIndex> | null = null;
  const ownerIndex = () =>
    (owners ??= detectUsrMerge()
      .catch(() => false)
      .then((usrMerged) => new DpkgOwnerIndex({ prefixes: policy.state.baseline, usrMerged })));
  try {
    return openStateTracking({
      dbPath: resolve(options.dbPath),
      config: policy.state,
      output,
      notices,
      nowRfc3339: clock.nowRfc3339,
      showProgress: Boolean(io.stderr.isTTY),
      onChange: (change) => rules.judgeChange(change),
      // the addon is loaded once, at the first file read (the sensor loads it again: the same module)
      readXattrs: (fd) => (xattrAddon ??= loadAddon(io.packageRoot)).readXattrs(fd),
      ownerOf: async (path) => formatOwner(await (await ownerIndex()).lookup(path)),
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
  /** the policy loaded at start (a reload's is PolicyReloader.current) */
  policy: AgentPolicy;
  /** the plans of this run (one id registry: a reload's plan keeps the start's ids) */
  planWatch: (policy: AgentPolicy) => WatchPlan;
  watchPlan: WatchPlan;
  output: Output;
  records: RecordCounts;
  state: StateTracking | null;
  rules: RuleAlerts;
}

/** The event side of a running sensor: consumers, stats, and the handler of batches. */
function wireEvents(p: Prepared, active: ActiveSensor, inodePaths: InodePaths, watchedNames: WatchedNames, activity: Activity, processes: ProcessTracking) {
  const alerts = createAlertOutput(p.output, p.notices);
  const detection = createWriteDetection({
    config: p.policy.detect,
    alerts,
    toRfc3339: p.clock.toRfc3339,
    monotonicNowNs: p.clock.monotonicNowNs,
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
  });
  const selfProtection = createSelfProtectionConsumer(alerts, p.notices);
  const consumerList: EventConsumer[] = [selfProtection, ...(p.state ? [p.state] : []), p.rules, detection, activity];
  const consumers = createEventConsumers(consumerList, p.notices, p.clock.monotonicNowNs);
  const stats = createStatsReporter({
    readNative: () => active.native.stats(),
    output: p.output,
    notices: p.notices,
    nowRfc3339: p.clock.nowRfc3339,
    monotonicNowNs: p.clock.monotonicNowNs,
    sensor: active.name,
    consumerErrors: () => consumers.errors,
    alerts,
    alertIntervalNs: BigInt(p.options.statsInterval ?? p.policy.stats.interval) * 1_000_000_000n,
    onLoss: () => p.state?.recheckAfterLoss(),
    baselineScan: () => p.state?.scanProgress() ?? null,
    processCounts: () => processes.contexts.counts(),
  });
  const onBatch = createBatchHandler({
    enrich: {
      sensor: active.name,
      toRfc3339: p.clock.toRfc3339,
      agentPid: process.pid,
      lookupComm: readComm,
      inodePaths,
      watchedNames,
      processes: processes.contexts,
      accounts: processes.accounts,
    },
    output: p.output,
    consumers,
    stats,
    sensor: active.native,
  });
  return { detection, selfProtection, stats, onBatch };
}

/** --protect: the guard goes up once the programs are attached (their ids are known). */
function guardIfAsked(p: Prepared, active: ActiveSensor, settings: RuntimeSettings): Guard | null {
  if (!p.options.protect || !active.enforcement) return null;
  const guard = setUpGuard({
    native: active.native,
    paths: guardedPaths({
      packageRoot: p.io.packageRoot,
      manifest: p.io.startup?.integrity.manifest ?? null,
      runningExecutable: p.io.startup?.node.executable ?? process.execPath,
      policyFile: p.policy.file,
      dbPath: p.options.dbPath === null ? null : resolve(p.options.dbPath),
    }),
    watchdogSeconds: p.options.watchdogSeconds,
    applyProtect: () => settings.update({ protect: true }),
    cgroup: ownCgroup(), // reading it is also how the sensor learns the agent's task (cgroup guard)
  });
  p.notices.info(`guard on: ${guard.info.files} files and ${guard.info.objects} BPF objects of the agent are protected`);
  return guard;
}

/** Run-time settings through the control socket (lsmwatch ctl); the agent runs on without it. */
function serveControl(p: Prepared, active: ActiveSensor, settings: RuntimeSettings, live: Pick<Parameters<typeof createControlHandler>[0], 'reload' | 'top'>) {
  const handler = createControlHandler({
    ...live,
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

/** The control socket (lsmwatch ctl, top) and the metrics endpoint; a reload waits for the reloader. */
async function serveOperators(p: Prepared, active: ActiveSensor, settings: RuntimeSettings, parts: AgentParts, activity: Activity, reloader: () => PolicyReloader | null) {
  const control = await serveControl(p, active, settings, {
    reload: (trigger) => reloader()?.reload(trigger) ?? Promise.reject(new Error('the agent is still starting: try again')),
    top: () => topSnapshot(parts, activity, { rfc3339: p.clock.nowRfc3339(), monotonicNs: p.clock.monotonicNowNs(), unixSeconds: Date.now() / 1000 }) as unknown as Record<string, unknown>,
  });
  const address = p.options.metricsListen ?? p.policy.metrics.listen;
  const metrics = address ? await serveMetrics(address, parts, p.notices) : null;
  return { control, metrics };
}

function readyInfo(p: Prepared, active: ActiveSensor, settings: RuntimeSettings, guard: Guard | null, metrics: string | null): ReadyInfo {
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
    marks: { marked: active.marks.keys.size, missing: active.marks.missing, trieEntries: p.watchPlan.keys.length },
    blindSpots: blindSpotsOf(
      active.name,
      { ...active.native.features(), utimesHook: active.attach.attached.some((a) => a.hook === 'lsm/inode_setattr') },
      p.watchPlan,
      active.attach.variants,
      active.attach.skipped,
    ),
    stateDb: p.options.dbPath === null ? null : resolve(p.options.dbPath),
    metrics,
    lsmUnavailable: active.fallbackReason,
    node: p.io.startup?.node ?? null,
    signals: signalDispositions(settings.current.protect),
    variants: active.attach.variants,
  };
}

/** From attached programs to a stop request and an orderly end: detach, drain, final stats. */
async function runSensor(
  p: Prepared,
  active: ActiveSensor,
  addon: NativeAddon,
  stopRequested: Promise<string>,
  reloadSignal: ReturnType<typeof listenForReloadSignal>,
): Promise<string> {
  settleEnforcement(active, p.options, addon, p.notices);
  const settings = createRuntimeSettings(
    { forbidPtrace: active.enforcement ? p.options.forbidPtrace : 'off', denyPtraceRead: p.policy.ptrace.denyRead, protect: false },
    (s) => applySettings(active.native, s),
  );
  const inodePaths = createInodePaths();
  const watchedNames = createWatchedNames(p.watchPlan.names);
  const activity = createActivity();
  const processes = createProcessTracking(p.policy.process, p.clock.bootToRfc3339);
  const { detection, selfProtection, stats, onBatch } = wireEvents(p, active, inodePaths, watchedNames, activity, processes);
  const watchList = createWatchList(active.native, { entries: p.watchPlan.keys, marks: active.marks }, watchCapacity(active.native));
  const notifier = systemdNotifier(addon, p.clock, p.notices);
  const guard = guardIfAsked(p, active, settings);
  let integrity: SelfIntegrity | null = null;
  let reloader: PolicyReloader | null = null;
  const loop = watchEventLoop({ nowMs: () => Date.now(), setInterval: (fn, ms) => setInterval(fn, ms).unref(), clearInterval: (t) => clearInterval(t as NodeJS.Timeout) });
  const parts: AgentParts = {
    version: p.io.version,
    sensor: active.name,
    native: active.native,
    records: p.records,
    state: p.state,
    stats,
    watchList,
    inodePaths,
    detection,
    loop,
    startTimeSeconds: Date.now() / 1000,
    integrity: () => integrity,
    policy: () => reloader?.current ?? p.policy,
  };
  const { control, metrics } = await serveOperators(p, active, settings, parts, activity, () => reloader);
  p.output.write(readyLine(readyInfo(p, active, settings, guard, metrics ? formatListenAddress(metrics.address) : null)));
  notifier.ready(`watching ${p.policy.watch.length} policy paths (${watchList.entries.length} map entries) with the ${active.name} sensor`);
  const stopWatchdogPings = notifier.startWatchdog((fn, ms) => setInterval(fn, ms), (t) => clearInterval(t as NodeJS.Timeout));
  active.native.start(onBatch); // the addon drains the ring buffer while the scan below runs
  processes.start(); // reads /proc for what runs already; exec records of what starts now follow it
  detection.start();
  p.state?.start().catch((err: Error) => p.notices.warn(`reconciling the baseline failed: ${err.message}`));
  const statsTimer = startStatsTimer(p.options.statsInterval ?? p.policy.stats.interval, p.options.statsInterval !== null, () => stats.report(false));
  const lossTimer = setInterval(() => stats.checkLoss(), 5000);
  integrity = await startSelfIntegrity({
    packageRoot: p.io.packageRoot,
    policy: p.policy,
    native: active.native,
    output: p.output,
    notices: p.notices,
    nowRfc3339: p.clock.nowRfc3339,
    checkKernelState: createKernelStateCheck({ native: active.native, watchEntries: () => watchList.entries, settings: () => settings.current }),
    startup: p.io.startup?.integrity,
  });
  const running = startReloads({
    initial: p.policy,
    load: loadAgentPolicy,
    targets: { watchList, watchPlan: p.planWatch, planInstalled: (plan) => watchedNames.learn(plan.names), settings, detection, rules: p.rules, state: p.state, integrity, statsInterval: statsTimer.control },
    output: p.output,
    notices: p.notices,
    nowRfc3339: p.clock.nowRfc3339,
    notifier,
  });
  reloader = running;
  reloadSignal.ready(() => {
    running.reload('SIGHUP').catch((err: Error) => p.notices.error(`reloading the policy failed: ${err.message}`));
  });

  const why = await stopRequested;
  notifier.stopping();
  reloadSignal.dispose();
  await running.settled();
  stopWatchdogPings();
  loop.stop();
  await metrics?.close();
  control?.close();
  guard?.stop();
  statsTimer.stop();
  clearInterval(lossTimer);
  active.native.detach();
  active.native.flush(onBatch);
  await integrity.stop();
  detection.stop();
  selfProtection.stop(); // ptrace alerts still held for their repeats
  processes.stop();
  await p.state?.stop();
  if (!p.io.stdout.destroyed) stats.report(true);
  return why;
}

export async function runAgent(options: RunOptions, io: AgentIo): Promise<number> {
  const notices = createNotices(io.stderr);
  const clock = createWallClock();
  const stop = listenForStop(io.stdout);
  const reloadSignal = listenForReloadSignal();
  // Every other signal that would end or stop the agent is caught and reported (src/agent/signals.ts).
  // Listeners only run from the event loop, by when the output below exists.
  let output: Output | null = null;
  const signals = installSignalHandling({
    target: process,
    onReport: (r) => {
      output?.write(signalHandledLine({ ...r, time: clock.nowRfc3339() }));
      notices.warn(describeReport(r));
    },
    now: () => performance.now(),
  });
  const inspector = watchInspector({ allowed: options.allowNodeOptions, onClosed: (url) => notices.alert(`node's inspector was open (${url}): closed`) });
  // Node makes stdout pipes blocking on Linux: a reader that stops reading would then freeze the
  // whole agent (no signals, no integrity checks). Non-blocking, the sink sees back-pressure, the
  // sensor is paused, and losses are counted in bounded queues instead.
  (io.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(false);
  // 1. Everything the user gave is validated before anything native happens.
  const policy = loadAgentPolicy(resolve(options.policyFile));
  const planWatch = createWatchPlanner();
  const watchPlan = planWatch(policy);
  const probe = checkHost();

  // 2. Output: stdout, the record counts (metrics, top), and the history once the state database is open.
  const records = createRecordCounts();
  const sinks: Sink[] = [createNdjsonSink('stdout', io.stdout), records.sink];
  output = createOutput(sinks);
  let state: StateTracking | null = null;
  const rules = createRuleAlerts({
    config: policy.rules,
    context: defaultRuleContext(),
    output,
    notices,
    nowRfc3339: clock.nowRfc3339,
    inBaseline: (path) => state?.covers(path) ?? false,
  });
  state = openState(options, policy, output, notices, clock, io, rules);
  if (state) sinks.push(createHistorySink(state.store, notices));
  const prepared: Prepared = { options, io, notices, clock, policy, planWatch, watchPlan, output, records, state, rules };

  // 3. The sensor; from here on, whatever happens, nothing loaded outlives the run.
  let why: string;
  let active: ActiveSensor | null = null;
  try {
    const addon = loadAddon(io.packageRoot);
    active = setUpSensor({
      addon,
      choice: options.sensor,
      probe,
      watchPlan,
      settings: { forbidPtrace: options.forbidPtrace, denyPtraceRead: policy.ptrace.denyRead },
      ringBytes: options.ringBytes,
      aggregateWindowMs: policy.aggregate.windowMs,
      queueBytes: options.queueBytes,
    });
    for (const [reason, names] of variantsByReason(active.attach)) notices.info(`using ${names.join(', ')}: ${reason}`);
    if (active.fallbackReason) {
      notices.warn(`BPF LSM not used: ${active.fallbackReason}. Using the tracepoint sensor: it observes but cannot enforce.`);
    }
    why = await runSensor(prepared, active, addon, stop.requested, reloadSignal);
  } catch (err) {
    state?.store.close();
    throw err;
  } finally {
    active?.native.close();
    stop.dispose();
    reloadSignal.dispose();
    signals.flush();
    signals.uninstall();
    inspector.stop();
  }
  notices.info(`stopped (${why}); all BPF programs detached`);
  return 0;
}
