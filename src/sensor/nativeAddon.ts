/** Typed access to the native addon (build/native/lsmwatch.node) and the errors it throws. */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { ABI_VERSION } from './contract.js';

export interface AttachResult {
  attached: Array<{ program: string; hook: string; progId: number; linkId: number }>;
  skipped: Array<{ program: string; reason: string }>;
  /** program variants loaded instead of the object's first choice, because this kernel lacks
   * something the first choice uses (see native/src/program_variants.h) */
  variants: Array<{ program: string; variant: string; reason: string }>;
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
    /** of recordsDropped, the exec/fork/exit records */
    processRecordsDropped: number;
    batchesDelivered: number;
    queuedBytes: number;
    /** the bound of the queue (--queue-bytes) */
    queueCapacityBytes: number;
  };
}

export interface SensorFeatures {
  /** tracepoint: rename/unlink paths resolved through the dcache (needs bpf_loop, 5.17+) */
  dcacheResolver: boolean;
  /** LSM: path operations reported once they succeeded (needs bpf_get_func_ret, 5.17+) */
  postOpRecords: boolean;
}

export interface MapInfo {
  name: string;
  id: number;
  /** enum bpf_map_type */
  type: number;
  maxEntries: number;
  keySize: number;
  valueSize: number;
}

export interface MapCount {
  name: string;
  entries: number;
  /** false when the walk hit its bound or failed (error) */
  complete: boolean;
  /** 'batch' (BPF_MAP_LOOKUP_BATCH) or 'next_key' (BPF_MAP_GET_NEXT_KEY) */
  method: string;
  error?: string;
}

export interface ProgramRunStats {
  program: string;
  hook: string;
  progId: number;
  ok: boolean;
  /** bpf_prog_info.run_cnt / run_time_ns: counted only while kernel.bpf_stats_enabled=1 */
  runCnt: number;
  runTimeNs: number;
  recursionMisses: number;
}

export interface RingUsage {
  ok: boolean;
  pendingBytes: number;
  capacityBytes: number;
}

export interface NativeSensor {
  attach(): AttachResult;
  updateElem(map: string, key: Buffer, value: Buffer): void;
  /** writes struct lw_settings; after start() only the addon's drainer thread writes the map */
  setSettings(value: Buffer): void;
  /** what a map holds now (bounded; complete: false if there were more entries) */
  readMap(map: string, maxEntries: number): { entries: Array<{ key: Buffer; value: Buffer }>; complete: boolean };
  deleteElem(map: string, key: Buffer): void;
  /** marks the inode at path (a last symlink not followed) in lw_inode_marks; pin keeps an fd open.
   * Returns the kernel's key of it (struct lw_inode_key) */
  markPath(path: string, flags: number, watch: number, id: number, pin: boolean): Buffer;
  /** what this kernel let the sensor load */
  features(): SensorFeatures;
  lookupElem(map: string, key: Buffer): Buffer | null;
  /** deletes every entry of a hash map; returns how many */
  clearMap(map: string): number;
  mapInfo(): MapInfo[];
  /** counted on a worker thread, bounded by each map's capacity */
  countEntries(maps: string[]): Promise<MapCount[]>;
  runStats(): ProgramRunStats[];
  ringUsage(): RingUsage;
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
  /** SIG_IGN for each signal number (never SIGKILL or SIGSTOP) */
  ignoreSignals(signals: number[]): void;
  /** the extended attributes of an open file (at most 128; skipped: the rest, and any gone
   * between the list and the read); throws an Error with code on failure */
  readXattrs(fd: number): { entries: Array<{ name: Buffer; value: Buffer }>; skipped: number };
  /** one sd_notify(3) datagram; 0 or the errno of the failed send */
  sdNotify(socketPath: string, message: string): number;
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
  let addon: NativeAddon;
  try {
    process.dlopen(module, path);
    addon = module.exports as NativeAddon;
  } catch (err) {
    throw new SensorError(`loading the native addon ${path} failed: ${(err as Error).message}`, 'ENOADDON');
  }
  checkAbiVersion(addon, path);
  return addon;
}

/** The addon and this agent must read records the same way (bpf/include/lsmwatch.h LW_ABI_VERSION). */
export function checkAbiVersion(addon: Pick<NativeAddon, 'abiVersion'>, path: string): void {
  if (addon.abiVersion !== ABI_VERSION) {
    throw new SensorError(
      `the native addon ${path} speaks contract version ${String(addon.abiVersion)}, this agent version ${ABI_VERSION}: rebuild (make build)`,
      'EABI',
    );
  }
}
