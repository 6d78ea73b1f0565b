/**
 * File-integrity state in the agent: the SQLite store and the change tracker of src/state, fed by
 * typed file events. A changed baseline file is compared with its baseline shortly after its last
 * event (the sensors report writes, not closes), so a burst of writes gives one change record.
 * Alerts and integrity findings reach the history through the history sink (./historySink.ts).
 */
import { ChangeTracker, changeTrackerOptionsFromConfig } from '../state/changeTracker.js';
import { openStateStore, type StateStore } from '../state/store.js';
import { retentionLimits, type StateConfig } from '../state/stateConfig.js';
import type { Actor, ChangeRecord } from '../state/changeRecord.js';
import type { SensorEvent } from '../events/types.js';
import type { Output } from '../output/sink.js';
import { baselineLine, changeLine } from '../output/records.js';
import { actorFields } from '../output/eventRecord.js';
import { describeActor, type ActorLike } from '../process/describeActor.js';
import type { Notices } from '../log/notices.js';
import type { EventConsumer } from './eventConsumers.js';

const SETTLE_MS = 300; // quiet time after the last event before a file is compared
const MAX_PENDING = 10_000; // bound on paths waiting to settle; past it the oldest is compared now
const PRUNE_INTERVAL_MS = 3600_000;

export interface StateTracking extends EventConsumer {
  /** offline changes (reported with offline: true), retention */
  start(): Promise<void>;
  /** the store, for the history sink */
  readonly store: StateStore;
  /** compares what is still settling, then closes the database */
  stop(): Promise<void>;
}

export interface StateTrackingDeps {
  dbPath: string;
  config: StateConfig;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  showProgress: boolean;
}

/** The paths an event may have changed: a rename changes both names. Null paths are not trackable. */
export function touchedPaths(event: SensorEvent): string[] {
  if (event.kind !== 'file' || !event.touchesContent) return [];
  const out: string[] = [];
  if (event.path !== null) out.push(event.path.text);
  if (event.oldPath !== null) out.push(event.oldPath.text);
  return out;
}

export function openStateTracking(deps: StateTrackingDeps): StateTracking {
  const store: StateStore = openStateStore(deps.dbPath);
  const tracker = new ChangeTracker(store, {
    ...changeTrackerOptionsFromConfig(deps.config),
    onScanIssue: (issue) => deps.notices.warn(`baseline: ${issue.path}: ${issue.message}`),
  });
  const pending = new Map<string, { timer: NodeJS.Timeout; by: Actor }>();
  let pruneTimer: NodeJS.Timeout | null = null;
  let inFlight: Promise<unknown> = Promise.resolve();

  const report = (change: ChangeRecord) => {
    deps.output.write(changeLine(change, deps.nowRfc3339()));
    const by = change.by ? `: ${describeActor(change.by as ActorLike)}` : '';
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

  const onPathTouched = (path: string, by: Actor) => {
    if (!tracker.covers(path)) return;
    const existing = pending.get(path);
    if (existing) clearTimeout(existing.timer);
    else if (pending.size >= MAX_PENDING) compare(pending.keys().next().value as string);
    pending.set(path, { timer: setTimeout(() => compare(path), SETTLE_MS), by });
  };

  const prune = () => {
    try {
      store.pruneHistory(retentionLimits(deps.config.retention), new Date());
    } catch (err) {
      deps.notices.warn(`pruning the history failed: ${(err as Error).message}`);
    }
  };

  return {
    name: 'state tracking',
    store,
    consume(event) {
      const paths = touchedPaths(event);
      if (paths.length === 0) return;
      const by: Actor = actorFields(event.process);
      for (const path of paths) onPathTouched(path, by);
    },
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
      deps.output.write(baselineLine(deps.nowRfc3339(), files, changes.length, deps.dbPath));
    },
    async stop() {
      if (pruneTimer) clearInterval(pruneTimer);
      for (const path of [...pending.keys()]) compare(path);
      await inFlight; // the tracker runs one comparison at a time: the last one queued ends last
      store.close();
    },
  };
}
