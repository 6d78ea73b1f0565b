/** Which sensor runs and the run-time settings it reads from lw_settings_map (struct lw_settings). */
import { ForbidPtrace, Settings } from './contract.js';

/** What the user asked for (--sensor). */
export type SensorChoice = 'auto' | 'lsm' | 'tracepoint';
/** What runs. */
export type SensorName = 'lsm' | 'tracepoint';
export type ForbidPtraceMode = 'off' | 'self' | 'all';

export interface SensorSettings {
  forbidPtrace: ForbidPtraceMode;
  denyPtraceRead: boolean;
  protect?: boolean;
}

/** The key of the one entry of lw_settings_map. */
export const SETTINGS_KEY = Buffer.alloc(4);

export function encodeSettings(settings: SensorSettings): Buffer {
  const value = Buffer.alloc(Settings.size);
  const mode = settings.forbidPtrace === 'all' ? ForbidPtrace.ALL : settings.forbidPtrace === 'self' ? ForbidPtrace.SELF : ForbidPtrace.OFF;
  value.writeUInt32LE(mode, Settings.forbidPtrace);
  value.writeUInt32LE(settings.denyPtraceRead ? 1 : 0, Settings.denyPtraceRead);
  value.writeUInt32LE(settings.protect ? 1 : 0, Settings.protect);
  return value;
}
