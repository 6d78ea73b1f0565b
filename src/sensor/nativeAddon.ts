/** Typed access to the native addon (build/native/lsmwatch.node) and the errors it throws. */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ABI_VERSION } from './contract.js';

export interface AttachResult {
  attached: Array<{ program: string; hook: string; progId: number; linkId: number }>;
  skipped: Array<{ program: string; reason: string }>;
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
    /** of recordsDropped, the exec/fork/exit records */
    processRecordsDropped: number;
    batchesDelivered: number;
    queuedBytes: number;
  };
}

export interface NativeSensor {
  attach(): AttachResult;
  updateElem(map: string, key: Buffer, value: Buffer): void;
  /** writes struct lw_settings; after start() only the addon's drainer thread writes the map */
  setSettings(value: Buffer): void;
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

export function loadAddon(packageRoot: string): NativeAddon {
  const path = join(packageRoot, 'build', 'native', 'lsmwatch.node');
  if (!existsSync(path)) {
    throw new SensorError(`the native addon is not built (${path}): run 'sudo make build' in the checkout`, 'ENOBUILD');
  }
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (err) {
    throw new SensorError(`loading the native addon ${path} failed: ${(err as Error).message}`, 'ENOADDON');
  }
  if (addon.abiVersion !== ABI_VERSION) {
    throw new SensorError(
      `the native addon ${path} speaks contract version ${String(addon.abiVersion)}, this agent version ${ABI_VERSION}: rebuild (make build)`,
      'EABI',
    );
  }
  return addon;
}
