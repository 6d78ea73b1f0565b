/**
 * Policy reload without a restart (SIGHUP, `lsmwatch ctl reload`): the policy file is read and
 * validated by the same loader as at start; a valid policy replaces the running one in place, part
 * by part, without detaching any program; an invalid one changes nothing. One `policy` record says
 * which. Reloads run one at a time, in the order they were asked for.
 */
import { PolicyError } from '../policy/policyError.js';
import type { Notices } from '../log/notices.js';
import type { Output } from '../output/sink.js';
import { policyRejectedLine, policyReloadedLine, type OutputRecord } from '../output/records.js';
import type { WatchPlan } from '../sensor/watchPlan.js';
import type { AgentPolicy } from './agentPolicy.js';
import { diffPolicies, type PolicyDiff } from './policyChanges.js';
import type { RuntimeSettings } from './runtimeSettings.js';
import type { WatchList, WatchReplacement } from './watchList.js';
import type { WriteDetection } from './writeDetection.js';
import type { RuleAlerts } from './ruleAlerts.js';
import type { StateTracking } from './stateTracking.js';
import type { SelfIntegrity } from './selfIntegrity.js';

/** The running parts a reload changes. */
export interface ReloadTargets {
  watchList: WatchList;
  /** the trie entries and marks for a policy, against the file system as it is now */
  watchPlan: (policy: AgentPolicy) => Pick<WatchPlan, 'keys' | 'marks' | 'names'>;
  /** told the plan a reload installed (watched names of marked inodes) */
  planInstalled?: (plan: Pick<WatchPlan, 'names'>) => void;
  settings: RuntimeSettings;
  detection: WriteDetection;
  rules: RuleAlerts;
  state: StateTracking | null;
  integrity: SelfIntegrity;
  /** null when --stats-interval fixed the interval on the command line */
  statsInterval: { set(seconds: number): void } | null;
}

export interface ReloadNotifier {
  reloading(): void;
  ready(): void;
}

export type ReloadOutcome =
  | { status: 'reloaded'; record: OutputRecord }
  | { status: 'rejected'; error: string; record: OutputRecord };

export interface PolicyReloader {
  /** the policy in force (restart-only settings keep their running values) */
  readonly current: AgentPolicy;
  reload(trigger: string): Promise<ReloadOutcome>;
  /** reloads finished so far, by status */
  readonly counts: { reloaded: number; rejected: number };
  /** resolves once no reload is running (the agent waits for it before it stops) */
  settled(): Promise<void>;
}

/** Time between the two passes over the per-file verdict cache (see WatchList.invalidateVerdicts). */
const SECOND_PASS_MS = 50;
const MAX_LISTED = 50;

const capped = (labels: string[]) => (labels.length > MAX_LISTED ? [...labels.slice(0, MAX_LISTED), `… ${labels.length - MAX_LISTED} more`] : labels);

function watchMapChange(r: WatchReplacement, capacity: number): Record<string, unknown> | null {
  if (r.added.length + r.removed.length + r.updated.length === 0) return null;
  return {
    added: capped(r.added),
    removed: capped(r.removed),
    updated: capped(r.updated),
    entries: r.entries,
    capacity,
    ordering: r.ordering,
    marked: r.marked,
    unmarked: r.unmarked,
    verdicts_cleared: r.verdictsCleared,
  };
}

/** The new policy with the values that only a restart can change kept as they run. */
function inForce(next: AgentPolicy, running: AgentPolicy): AgentPolicy {
  return { ...next, aggregate: running.aggregate, metrics: running.metrics };
}

export function createPolicyReloader(deps: {
  initial: AgentPolicy;
  load: (file: string) => AgentPolicy;
  targets: ReloadTargets;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  notifier?: ReloadNotifier;
  delay?: (ms: number) => Promise<void>;
}): PolicyReloader {
  let current = deps.initial;
  let queue: Promise<unknown> = Promise.resolve();
  const counts = { reloaded: 0, rejected: 0 };
  const delay = deps.delay ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const t = deps.targets;

  const reject = (trigger: string, error: string): ReloadOutcome => {
    const record = policyRejectedLine({ time: deps.nowRfc3339(), trigger, file: current.file, error, runningSha256: current.sha256 });
    deps.output.write(record);
    deps.notices.error(`${error} (reload by ${trigger} rejected: the running policy, sha256 ${current.sha256.slice(0, 12)}…, stays in force)`);
    counts.rejected++;
    return { status: 'rejected', error, record };
  };

  /** Everything that can fail is tried before anything else changes: reading, validating, the kernel map. */
  const applyWatch = (next: AgentPolicy, changes: PolicyDiff['changes']): WatchReplacement | string => {
    let replacement: WatchReplacement;
    try {
      const plan = t.watchPlan(next);
      replacement = t.watchList.replace(plan);
      t.planInstalled?.(plan);
    } catch (err) {
      return `the new watch list was not applied: ${(err as Error).message}`;
    }
    const change = watchMapChange(replacement, t.watchList.capacity);
    if (change) changes.watch_map = change;
    if (replacement.ordering === 'removed_first') {
      deps.notices.warn(
        'the watch map could not hold the old and the new list at once: removed entries went first, so paths watched by both through changed entries were briefly unwatched',
      );
    }
    return replacement;
  };

  const applyRest = async (next: AgentPolicy, diff: PolicyDiff) => {
    if (diff.changes.ptrace) t.settings.update({ denyPtraceRead: next.ptrace.denyRead });
    if (diff.changes.detect) t.detection.reconfigure(next.detect);
    if (diff.changes.rules) t.rules.reconfigure(next.rules);
    if (diff.changes.stats) {
      if (t.statsInterval) t.statsInterval.set(next.stats.interval);
      else (diff.changes.stats as Record<string, unknown>).overridden_by = '--stats-interval';
    }
    if (diff.changes.state) {
      if (t.state) {
        const state = t.state;
        (diff.changes.state as Record<string, unknown>).scan = 'background';
        state.reconfigure(next.state).catch((err: Error) => deps.notices.warn(`updating the baseline after the reload failed: ${err.message}`));
      } else {
        (diff.changes.state as Record<string, unknown>).overridden_by = '--no-state';
      }
    }
    await t.integrity.policyReloaded(next);
  };

  const run = async (trigger: string): Promise<ReloadOutcome> => {
    deps.notifier?.reloading();
    try {
      let next: AgentPolicy;
      try {
        next = deps.load(current.file);
      } catch (err) {
        if (err instanceof PolicyError) return reject(trigger, `invalid policy: ${err.message}`);
        return reject(trigger, `reading the policy failed: ${(err as Error).message}`);
      }
      const diff = diffPolicies(current, next);
      const watch = applyWatch(next, diff.changes);
      if (typeof watch === 'string') return reject(trigger, watch);
      await applyRest(next, diff);
      // A program that looked up the old trie before the swap may have cached its verdict after the
      // first pass: a second pass a moment later drops that too.
      if (diff.changes.watch_map) {
        await delay(SECOND_PASS_MS);
        t.watchList.invalidateVerdicts();
      }
      const previousSha256 = current.sha256;
      current = inForce(next, current);
      const record = policyReloadedLine({
        time: deps.nowRfc3339(),
        trigger,
        file: next.file,
        sha256: next.sha256,
        previousSha256,
        changes: diff.changes,
        requiresRestart: diff.requiresRestart,
      });
      deps.output.write(record);
      const sections = Object.keys(diff.changes);
      deps.notices.info(
        `policy reloaded (${trigger}): ${sections.length ? `changed ${sections.join(', ')}` : 'nothing changed'}` +
          (diff.requiresRestart.length ? `; ${diff.requiresRestart.join(', ')} changes only with a restart` : ''),
      );
      counts.reloaded++;
      return { status: 'reloaded', record };
    } finally {
      deps.notifier?.ready();
    }
  };

  return {
    get current() {
      return current;
    },
    counts,
    reload(trigger) {
      const result = queue.then(() => run(trigger));
      queue = result.catch(() => undefined);
      return result;
    },
    settled: () => queue.then(() => undefined),
  };
}
