/** The `run` command: policy → sensor → batches → NDJSON on stdout, notices and alerts on stderr. */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { RunOptions } from '../cli/args.js';
import { createWallClock } from '../events/wallClock.js';
import { formatRecord, type FormatContext } from '../events/formatEvent.js';
import { createInodePaths } from '../events/inodePaths.js';
import { RecordFlag, RecordType } from '../sensor/contract.js';
import { createNotices } from '../log/notices.js';
import { createNdjsonWriter } from '../output/ndjsonWriter.js';
import { loadPolicy } from '../policy/policy.js';
import { planWatchList } from './watchMarks.js';
import { addWatchedNames, createWatchedNames } from '../events/watchedNames.js';
import { blindSpotsOf } from './blindSpots.js';
import { decodeBatch } from '../sensor/decoder.js';
import { probeHost } from '../sensor/hostSupport.js';
import { loadAddon, SensorError } from '../sensor/nativeAddon.js';
import { setUpSensor, type ActiveSensor } from './sensorSetup.js';
import { createStatsReporter } from './statsReporter.js';
import { startSelfIntegrity, type SelfIntegrity } from './selfIntegrity.js';
import { createEventPipeline, parsePipelineConfig } from './eventPipeline.js';
import { openStateTracking, type StateTracking } from './stateTracking.js';
import { applySettings } from './sensorSetup.js';
import { agentPaths, installGuard } from './guard.js';
import { startControlServer } from '../control/controlServer.js';
import type { ForbidPtraceMode } from '../cli/args.js';

export interface AgentIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  packageRoot: string;
  version: string;
}

function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

export async function runAgent(options: RunOptions, io: AgentIo): Promise<number> {
  const notices = createNotices(io.stderr);
  // Listen for the ways a run ends before loading anything, so a signal or a closed stdout during
  // start-up still leads to an orderly shutdown (and never to a default kill with programs loaded).
  let requestStop: (why: string) => void = () => {};
  const stopRequested = new Promise<string>((res) => (requestStop = res));
  const onSigint = () => requestStop('SIGINT');
  const onSigterm = () => requestStop('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  io.stdout.on('error', (err: NodeJS.ErrnoException) => {
    requestStop(err.code === 'EPIPE' ? 'stdout closed' : `stdout error ${err.code ?? err.message}`);
  });
  // Output. Node makes stdout pipes blocking on Linux: a reader that stops reading would then
  // freeze the whole agent (no signals, no integrity checks). Non-blocking, the writer sees
  // back-pressure, pauses the sensor, and losses are counted in bounded queues instead.
  (io.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(false);
  const writer = createNdjsonWriter(io.stdout);
  const clock = createWallClock();
  // 1. Everything the user gave is validated before anything native happens.
  const policy = loadPolicy(resolve(options.policyFile));
  const pipelineConfig = parsePipelineConfig(policy);
  const watchPlan = planWatchList(policy);

  // 2. The host.
  const probe = probeHost();
  if (!probe.isRoot) {
    throw new SensorError('lsmwatch loads BPF programs and must run as root: sudo npx lsmwatch', 'EPERM');
  }
  if (!probe.hasBtf) {
    throw new SensorError('this kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y', 'ENOBTF');
  }
  // The state database (baselines, history): opened before any program loads, so a bad --db
  // fails early and cleanly.
  let state: StateTracking | null = null;
  if (options.dbPath !== null) {
    try {
      state = openStateTracking({
        dbPath: resolve(options.dbPath),
        config: pipelineConfig.state,
        writer,
        notices,
        clock,
        showProgress: Boolean(io.stderr.isTTY),
      });
    } catch (err) {
      throw new SensorError(`state database ${options.dbPath}: ${(err as Error).message}`, 'ESTATE');
    }
  }

  const addon = loadAddon(io.packageRoot);

  // 3. The sensor.
  const settings = { forbidPtrace: options.forbidPtrace, denyPtraceRead: policy.ptrace.denyRead };
  const active: ActiveSensor = setUpSensor({
    addon,
    choice: options.sensor,
    probe,
    watchPlan,
    settings,
    ringBytes: options.ringBytes,
    aggregateWindowMs: policy.aggregate.windowMs,
    queueBytes: options.queueBytes,
  });
  if (active.fallbackReason) {
    notices.warn(`BPF LSM not used: ${active.fallbackReason}. Using the tracepoint sensor: it observes but cannot enforce.`);
  }
  if (options.protect && !active.enforcement && options.requireEnforcement) {
    active.native.close();
    throw new SensorError(`--protect needs the LSM sensor, and the ${active.name} sensor cannot enforce (--require-enforcement)`, 'ENOENFORCE');
  }
  if (options.forbidPtrace !== 'off' && !active.enforcement) {
    if (options.requireEnforcement) {
      active.native.close();
      throw new SensorError(
        `--forbid-ptrace=${options.forbidPtrace} needs the LSM sensor, and the ${active.name} sensor cannot enforce (--require-enforcement)`,
        'ENOENFORCE',
      );
    }
    addon.setDumpable(false);
    notices.warn(
      `--forbid-ptrace=${options.forbidPtrace} cannot be enforced by the ${active.name} sensor; the agent made itself non-dumpable (PR_SET_DUMPABLE 0), which stops tracers without CAP_SYS_PTRACE from attaching to it`,
    );
  }

  const inodePaths = createInodePaths();
  const watchedNames = createWatchedNames(watchPlan.names);
  const formatContext: FormatContext = {
    sensor: active.name,
    clock,
    lookupComm: readComm,
    lookupPath: (dev, ino) => inodePaths.lookup(dev, ino),
  };
  const pipeline = createEventPipeline({ config: pipelineConfig, policy, options, writer, notices, clock, agentPid: process.pid, state });
  const stats = createStatsReporter({ native: active.native, writer, notices, clock, sensor: active.name });
  let paused = false;

  const onBatch = (batch: Buffer, count: number) => {
    const decoded = decodeBatch(batch, count);
    stats.recordDecoded(decoded.records.length, decoded.invalid, decoded.error);
    writer.beginBatch();
    for (const record of decoded.records) {
      // the names a later flush may need: files opened, and files first seen at a write (inherited fds)
      if (record.kind === 'file' && (record.type === RecordType.OPEN || (record.flags & RecordFlag.FROM_CACHE_MISS) !== 0)) {
        inodePaths.remember(record.dev, record.ino, record.path);
      }
      const event = formatRecord(record, formatContext);
      if (record.kind === 'file') addWatchedNames(watchedNames, record, event); // another name of a watched file
      stats.countOutput(writer.write(event));
      pipeline.onEvent(record, event);
    }
    writer.endBatch();
    if (writer.blocked && !paused) {
      paused = true;
      active.native.pause();
    }
  };
  writer.onDrain(() => {
    if (paused) {
      paused = false;
      active.native.resume();
    }
  });

  // --protect: the guard goes up once the programs are attached (their ids are known).
  const currentSettings = { forbidPtrace: (active.enforcement ? options.forbidPtrace : 'off') as ForbidPtraceMode, denyPtraceRead: policy.ptrace.denyRead, protect: false };
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let guardInfo: Record<string, unknown> | null = null;
  if (options.protect && !active.enforcement) {
    notices.warn(`--protect needs the LSM sensor: the ${active.name} sensor cannot guard the agent`);
  } else if (options.protect) {
    const guarded = installGuard(
      active.native,
      agentPaths(io.packageRoot, [policy.file, ...(options.dbPath === null ? [] : [resolve(options.dbPath)])]),
    );
    currentSettings.protect = true;
    applySettings(active.native, currentSettings);
    active.native.armWatchdog(options.watchdogSeconds * 1000);
    heartbeatTimer = setInterval(() => active.native.heartbeat(), 500);
    notices.info(`guard on: ${guarded.inodes} files and ${guarded.objects} BPF objects of the agent are protected`);
    guardInfo = { files: guarded.inodes, objects: guarded.objects, settings_map_id: active.native.objectIds().maps.find((m) => m.name === 'lw_settings_map')?.id ?? null, watchdog_seconds: options.watchdogSeconds };
  }

  // Run-time settings through the control socket (lsmwatch ctl): flags in a map, no reload.
  let forbidPtrace: ForbidPtraceMode = currentSettings.forbidPtrace;
  const control = await startControlServer(options.controlPath, {
    handle(request) {
      if (request.command === 'debug-stall') {
        if (process.env.LSMWATCH_DEBUG_CONTROL !== '1') return { ok: false, error: 'debug commands are disabled' };
        setTimeout(() => {
          const end = Date.now() + request.seconds * 1000;
          while (Date.now() < end); // deliberately hang the JavaScript thread
        }, 50);
      }
      if (request.command === 'forbid-ptrace') {
        if (!active.enforcement) {
          return { ok: false, error: `the ${active.name} sensor cannot enforce forbid-ptrace (needs BPF LSM)` };
        }
        currentSettings.forbidPtrace = request.mode;
        applySettings(active.native, currentSettings);
        forbidPtrace = request.mode;
        writer.write({ type: 'setting', time: clock.nowRfc3339(), forbid_ptrace: forbidPtrace });
        notices.info(`forbid-ptrace is now ${forbidPtrace}`);
      }
      return { ok: true, sensor: active.name, enforcement: active.enforcement, forbid_ptrace: forbidPtrace };
    },
  }).catch((err: Error) => {
    notices.warn(`control socket unavailable, 'lsmwatch ctl' will not reach this agent: ${err.message}`);
    return null;
  });

  writer.write({
    type: 'ready',
    time: clock.nowRfc3339(),
    version: io.version,
    pid: process.pid,
    sensor: active.name,
    kernel: release(),
    enforcement: active.enforcement,
    forbid_ptrace: currentSettings.forbidPtrace,
    protect: currentSettings.protect,
    ...(guardInfo ? { guard: guardInfo } : {}),
    hooks: active.attach.attached.map((a) => a.hook),
    programs: active.attach.attached.length,
    prog_ids: active.attach.attached.map((a) => a.progId),
    skipped_hooks: active.attach.skipped.map((s) => s.reason),
    policy: policy.file,
    policy_sha256: policy.sha256,
    watch: policy.watch,
    marks: { marked: active.marked, missing: active.markMissing, trie_entries: watchPlan.keys.length },
    blind_spots: blindSpotsOf(active.name, active.native.features(), watchPlan),
    state_db: options.dbPath === null ? null : resolve(options.dbPath),
    ...(active.fallbackReason ? { lsm_unavailable: active.fallbackReason } : {}),
  });
  active.native.start(onBatch);
  pipeline.start();
  const statsInterval = (options.statsInterval ?? policy.stats.interval) * 1000;
  const statsTimer = setInterval(() => stats.report(false), statsInterval);
  const lossTimer = setInterval(() => stats.checkLoss(), 5000);
  let integrity: SelfIntegrity | null = null;
  integrity = await startSelfIntegrity({ packageRoot: io.packageRoot, policy, native: active.native, writer, notices, clock, pipeline });

  // 5. Run until a signal, or until stdout goes away.
  const why = await stopRequested;
  control?.close();
  if (heartbeatTimer) clearInterval(heartbeatTimer);
  clearInterval(statsTimer);
  clearInterval(lossTimer);
  try {
    active.native.detach();
    active.native.flush(onBatch);
    await integrity?.stop();
    await pipeline.stop();
    if (!io.stdout.destroyed) stats.report(true);
  } finally {
    active.native.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
  notices.info(`stopped (${why}); all BPF programs detached`);
  return 0;
}
