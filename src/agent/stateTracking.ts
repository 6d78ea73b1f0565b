/**
 * File-integrity state in the agent: the SQLite store and the change tracker of src/state, fed by
 * typed file events. A changed baseline file is compared with its baseline shortly after its last
 * event (the sensors report writes, not closes), so a burst of writes gives one change record.
 * A file mapped shared and writable is compared again while the mapping may still be written
 * (./mappingFollower.ts). Alerts and integrity findings reach the history through the history sink
 * (./historySink.ts).
 */
import { ChangeTracker, changeTrackerOptionsFromConfig } from '../state/changeTracker.js';
import { openStateStore, type StateStore } from '../state/store.js';
import { retentionLimits, type StateConfig } from '../state/stateConfig.js';
import type { Actor, ChangeRecord, RecheckReason } from '../state/changeRecord.js';
import type { XattrReader } from '../state/fileSnapshot.js';
import { mountShowsOtherFiles } from '../events/mountChange.js';
import type { SensorEvent } from '../events/types.js';
import type { Output } from '../output/sink.js';
import { baselineLine, changeLine, type BaselineScanProgress } from '../output/records.js';
import { actorFields } from '../output/eventRecord.js';
import { packageManagerOf } from '../packages/processPackageManager.js';
import { describeActor, type ActorLike } from '../process/describeActor.js';
import type { Notices } from '../log/notices.js';
import type { EventConsumer } from './eventConsumers.js';
import { mappingFollower } from './mappingFollower.js';
import { findSharedMapper } from '../process/fileMappers.js';
import { hostMapsIo } from '../process/hostIo.js';

const SETTLE_MS = 300; // quiet time after the last event before a file is compared
const MAX_PENDING = 10_000; // bound on paths waiting to settle; past it the oldest is compared now
const PRUNE_INTERVAL_MS = 3600_000;
// After a loss: re-check once the flood has been quiet this long, and at least this often while it lasts.
const RECHECK_QUIET_MS = 2000;
const RECHECK_MAX_DELAY_MS = 60_000;

export interface StateTracking extends EventConsumer {
  /** whether a path is in the baseline */
  covers(path: string): boolean;
  /** offline changes (reported with offline: true), retention */
  start(): Promise<void>;
  /** the store, for the history sink */
  readonly store: StateStore;
  /** events were lost: compare the whole baseline with the disk soon (debounced while the loss goes on) */
  recheckAfterLoss(): void;
  /** compares what is still settling, then closes the database */
  stop(): Promise<void>;
  /**
   * New `state` settings (a policy reload): in force at once; paths the baseline newly covers are
   * hashed in the background (progress in scanProgress()), paths it no longer covers are forgotten.
   * Resolves when that scan is done.
   */
  reconfigure(config: StateConfig): Promise<void>;
  /** a baseline scan in progress (start-up or after a reload), or null */
  scanProgress(): BaselineScanProgress | null;
}

export interface StateTrackingDeps {
  dbPath: string;
  config: StateConfig;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  showProgress: boolean;
  /** told about every change after it was output and recorded (the detection rules) */
  onChange?: (change: ChangeRecord) => void;
  /** extended attributes of an open file (the native addon), kept in the baseline */
  readXattrs?: XattrReader;
  /** owning package(s) of a changed path, stored with the change */
  ownerOf?: (path: string) => Promise<string | undefined>;
}

/** Whether a process may still exist (signal 0: ESRCH when it is gone; EPERM means it exists). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The paths an event may have changed: a rename changes both names, and a file reached through
 * another name changes its watched one. Null paths are not trackable. */
export function touchedPaths(event: SensorEvent): string[] {
  if (event.kind !== 'file' || !event.touchesContent) return [];
  const out: string[] = [];
  if (event.path !== null) out.push(event.path.text);
  if (event.oldPath !== null) out.push(event.oldPath.text);
  // reached through another name (hard link, bind mount): the watched name is what changed
  if (event.watchedPath !== null) out.push(event.watchedPath.text);
  if (event.watchedOldPath !== null) out.push(event.watchedOldPath.text);
  return out;
}

export function openStateTracking(deps: StateTrackingDeps): StateTracking {
  const store: StateStore = openStateStore(deps.dbPath);
  const tracker = new ChangeTracker(store, {
    ...changeTrackerOptionsFromConfig(deps.config),
    ...(deps.ownerOf ? { ownerOf: deps.ownerOf } : {}),
    ...(deps.readXattrs ? { readXattrs: deps.readXattrs } : {}),
    onScanIssue: (issue) => deps.notices.warn(`baseline: ${issue.path}: ${issue.message}`),
  });
  const pending = new Map<string, { timer: NodeJS.Timeout; by: Actor }>();
  let pruneTimer: NodeJS.Timeout | null = null;
  let inFlight: Promise<unknown> = Promise.resolve();
  let recheckTimer: NodeJS.Timeout | null = null;
  let recheckDue = 0; // Date.now() by which a pending re-check must run
  let stopped = false;

  // what the next re-check is for: a loss wins over a mount (the writer is then unknown)
  let recheckFor: { reason: RecheckReason; by?: Actor } = { reason: 'events_lost' };
  const recheck = () => {
    recheckTimer = null;
    recheckDue = 0;
    const { reason, by } = recheckFor;
    recheckFor = { reason: 'events_lost' };
    if (stopped) return;
    inFlight = tracker
      .reconcileAll(undefined, undefined, { offline: false, recheck: reason, ...(by ? { by } : {}) })
      .then((changes) => changes.forEach(report))
      .catch((err: Error) => deps.notices.warn(`re-checking the baseline failed: ${err.message}`));
  };
  let config = deps.config;
  let scan: BaselineScanProgress | null = null;
  let scansRunning = 0;

  const report = (change: ChangeRecord) => {
    deps.output.write(changeLine(change, deps.nowRfc3339()));
    const by = change.by ? `: ${describeActor(change.by as ActorLike)}` : '';
    const when = change.offline
      ? ' while lsmwatch was not running'
      : change.recheck === 'events_lost'
        ? ' (found by a re-check after events were lost; writer unknown)'
        : change.recheck === 'mount'
          ? ` (found by a re-check after a mount${by})`
          : by;
    deps.notices.warn(`change: ${change.path} ${change.action}${when}`);
    deps.onChange?.(change);
  };

  const compare = (path: string) => {
    const entry = pending.get(path);
    if (!entry) return;
    clearTimeout(entry.timer);
    pending.delete(path);
    inFlight = tracker
      .trackPath(path, entry.by)
      .then((change) => change && report(change))
      .catch((err: Error) => deps.notices.warn(`baseline: ${path}: ${err.message}`));
  };

  const onPathTouched = (path: string, by: Actor) => {
    if (!tracker.covers(path) || stopped) return;
    const existing = pending.get(path);
    if (existing) clearTimeout(existing.timer);
    else if (pending.size >= MAX_PENDING) compare(pending.keys().next().value as string);
    pending.set(path, { timer: setTimeout(() => compare(path), SETTLE_MS), by });
  };

  const mapped = mappingFollower({
    touch: onPathTouched,
    holderOf: (h) => (processExists(h.pid) ? h.pid : findSharedMapper(hostMapsIo, h.kernelDev, h.ino, h.pid)),
    now: () => Date.now(),
    every: (fn, ms) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      return () => clearInterval(timer);
    },
  });

  /** A reconcile of the whole baseline with the disk; progress on a terminal and in scanProgress(). */
  const scanBaseline = async (atStart: boolean) => {
    let lastShown = 0;
    let files = 0;
    scansRunning++;
    scan = { done: 0, total: 0 };
    try {
      const changes = await tracker.reconcileAll(
        undefined,
        (done, total) => {
          files = total;
          scan = { done, total };
          if (!deps.showProgress || total < 200) return;
          const now = Date.now();
          if (now - lastShown < 500 && done !== total) return;
          lastShown = now;
          deps.notices.info(`${atStart ? 'building' : 'updating'} the baseline: ${done}/${total} files`);
        },
        { offline: atStart },
      );
      return { changes, files };
    } finally {
      scansRunning--;
    }
  };

  const recheckAfterMount = (by: Actor) => {
    if (recheckTimer && recheckFor.reason === 'events_lost') return; // a loss re-check is due anyway
    recheckFor = { reason: 'mount', by };
    if (recheckTimer) clearTimeout(recheckTimer);
    recheckDue = Date.now() + SETTLE_MS;
    recheckTimer = setTimeout(recheck, SETTLE_MS);
  };

  const prune = () => {
    try {
      store.pruneHistory(retentionLimits(config.retention), new Date());
    } catch (err) {
      deps.notices.warn(`pruning the history failed: ${(err as Error).message}`);
    }
  };

  return {
    name: 'state tracking',
    store,
    covers: (path) => tracker.covers(path),
    consume(event) {
      const paths = touchedPaths(event);
      if (paths.length === 0) return;
      const by: Actor = actorFields(event.process);
      // dpkg, apt, rpm (the process or an ancestor): the rules leave its changes alone
      const manager = packageManagerOf(event.process);
      if (manager !== null) by.package_manager = manager.name;
      for (const path of paths) onPathTouched(path, by);
      if (event.kind === 'file' && event.mapping !== null) {
        const before = mapped.dropped;
        const holder = { pid: event.process.pid, kernelDev: event.kernelDev, ino: event.inode ?? 0n };
        for (const path of paths) if (tracker.covers(path)) mapped.follow(path, holder, by);
        if (mapped.dropped > before) deps.notices.warn(`baseline: more mapped files than can be followed; ${mapped.dropped} left to the periodic check`);
      }
      // the files below the mount point are others now: every baseline path may show another file
      if (event.kind === 'file' && event.mount !== null && mountShowsOtherFiles(event.mount)) recheckAfterMount(by);
    },
    async start() {
      prune();
      pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
      pruneTimer.unref();
      const { changes, files } = await scanBaseline(true);
      for (const change of changes) report(change);
      deps.output.write(baselineLine(deps.nowRfc3339(), files, changes.length, deps.dbPath));
    },
    recheckAfterLoss() {
      recheckFor = { reason: 'events_lost' };
      const now = Date.now();
      if (recheckDue === 0) recheckDue = now + RECHECK_MAX_DELAY_MS;
      if (recheckTimer) clearTimeout(recheckTimer);
      recheckTimer = setTimeout(recheck, Math.max(0, Math.min(RECHECK_QUIET_MS, recheckDue - now)));
    },
    async reconfigure(next) {
      config = next;
      tracker.reconfigure(changeTrackerOptionsFromConfig(next));
      const { changes, files } = await scanBaseline(false);
      for (const change of changes) report(change);
      deps.output.write(baselineLine(deps.nowRfc3339(), files, 0, deps.dbPath, changes.length));
    },
    scanProgress: () => (scansRunning > 0 ? scan : null),
    async stop() {
      stopped = true;
      mapped.stop();
      if (recheckTimer) clearTimeout(recheckTimer);
      if (pruneTimer) clearInterval(pruneTimer);
      for (const path of [...pending.keys()]) compare(path);
      await inFlight; // the tracker runs one comparison at a time: the last one queued ends last
      store.close();
    },
  };
}
