/** What the running sensor can enforce of what was asked (--protect, --forbid-ptrace), and what the
 * agent does where it cannot: refuse to run (--require-enforcement) or say so and do what it can. */
import { SensorError, type NativeAddon } from '../sensor/nativeAddon.js';
import type { Notices } from '../log/notices.js';
import type { RunOptions } from './runOptions.js';
import type { ActiveSensor } from './sensorSetup.js';

/** Throws (after closing the sensor) where enforcement is required and unavailable. */
export function settleEnforcement(active: ActiveSensor, options: RunOptions, addon: NativeAddon, notices: Notices): void {
  if (active.enforcement) return;
  if (options.requireEnforcement && (options.protect || options.forbidPtrace !== 'off')) {
    active.native.close();
    const what = options.protect ? '--protect' : `--forbid-ptrace=${options.forbidPtrace}`;
    throw new SensorError(`${what} needs the LSM sensor, and the ${active.name} sensor cannot enforce (--require-enforcement)`, 'ENOENFORCE');
  }
  if (options.forbidPtrace !== 'off') {
    addon.setDumpable(false);
    notices.warn(
      `--forbid-ptrace=${options.forbidPtrace} cannot be enforced by the ${active.name} sensor; the agent made itself non-dumpable (PR_SET_DUMPABLE 0), which stops tracers without CAP_SYS_PTRACE from attaching to it`,
    );
  }
  if (options.protect) notices.warn(`--protect needs the LSM sensor: the ${active.name} sensor cannot guard the agent`);
}
