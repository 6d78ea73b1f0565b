/** The policy's `integrity` section: how often lsmwatch re-checks its own files and BPF attachments. */
import { PolicyError, describeValue } from '../policy/policyError.js';

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

const INTEGRITY_KEYS = ['interval'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates the `integrity` section (absent or null → defaults). Unknown keys are errors. */
export function parseIntegrityConfig(raw: unknown, file: string): IntegrityConfig {
  if (raw === undefined || raw === null) return { ...DEFAULT_INTEGRITY_CONFIG };
  if (!isPlainObject(raw)) throw new PolicyError(file, 'integrity', 'an object', describeValue(raw));
  for (const key of Object.keys(raw)) {
    if (!INTEGRITY_KEYS.includes(key)) {
      throw new PolicyError(file, `integrity.${key}`, `one of the keys ${INTEGRITY_KEYS.join(', ')}`, 'an unknown key');
    }
  }
  let interval = DEFAULT_INTEGRITY_INTERVAL_SECONDS;
  if (raw.interval !== undefined) {
    const value = raw.interval;
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < MIN_INTEGRITY_INTERVAL_SECONDS ||
      value > MAX_INTEGRITY_INTERVAL_SECONDS
    ) {
      throw new PolicyError(
        file,
        'integrity.interval',
        `an integer number of seconds from ${MIN_INTEGRITY_INTERVAL_SECONDS} to ${MAX_INTEGRITY_INTERVAL_SECONDS}`,
        describeValue(value),
      );
    }
    interval = value;
  }
  return { interval };
}

/** The interval in milliseconds, as startPeriodicCheck takes it. */
export function integrityIntervalMs(config: IntegrityConfig): number {
  return config.interval * 1000;
}
