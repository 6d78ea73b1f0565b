/**
 * File-integrity state in the agent: the SQLite store and the change tracker of src/state, fed by
 * events. A changed baseline file is compared with its baseline shortly after its last event (the
 * sensors report writes, not closes), so a burst of writes gives one change record.
 */
import { ChangeTracker, changeTrackerOptionsFromConfig } from '../state/changeTracker.js';
import { openStateStore, type StateStore } from '../state/store.js';
import { retentionLimits, type StateConfig } from '../state/stateConfig.js';
import type { ChangeRecord } from '../state/changeRecord.js';
import type { NdjsonWriter } from '../output/ndjsonWriter.js';
import type { Notices } from '../log/notices.js';
import type { WallClock } from '../events/wallClock.js';

const SETTLE_MS = 300; // quiet time after the last event before a file is compared
const MAX_PENDING = 10_000; // bound on paths waiting to settle; past it the oldest is compared now
const PRUNE_INTERVAL_MS = 3600_000;

export interface Actor {
  pid: number;
  comm: string;
  uid: number;
}

export interface StateTracking {
  /** offline changes (reported with offline: true), retention */
  start(): Promise<void>;
  onPathTouched(path: string, by: Actor): void;
  recordHistory(type: 'alert' | 'integrity', record: object): void;
  /** compares what is still settling, then closes the database */
  stop(): Promise<void>;
}

export function openStateTracking(deps: {
  dbPath: string;
  config: StateConfig;
  writer: NdjsonWriter;
  notices: Notices;
  clock: WallClock;
  showProgress: boolean;
}): StateTracking {
  const store: StateStore = openStateStore(deps.dbPath);
  const tracker = new ChangeTracker(store, {
    ...changeTrackerOptionsFromConfig(deps.config),
    onScanIssue: (issue) => deps.notices.warn(`baseline: ${issue.path}: ${issue.message}`),
  });
  const pending = new Map<string, { timer: NodeJS.Timeout; by: Actor }>();
  let pruneTimer: NodeJS.Timeout | null = null;
  let inFlight: Promise<unknown> = Promise.resolve();

  const report = (change: ChangeRecord) => {
    deps.writer.write({ ...change, time: deps.clock.nowRfc3339() });
    const by = change.by ? ` by ${change.by.comm} (pid ${change.by.pid}, uid ${change.by.uid})` : '';
    deps.notices.warn(`change: ${change.path} ${change.action}${change.offline ? ' while lsmwatch was not running' : by}`);
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

  const prune = () => {
    try {
      store.pruneHistory(retentionLimits(deps.config.retention), new Date());
    } catch (err) {
      deps.notices.warn(`pruning the history failed: ${(err as Error).message}`);
    }
  };

  return {
    async start() {
      prune();
      pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
      pruneTimer.unref();
      let lastShown = 0;
      let files = 0;
      const changes = await tracker.reconcileAll(undefined, (done, total) => {
        files = total;
        if (!deps.showProgress || total < 200) return;
        const now = Date.now();
        if (now - lastShown < 500 && done !== total) return;
        lastShown = now;
        deps.notices.info(`building the baseline: ${done}/${total} files`);
      });
      for (const change of changes) report(change);
      deps.writer.write({ type: 'baseline', time: deps.clock.nowRfc3339(), files, offline_changes: changes.length, db: deps.dbPath });
    },
    onPathTouched(path, by) {
      if (!tracker.covers(path)) return;
      const existing = pending.get(path);
      if (existing) clearTimeout(existing.timer);
      else if (pending.size >= MAX_PENDING) compare(pending.keys().next().value as string);
      pending.set(path, { timer: setTimeout(() => compare(path), SETTLE_MS), by });
    },
    recordHistory(type, record) {
      try {
        store.appendHistory(type, record, new Date());
      } catch (err) {
        deps.notices.warn(`recording ${type} in the history failed: ${(err as Error).message}`);
      }
    },
    async stop() {
      if (pruneTimer) clearInterval(pruneTimer);
      for (const path of [...pending.keys()]) compare(path);
      await inFlight; // the tracker runs one comparison at a time: the last one queued ends last
      store.close();
    },
  };
}
