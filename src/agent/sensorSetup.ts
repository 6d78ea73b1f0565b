/** Picks, loads, configures and attaches a sensor. Maps are filled before attaching so the very
 * first event is already filtered by the policy. */
import { ForbidPtrace, Settings } from '../sensor/contract.js';
import { SensorError, type AttachResult, type NativeAddon, type NativeSensor } from '../sensor/nativeAddon.js';
import { lsmUnavailableReason, type HostProbe } from '../sensor/hostSupport.js';
import type { WatchPlan } from '../sensor/watchPlan.js';
import type { ForbidPtraceMode, SensorChoice } from '../cli/args.js';
import type { SensorName } from '../events/formatEvent.js';

export interface SensorSettings {
  forbidPtrace: ForbidPtraceMode;
  denyPtraceRead: boolean;
  protect?: boolean;
}

export interface ActiveSensor {
  name: SensorName;
  native: NativeSensor;
  attach: AttachResult;
  /** why the LSM sensor is not in use (auto fell back), or null */
  fallbackReason: string | null;
  enforcement: boolean;
  /** inodes marked before attaching, and planned marks whose path was gone by then */
  marked: number;
  markMissing: number;
}

export function encodeSettings(settings: SensorSettings): Buffer {
  const value = Buffer.alloc(Settings.size);
  const mode = settings.forbidPtrace === 'all' ? ForbidPtrace.ALL : settings.forbidPtrace === 'self' ? ForbidPtrace.SELF : ForbidPtrace.OFF;
  value.writeUInt32LE(mode, Settings.forbidPtrace);
  value.writeUInt32LE(settings.denyPtraceRead ? 1 : 0, Settings.denyPtraceRead);
  value.writeUInt32LE(settings.protect ? 1 : 0, Settings.protect);
  return value;
}

const SETTINGS_KEY = Buffer.alloc(4);

export function applySettings(native: NativeSensor, settings: SensorSettings): void {
  native.updateElem('lw_settings_map', SETTINGS_KEY, encodeSettings(settings));
}

interface SetupRequest {
  addon: NativeAddon;
  choice: SensorChoice;
  probe: HostProbe;
  watchPlan: Pick<WatchPlan, 'keys' | 'marks'>;
  settings: SensorSettings;
  ringBytes: number;
  queueBytes: number;
  aggregateWindowMs: number;
}

interface Loaded {
  native: NativeSensor;
  attach: AttachResult;
  marked: number;
  markMissing: number;
}

/** Marks go in before the programs attach: the first event is already judged by identity. A path
 * removed since the plan was made is skipped (nothing to mark); any other failure is fatal. */
function applyMarks(native: NativeSensor, marks: WatchPlan['marks']): { marked: number; missing: number } {
  let marked = 0;
  let missing = 0;
  for (const m of marks) {
    try {
      native.markPath(m.path, m.flags, m.watch, m.id, m.pin);
      marked++;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      missing++;
    }
  }
  return { marked, missing };
}

function loadConfigured(req: SetupRequest, kind: SensorName): Loaded {
  let native: NativeSensor | null = null;
  try {
    native = new req.addon.Sensor({
      kind,
      agentTgid: process.pid,
      ringBytes: req.ringBytes,
      queueBytes: req.queueBytes,
      aggregateWindowMs: req.aggregateWindowMs,
    });
    for (const entry of req.watchPlan.keys) native.updateElem('lw_watch', entry.key, entry.value);
    const { marked, missing } = applyMarks(native, req.watchPlan.marks);
    applySettings(native, req.settings);
    const attach = native.attach();
    return { native, attach, marked, markMissing: missing };
  } catch (err) {
    native?.close();
    throw SensorError.from(err, `${kind} sensor`);
  }
}

export function setUpSensor(req: SetupRequest): ActiveSensor {
  let fallbackReason: string | null = null;
  if (req.choice !== 'tracepoint') {
    const unavailable = lsmUnavailableReason(req.probe);
    if (unavailable === null) {
      try {
        const loaded = loadConfigured(req, 'lsm');
        return { name: 'lsm', ...loaded, fallbackReason: null, enforcement: true };
      } catch (err) {
        const e = err as SensorError;
        if (req.choice === 'lsm') {
          throw new SensorError(
            `--sensor lsm: the kernel refused the BPF LSM programs (${e.message}); on this kernel use --sensor auto or --sensor tracepoint`,
            e.code,
            e.log,
          );
        }
        fallbackReason = `the kernel refused the BPF LSM programs (${e.code}: ${e.message})`;
      }
    } else {
      if (req.choice === 'lsm') throw new SensorError(`BPF LSM is unavailable: ${unavailable}`, 'ENOLSM');
      fallbackReason = unavailable;
    }
  }
  const loaded = loadConfigured(req, 'tracepoint');
  return { name: 'tracepoint', ...loaded, fallbackReason, enforcement: false };
}
