/** The run-time settings the kernel enforces (struct lw_settings), held in one place: --protect and
 * `lsmwatch ctl` change them here, and every change is written to the sensor as a whole. */
import type { SensorSettings } from '../sensor/settings.js';

export interface RuntimeSettings {
  readonly current: Readonly<Required<SensorSettings>>;
  update(change: Partial<SensorSettings>): void;
}

export function createRuntimeSettings(initial: Required<SensorSettings>, write: (settings: Required<SensorSettings>) => void): RuntimeSettings {
  let current = { ...initial };
  return {
    get current() {
      return current;
    },
    update(change) {
      const next = { ...current, ...change };
      write(next);
      current = next;
    },
  };
}
