/**
 * Keeps the baseline in step with the disk and turns each difference into one change record.
 *
 * The agent calls `reconcileAll()` once at start-up (differences made while it was not
 * running, flagged `offline`), then `trackPath()` for every path an event touched. Each
 * record is written to history in the same transaction as the baseline update, so a crash
 * can neither lose a change nor report it twice.
 */
import * as nodeFs from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { type DirectoryReader, expandBaselinePaths, scanBaseline } from './baseline.js';
import { type Actor, type ChangeRecord, type RecheckReason, compareSnapshots } from './changeRecord.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits } from './diff/limits.js';
import { type FileSnapshot, type SnapshotOptions, type XattrReader, snapshotPath } from './fileSnapshot.js';
import { basenameMatchesAny, isCoveredByAny, normalizePattern } from './pathMatch.js';
import type { StateConfig } from './stateConfig.js';
import type { StateStore } from './store.js';

/** Meta key: the patterns the baseline was last built for (JSON string array). */
export const BASELINE_PATTERNS_META = 'baseline_patterns';

export interface ChangeTrackerOptions {
  /** Baseline patterns from the policy (`StateConfig.baseline`). */
  patterns: readonly string[];
  secretPrefixes: readonly string[];
  textMaxBytes: number;
  /** File names that give no change (editor swap/backup files); executable files are never ignored. */
  ignoreNames?: readonly string[];
  maxHashBytes?: number;
  maxDepth?: number;
  maxFilesPerRoot?: number;
  limits?: DiffLimits;
  now?: () => Date;
  /** Directory listing used to expand `*` patterns (default: node:fs). */
  fs?: DirectoryReader;
  /** The owning package(s) of a changed path ("a, b"), stored with the change; none when unknown. */
  ownerOf?: (path: string) => Promise<string | undefined>;
  /** Extended attributes of an open file (the native addon); without it the baseline keeps none. */
  readXattrs?: XattrReader;
  /** Told about unreadable paths and directories cut short by the scan bounds. */
  onScanIssue?: (issue: { path: string; message: string }) => void;
}

export function changeTrackerOptionsFromConfig(config: StateConfig): ChangeTrackerOptions {
  return { patterns: config.baseline, secretPrefixes: config.secret, textMaxBytes: config.textDiffMaxBytes, ignoreNames: config.ignoreNames };
}

function isExecutable(snapshot: FileSnapshot | null): boolean {
  return snapshot !== null && snapshot.fileType === 'file' && (snapshot.mode & 0o111) !== 0;
}

/**
 * An editor's swap or backup file: matched by name, and executable on neither side (an
 * executable "4913" in /etc/cron.daily would be run by run-parts, so it is reported).
 */
export function isIgnoredFile(path: string, old: FileSnapshot | null, now: FileSnapshot | null, names: readonly string[]): boolean {
  return names.length > 0 && basenameMatchesAny(path, names) && !isExecutable(old) && !isExecutable(now);
}

function parsePatternList(json: string | null): string[] {
  if (json === null) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string' && p.startsWith('/')) : [];
  } catch {
    return [];
  }
}

export class ChangeTracker {
  private patterns: string[];
  private readonly now: () => Date;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    private options: ChangeTrackerOptions,
  ) {
    this.patterns = options.patterns.map(normalizePattern);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * New settings (a policy reload). `covers` follows at once; comparisons already queued finish
   * with the old settings. Follow with `reconcileAll(undefined, ..., { offline: false })` to hash
   * newly covered paths (recorded silently) and forget the ones no longer covered.
   */
  reconfigure(options: ChangeTrackerOptions): void {
    this.options = { ...this.options, ...options };
    this.patterns = options.patterns.map(normalizePattern);
  }

  /** Whether events on `path` concern the baseline. */
  covers(path: string): boolean {
    return isAbsolute(path) && isCoveredByAny(normalize(path), this.patterns);
  }

  /**
   * Compares `path` on disk with its baseline entry; returns the change (also appended to
   * history) or null when nothing relevant changed or the path is not covered.
   */
  trackPath(path: string, by: Actor | null): Promise<ChangeRecord | null> {
    return this.serialized(async () => {
      if (!this.covers(path)) return null;
      const target = normalize(path);
      const now = await snapshotPath(target, this.snapshotOptions());
      const old = this.store.getBaseline(target);
      if (this.ignored(target, old, now)) {
        if (old) this.store.deleteBaseline(target);
        return null;
      }
      const record = compareSnapshots(target, old, now, { by, limits: this.limits() });
      if (record) await this.annotateOwner(record);
      const time = this.now();
      this.store.transaction(() => {
        // Deleting also drops a row that failed validation (getBaseline gave null for it).
        if (now) this.store.putBaseline(now, time);
        else this.store.deleteBaseline(target);
        if (record) this.store.appendHistory('change', record, time);
      });
      return record;
    });
  }

  /**
   * Scans everything the patterns cover and reports each difference from the baseline with
   * `offline: true`, then brings the baseline up to date. Paths covered only by patterns the
   * baseline was not built for before (first start, or a pattern newly added to the policy)
   * are recorded silently.
   */
  reconcileAll(
    patterns?: readonly string[],
    onProgress?: (done: number, total: number) => void,
    /** offline: at start (changes made while no agent ran); a re-check names why it ran instead */
    how: { offline: boolean; recheck?: RecheckReason; by?: Actor } = { offline: true },
  ): Promise<ChangeRecord[]> {
    return this.serialized(async () => {
      // read when the scan runs, not when it was queued (a reconfigure may come in between)
      const current = (patterns ?? this.patterns).map(normalizePattern);
      const previous = parsePatternList(this.store.getMeta(BASELINE_PATTERNS_META));
      const options = this.snapshotOptions();
      const scan = await scanBaseline(expandBaselinePaths(current, this.options.fs ?? nodeFs), {
        ...options,
        maxDepth: this.options.maxDepth,
        maxFilesPerRoot: this.options.maxFilesPerRoot,
        onProgress,
      });
      for (const error of scan.errors) this.options.onScanIssue?.(error);
      for (const root of scan.truncatedRoots) {
        this.options.onScanIssue?.({ path: root, message: 'directory has more files or depth than the scan bounds; the rest is not baselined' });
      }

      const records: ChangeRecord[] = [];
      const puts: FileSnapshot[] = [];
      const deletes: string[] = [];
      const seen = new Set<string>();
      const compare = (path: string, old: FileSnapshot | null, now: FileSnapshot | null) => {
        const record = compareSnapshots(path, old, now, { offline: how.offline, limits: this.limits(), by: how.by ?? null });
        if (record && !how.offline && how.recheck) record.recheck = how.recheck;
        if (record) records.push(record);
        if (now) puts.push(now);
        else deletes.push(path);
      };

      for (const snapshot of scan.snapshots) {
        seen.add(snapshot.path);
        const old = this.store.getBaseline(snapshot.path);
        if (this.ignored(snapshot.path, old, snapshot)) {
          if (old) deletes.push(snapshot.path);
          continue;
        }
        if (old === null && !isCoveredByAny(snapshot.path, previous)) puts.push(snapshot);
        else compare(snapshot.path, old, snapshot);
      }
      // Baseline entries the scan did not reach: gone, or beyond the scan bounds.
      for (const path of this.store.listBaselinePaths()) {
        if (seen.has(path)) continue;
        if (!isCoveredByAny(path, current)) {
          deletes.push(path); // no longer in the policy: forget it quietly
          continue;
        }
        let now: FileSnapshot | null;
        try {
          now = await snapshotPath(path, options);
        } catch (error) {
          this.options.onScanIssue?.({ path, message: (error as NodeJS.ErrnoException).code ?? String(error) });
          continue;
        }
        const old = this.store.getBaseline(path);
        if (this.ignored(path, old, now)) deletes.push(path);
        else compare(path, old, now);
      }

      const time = this.now();
      for (const record of records) await this.annotateOwner(record);
      this.store.transaction(() => {
        for (const snapshot of puts) this.store.putBaseline(snapshot, time);
        for (const path of deletes) this.store.deleteBaseline(path);
        for (const record of records) this.store.appendHistory('change', record, time);
        this.store.setMeta(BASELINE_PATTERNS_META, JSON.stringify(current));
      });
      return records;
    });
  }

  private snapshotOptions(): SnapshotOptions {
    return {
      hmacKey: this.store.hmacKey(),
      secretPrefixes: this.options.secretPrefixes,
      textMaxBytes: this.options.textMaxBytes,
      maxHashBytes: this.options.maxHashBytes,
      ...(this.options.readXattrs ? { readXattrs: this.options.readXattrs } : {}),
    };
  }

  private ignored(path: string, old: FileSnapshot | null, now: FileSnapshot | null): boolean {
    return isIgnoredFile(path, old, now, this.options.ignoreNames ?? []);
  }

  private limits(): DiffLimits {
    return this.options.limits ?? DEFAULT_DIFF_LIMITS;
  }

  private async annotateOwner(record: ChangeRecord): Promise<void> {
    if (!this.options.ownerOf) return;
    try {
      const owner = await this.options.ownerOf(record.path);
      if (owner !== undefined) record.package = owner;
    } catch {
      // the package database is advisory: a change is recorded without its owner rather than lost
    }
  }

  /** One operation at a time: a reconcile and an event on the same file must not interleave. */
  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
