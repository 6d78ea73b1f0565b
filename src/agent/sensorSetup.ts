/** Picks, loads, configures and attaches a sensor. Maps are filled before attaching so the very
 * first event is already filtered by the policy. */
import { SensorError, type AttachResult, type NativeAddon, type NativeSensor } from '../sensor/nativeAddon.js';
import { lsmUnavailableReason, type HostProbe } from '../sensor/hostSupport.js';
import type { WatchEntry } from '../sensor/watchKeys.js';
import { encodeSettings, type SensorChoice, type SensorName, type SensorSettings } from '../sensor/settings.js';

export interface ActiveSensor {
  name: SensorName;
  native: NativeSensor;
  attach: AttachResult;
  /** why the LSM sensor is not in use (auto fell back), or null */
  fallbackReason: string | null;
  enforcement: boolean;
}

export function applySettings(native: NativeSensor, settings: SensorSettings): void {
  native.setSettings(encodeSettings(settings));
}

interface SetupRequest {
  addon: NativeAddon;
  choice: SensorChoice;
  probe: HostProbe;
  watchEntries: WatchEntry[];
  settings: SensorSettings;
  ringBytes: number;
  queueBytes: number;
  aggregateWindowMs: number;
}

function loadConfigured(req: SetupRequest, kind: SensorName): { native: NativeSensor; attach: AttachResult } {
  let native: NativeSensor | null = null;
  try {
    native = new req.addon.Sensor({
      kind,
      agentTgid: process.pid,
      ringBytes: req.ringBytes,
      queueBytes: req.queueBytes,
      aggregateWindowMs: req.aggregateWindowMs,
    });
    for (const entry of req.watchEntries) native.updateElem('lw_watch', entry.key, entry.value);
    applySettings(native, req.settings);
    const attach = native.attach();
    return { native, attach };
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
        const { native, attach } = loadConfigured(req, 'lsm');
        return { name: 'lsm', native, attach, fallbackReason: null, enforcement: true };
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
    const { native, attach } = loadConfigured(req, 'tracepoint');
    return { name: 'tracepoint', native, attach, fallbackReason, enforcement: false };
  } catch (err) {
    if (fallbackReason === null) throw err;
    // neither sensor: say why LSM was not used as well, or the first half of the story is lost
    const e = err as SensorError;
    throw new SensorError(`no sensor could load: BPF LSM not used (${fallbackReason}); ${e.message}`, e.code, e.log);
  }
}
