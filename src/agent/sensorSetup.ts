/** Picks, loads, configures and attaches a sensor. Maps are filled before attaching so the very
 * first event is already filtered by the policy. */
import { SensorError, type AttachResult, type NativeAddon, type NativeSensor } from '../sensor/nativeAddon.js';
import { lsmUnavailableReason, type HostProbe } from '../sensor/hostSupport.js';
import type { WatchPlan } from '../sensor/watchPlan.js';
import { applyMarks, type MarkedSet } from './watchMarks.js';
import { encodeSettings, type SensorChoice, type SensorName, type SensorSettings } from '../sensor/settings.js';

export interface ActiveSensor {
  name: SensorName;
  native: NativeSensor;
  attach: AttachResult;
  /** why the LSM sensor is not in use (auto fell back), or null */
  fallbackReason: string | null;
  enforcement: boolean;
  /** the inodes marked before attaching (planned marks whose path was gone are not in it) */
  marks: MarkedSet;
}

export function applySettings(native: NativeSensor, settings: SensorSettings): void {
  native.setSettings(encodeSettings(settings));
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
  marks: MarkedSet;
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
    // marks go in before the programs attach: the first event is already judged by identity
    const marks = applyMarks(native, req.watchPlan.marks);
    applySettings(native, req.settings);
    const attach = native.attach();
    return { native, attach, marks };
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
  try {
    const loaded = loadConfigured(req, 'tracepoint');
    return { name: 'tracepoint', ...loaded, fallbackReason, enforcement: false };
  } catch (err) {
    if (fallbackReason === null) throw err;
    // neither sensor: say why LSM was not used as well, or the first half of the story is lost
    const e = err as SensorError;
    throw new SensorError(`no sensor could load: BPF LSM not used (${fallbackReason}); ${e.message}`, e.code, e.log);
  }
}
