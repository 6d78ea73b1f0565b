/**
 * Re-hashes lsmwatch's own files (from the build manifest, plus extras such as the loaded policy)
 * and asks whether its BPF programs are still attached. Reports only what is wrong, and once per
 * problem a `resolved` finding when it goes away.
 */
import path from 'node:path';
import { isSha256Hex } from './fileDigest.js';
import type { Manifest } from './manifest.js';

export type IntegrityStatus = 'mismatch' | 'missing' | 'unreadable' | 'detached' | 'tampered' | 'resolved';

/** One piece of kernel state the agent wrote (a map), and what differs from what it wrote, or null. */
export interface KernelStateCheck {
  name: string;
  problem: string | null;
}

/** One NDJSON-ready problem (or its resolution). Which optional fields are set depends on status. */
export interface IntegrityFinding {
  type: 'integrity';
  status: IntegrityStatus;
  /** Absolute path of the file concerned. */
  file?: string;
  expected?: string;
  actual?: string;
  error?: string;
  /** BPF object id; with `kind` telling whether it is a program or a link id. */
  prog_id?: number;
  kind?: 'prog' | 'link';
  name?: string;
}

export interface BpfAttachment {
  id: number;
  kind: 'prog' | 'link';
  name: string;
  attached: boolean;
}

export interface ExpectedFile {
  /** Absolute path. */
  path: string;
  /** Lowercase hex SHA-256. */
  sha256: string;
  /** What the file is, where the path alone does not say (the node executable). */
  name?: string;
}

export const NODE_EXECUTABLE = 'node executable';

export interface SelfIntegrityCheckerOptions {
  /** Install root the manifest's relative paths are joined onto. */
  rootDir: string;
  manifest: Manifest;
  /** Files outside the manifest whose content is known at startup (e.g. policy.json as loaded). */
  extraFiles?: readonly ExpectedFile[];
  /** Lowercase hex SHA-256 of a file; rejections are classified by their `code`. */
  hashFile: (absPath: string) => Promise<string>;
  /**
   * Every program/link lsmwatch expects, with whether it is still attached. Must keep listing an
   * entry (attached: false) when it disappears, or the checker cannot tell.
   */
  checkAttachments?: () => Promise<BpfAttachment[]>;
  /** The maps the agent filled (settings, watch list), compared with what it wrote; every one each time. */
  checkKernelState?: () => Promise<KernelStateCheck[]>;
  /**
   * Files hashed at once (default 1: a background check should not compete with the sensor for
   * I/O). The start-up check, which runs before the sensor, uses a few: under emulation (the VM
   * test bed) it is bound by per-read overhead, not by the disk.
   */
  concurrency?: number;
}

export interface IntegrityCheckResult {
  findings: IntegrityFinding[];
  /** Files hashed in this check (manifest entries plus extra files), good or bad. */
  filesChecked: number;
  /** abort() ended this check early: findings and filesChecked cover only part of the files. */
  aborted?: boolean;
}

export interface SelfIntegrityChecker {
  /** Concurrent calls share the check already running instead of starting another. */
  check(): Promise<IntegrityCheckResult>;
  /** Ends the check in progress after the files being hashed now (the agent is stopping). */
  abort(): void;
  /** The absolute files every check covers, in check order. */
  readonly files: readonly ExpectedFile[];
  /**
   * A file's expected content changed legitimately (the policy was reloaded): later checks expect
   * `sha256` (an outstanding mismatch then resolves). Adds the file if it was not covered yet.
   */
  expect(file: ExpectedFile): void;
}

/** Keeps one finding's error text readable in a log line. */
const MAX_ERROR_LENGTH = 300;

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > MAX_ERROR_LENGTH ? text.slice(0, MAX_ERROR_LENGTH) + '…' : text;
}

/** The files a check covers: manifest entries below rootDir, then extras. Validates the extras. */
function expectedFiles(rootDir: string, manifest: Manifest, extraFiles: readonly ExpectedFile[]): ExpectedFile[] {
  const files: ExpectedFile[] = Object.keys(manifest.files)
    .sort()
    .map((rel): ExpectedFile => ({ path: path.join(rootDir, rel), sha256: manifest.files[rel]!.sha256 }));
  if (manifest.executable) files.push({ path: manifest.executable.path, sha256: manifest.executable.sha256, name: NODE_EXECUTABLE });
  for (const extra of extraFiles) {
    if (!path.isAbsolute(extra.path)) throw new Error(`extraFiles: ${JSON.stringify(extra.path)} is not an absolute path`);
    if (!isSha256Hex(extra.sha256)) throw new Error(`extraFiles: ${extra.path}: sha256 is not a lowercase hex SHA-256`);
    files.push({ ...extra, path: path.normalize(extra.path) });
  }
  return files;
}

/** fn over items, at most `limit` at a time, until stopped(); results in the items' order (undefined: not run). */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, stopped: () => boolean): Promise<(R | undefined)[]> {
  const results = new Array<R | undefined>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length && !stopped(); i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function checkFile(file: ExpectedFile, hashFile: (absPath: string) => Promise<string>): Promise<IntegrityFinding | null> {
  const named = file.name === undefined ? {} : { name: file.name };
  let actual: string;
  try {
    actual = await hashFile(file.path);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { type: 'integrity', status: 'missing', file: file.path, expected: file.sha256, ...named };
    }
    return { type: 'integrity', status: 'unreadable', file: file.path, expected: file.sha256, error: errorText(err), ...named };
  }
  if (actual.toLowerCase() === file.sha256) return null;
  return { type: 'integrity', status: 'mismatch', file: file.path, expected: file.sha256, actual, ...named };
}

export function createSelfIntegrityChecker(options: SelfIntegrityCheckerOptions): SelfIntegrityChecker {
  if (!path.isAbsolute(options.rootDir)) throw new Error(`rootDir must be absolute, got ${JSON.stringify(options.rootDir)}`);
  const files = expectedFiles(path.normalize(options.rootDir), options.manifest, options.extraFiles ?? []);
  const { hashFile, checkAttachments, checkKernelState } = options;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));

  // Problems reported by earlier checks, by key, so their disappearance can be reported once.
  const outstanding = new Map<string, IntegrityFinding>();
  let running: Promise<IntegrityCheckResult> | null = null;
  let current: { aborted: boolean } | null = null;

  async function runCheck(): Promise<IntegrityCheckResult> {
    const findings: IntegrityFinding[] = [];

    const run = { aborted: false };
    current = run;
    const results = await mapBounded(files, concurrency, (file) => checkFile(file, hashFile), () => run.aborted);
    if (run.aborted) return { findings, filesChecked: results.filter((r) => r !== undefined).length, aborted: true };
    files.forEach((file, i) => {
      const key = `file:${file.path}`;
      const finding = results[i]!;
      if (finding !== null) {
        findings.push(finding);
        outstanding.set(key, finding);
      } else if (outstanding.delete(key)) {
        findings.push({ type: 'integrity', status: 'resolved', file: file.path, ...(file.name === undefined ? {} : { name: file.name }) });
      }
    });

    if (checkAttachments !== undefined) {
      let attachments: BpfAttachment[] | null = null;
      try {
        attachments = await checkAttachments();
      } catch (err) {
        // Not knowing is itself worth reporting; earlier detachments stay outstanding.
        findings.push({ type: 'integrity', status: 'unreadable', name: 'bpf attachments', error: errorText(err) });
      }
      for (const a of attachments ?? []) {
        const key = `${a.kind}:${a.id}`;
        if (!a.attached) {
          const finding: IntegrityFinding = { type: 'integrity', status: 'detached', prog_id: a.id, kind: a.kind, name: a.name };
          findings.push(finding);
          outstanding.set(key, finding);
        } else if (outstanding.delete(key)) {
          // Only an explicit attached: true resolves; an entry that vanished stays outstanding.
          findings.push({ type: 'integrity', status: 'resolved', prog_id: a.id, kind: a.kind, name: a.name });
        }
      }
    }

    if (checkKernelState !== undefined) {
      let states: KernelStateCheck[] = [];
      try {
        states = await checkKernelState();
      } catch (err) {
        findings.push({ type: 'integrity', status: 'unreadable', name: 'kernel state', error: errorText(err) });
      }
      for (const state of states) {
        const key = `map:${state.name}`;
        if (state.problem !== null) {
          const finding: IntegrityFinding = { type: 'integrity', status: 'tampered', name: state.name, error: state.problem };
          findings.push(finding);
          outstanding.set(key, finding);
        } else if (outstanding.delete(key)) {
          findings.push({ type: 'integrity', status: 'resolved', name: state.name });
        }
      }
    }

    return { findings, filesChecked: files.length };
  }

  return {
    files,
    expect(file) {
      if (!path.isAbsolute(file.path)) throw new Error(`expect: ${JSON.stringify(file.path)} is not an absolute path`);
      if (!isSha256Hex(file.sha256)) throw new Error(`expect: ${file.path}: sha256 is not a lowercase hex SHA-256`);
      const normalized = path.normalize(file.path);
      const existing = files.find((f) => f.path === normalized);
      if (existing) existing.sha256 = file.sha256;
      else files.push({ path: normalized, sha256: file.sha256 });
    },
    abort() {
      if (current) current.aborted = true;
    },
    check() {
      running ??= runCheck().finally(() => {
        running = null;
      });
      return running;
    },
  };
}
