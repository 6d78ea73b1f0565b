/** Typed access to the native addon (build/native/lsmwatch.node) and the errors it throws. */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export interface AttachResult {
  attached: Array<{ program: string; hook: string; progId: number; linkId: number }>;
  skipped: Array<{ program: string; reason: string }>;
  /** program variants loaded instead of the object's first choice, because this kernel lacks
   * something the first choice uses (see native/src/program_variants.h) */
  variants: Array<{ program: string; variant: string; reason: string }>;
}

/** The ready line's summary of the variants in use: "default", or their suffixes (no_atomics). */
export function variantSummary(attach: AttachResult): string {
  const suffixes = new Set(attach.variants.map((v) => v.variant.slice(v.variant.indexOf('__') + 2)));
  return suffixes.size === 0 ? 'default' : [...suffixes].sort().join('+');
}

/** The variants in use grouped by why their first choice could not load: one stderr line each. */
export function variantsByReason(attach: AttachResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of attach.variants) out.set(v.reason, [...(out.get(v.reason) ?? []), v.variant]);
  return out;
}

export interface AttachmentState {
  program: string;
  hook: string;
  progId: number;
  linkId: number;
  progPresent: boolean;
  linkPresent: boolean;
}

export interface NativeStats {
  kernel: number[];
  user: {
    recordsReceived: number;
    recordsDelivered: number;
    recordsDropped: number;
    batchesDelivered: number;
    queuedBytes: number;
  };
}

export interface NativeSensor {
  attach(): AttachResult;
  updateElem(map: string, key: Buffer, value: Buffer): void;
  deleteElem(map: string, key: Buffer): void;
  start(onBatch: (records: Buffer, count: number) => void): void;
  pause(): void;
  resume(): void;
  stats(): NativeStats;
  verifyAttachments(): AttachmentState[];
  objectIds(): { maps: Array<{ name: string; id: number }>; progs: Array<{ name: string; id: number }> };
  /** lift --protect if heartbeat() is not called for timeoutMs (checked off the JS thread) */
  armWatchdog(timeoutMs: number): void;
  heartbeat(): void;
  watchdogFired(): boolean;
  /** detaches every program; counters and queued records stay readable */
  detach(): void;
  /** last pass over the ring buffer, then every queued batch goes to onBatch synchronously */
  flush(onBatch: (records: Buffer, count: number) => void): void;
  close(): void;
}

export interface NativeSensorOptions {
  kind: 'lsm' | 'tracepoint';
  agentTgid: number;
  ringBytes?: number;
  /** in-kernel write aggregation window; 0 reports every write */
  aggregateWindowMs?: number;
  wakeupBytes?: number;
  batchBytes?: number;
  queueBytes?: number;
}

export interface NativeAddon {
  Sensor: new (options: NativeSensorOptions) => NativeSensor;
  setDumpable(dumpable: boolean): void;
  abiVersion: number;
}

/** A sensor failure with the errno-style code and libbpf's (verifier) log. */
export class SensorError extends Error {
  readonly code: string;
  readonly log: string;
  constructor(message: string, code: string, log = '') {
    super(message);
    this.name = 'SensorError';
    this.code = code;
    this.log = log;
  }

  static from(err: unknown, what: string): SensorError {
    if (err instanceof SensorError) return err;
    const e = err as { message?: string; code?: string; log?: string };
    return new SensorError(`${what}: ${e.message ?? String(err)}`, e.code ?? 'EUNKNOWN', e.log ?? '');
  }
}

/** The addon of the package at packageRoot: an absolute path fixed by where the agent's own files
 * are, never searched for (no current directory, NODE_PATH or require hooks involved). */
export function addonPath(packageRoot: string): string {
  if (!isAbsolute(packageRoot)) {
    throw new SensorError(`the package root must be an absolute path, not ${JSON.stringify(packageRoot)}`, 'EADDONPATH');
  }
  return join(packageRoot, 'build', 'native', 'lsmwatch.node');
}

/** Native code runs as root: refuse an addon that someone other than root (or us) could have
 * replaced, i.e. one owned by another user or writable by group or others, or in such a directory. */
export function checkAddonFile(path: string, euid: number = process.geteuid?.() ?? 0): void {
  for (const p of [path, dirname(path)]) {
    const st = statSync(p);
    if (st.uid !== 0 && st.uid !== euid) {
      throw new SensorError(`refusing to load the native addon: ${p} belongs to uid ${st.uid}, not root`, 'EADDONPERM');
    }
    if ((st.mode & 0o022) !== 0) {
      throw new SensorError(
        `refusing to load the native addon: ${p} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod go-w it`,
        'EADDONPERM',
      );
    }
  }
}

export function loadAddon(packageRoot: string): NativeAddon {
  const path = addonPath(packageRoot);
  if (!existsSync(path)) {
    throw new SensorError(`the native addon is missing (${path}): build it with 'sudo make build' in the checkout, or reinstall the package`, 'ENOBUILD');
  }
  checkAddonFile(path);
  const module = { exports: {} as unknown };
  try {
    process.dlopen(module, path);
    return module.exports as NativeAddon;
  } catch (err) {
    throw new SensorError(`loading the native addon ${path} failed: ${(err as Error).message}`, 'ENOADDON');
  }
}
