/** The policy's `integrity` section: how often lsmwatch re-checks its own files and BPF attachments. */
import { PolicySection } from '../policy/validate.js';

export interface IntegrityConfig {
  /** Seconds between the end of one self-check and the start of the next. */
  interval: number;
}

export const DEFAULT_INTEGRITY_INTERVAL_SECONDS = 30;
export const MIN_INTEGRITY_INTERVAL_SECONDS = 1;
/** One day: a longer gap would make the check meaningless. */
export const MAX_INTEGRITY_INTERVAL_SECONDS = 86_400;

export const DEFAULT_INTEGRITY_CONFIG: Readonly<IntegrityConfig> = Object.freeze({
  interval: DEFAULT_INTEGRITY_INTERVAL_SECONDS,
});

/** Validates the `integrity` section (absent or null → defaults). Unknown keys are errors. */
export function parseIntegrityConfig(raw: unknown, file: string): IntegrityConfig {
  const section = PolicySection.of(raw, file, 'integrity', ['interval']);
  return {
    interval: section.number(
      'interval',
      { min: MIN_INTEGRITY_INTERVAL_SECONDS, max: MAX_INTEGRITY_INTERVAL_SECONDS, integer: true, unit: 'seconds' },
      DEFAULT_INTEGRITY_INTERVAL_SECONDS,
    ),
  };
}

/** The interval in milliseconds, as startPeriodicCheck takes it. */
export function integrityIntervalMs(config: IntegrityConfig): number {
  return config.interval * 1000;
}
