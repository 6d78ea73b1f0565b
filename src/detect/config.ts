import { PolicyError, describeValue } from '../policy/policyError.js';
import { PolicySection, type NumberSpec } from '../policy/validate.js';

/** Tuning of the write detectors: the `detect` section of policy.json (snake_case there, camelCase here). */
export interface DetectConfig {
  /** Half-life of the long-horizon baseline (mean and variance of the write rate), seconds. */
  readonly halfLifeSeconds: number;
  /** Half-life of the short-horizon rate estimate that is compared with the baseline, seconds. */
  readonly shortHalfLifeSeconds: number;
  /** A burst is a rate above `burstFactor` × baseline mean ... */
  readonly burstFactor: number;
  /** ... and above baseline mean + `deviationFactor` × baseline standard deviation ... */
  readonly deviationFactor: number;
  /** ... and above this absolute floor (writes/s by one PID). */
  readonly pidFloorWritesPerSecond: number;
  /** Absolute floor for one path (writes/s to one file). */
  readonly pathFloorWritesPerSecond: number;
  /** Fan-out fires when one PID has written this many distinct files within the window. */
  readonly fanoutDistinctFiles: number;
  readonly fanoutWindowSeconds: number;
  /** Minimum time between two 'start' alerts of the same rule for the same key, seconds. */
  readonly cooldownSeconds: number;
  /** A new key's baseline is ignored (only the floor applies) for this long after its first write, seconds. */
  readonly warmupSeconds: number;
  /** Cap on keys tracked by each detector (pid, path, fan-out) separately; least recently used are evicted. */
  readonly maxTrackedKeys: number;
}

export const defaultDetectConfig: DetectConfig = Object.freeze({
  halfLifeSeconds: 60,
  shortHalfLifeSeconds: 1,
  burstFactor: 4,
  deviationFactor: 4,
  pidFloorWritesPerSecond: 1000,
  pathFloorWritesPerSecond: 1000,
  fanoutDistinctFiles: 100,
  fanoutWindowSeconds: 2,
  cooldownSeconds: 60,
  warmupSeconds: 10,
  maxTrackedKeys: 4096,
});

interface NumberRule extends NumberSpec {
  readonly json: string;
}

const day = 86_400;

const rules: { readonly [K in keyof DetectConfig]: NumberRule } = {
  halfLifeSeconds: { json: 'half_life_seconds', min: 0, minExclusive: true, max: day, integer: false },
  shortHalfLifeSeconds: { json: 'short_half_life_seconds', min: 0, minExclusive: true, max: 3600, integer: false },
  burstFactor: { json: 'burst_factor', min: 1, max: 1e6, integer: false },
  deviationFactor: { json: 'deviation_factor', min: 0, max: 1e6, integer: false },
  pidFloorWritesPerSecond: { json: 'pid_floor_writes_per_second', min: 0, minExclusive: true, max: 1e9, integer: false },
  pathFloorWritesPerSecond: { json: 'path_floor_writes_per_second', min: 0, minExclusive: true, max: 1e9, integer: false },
  fanoutDistinctFiles: { json: 'fanout_distinct_files', min: 2, max: 100_000, integer: true },
  fanoutWindowSeconds: { json: 'fanout_window_seconds', min: 0, minExclusive: true, max: 3600, integer: false },
  cooldownSeconds: { json: 'cooldown_seconds', min: 0, max: day, integer: false },
  warmupSeconds: { json: 'warmup_seconds', min: 0, max: day, integer: false },
  maxTrackedKeys: { json: 'max_tracked_keys', min: 1, max: 10_000_000, integer: true },
};

const configKeys = Object.keys(rules) as (keyof DetectConfig)[];
const jsonKeys = configKeys.map((k) => rules[k].json);

/**
 * Validates the `detect` section of a policy file. `raw` is the JSON value of the `detect` key; undefined means
 * all defaults, and missing keys take their default. Throws PolicyError naming the field (`detect.<key>`).
 */
export function parseDetectConfig(raw: unknown, file: string): DetectConfig {
  const section = PolicySection.of(raw, file, 'detect', jsonKeys);
  const config: Record<string, number> = {};
  for (const key of configKeys) config[key] = section.number(rules[key].json, rules[key], defaultDetectConfig[key]);
  const parsed = config as unknown as DetectConfig;
  // The short horizon must react faster than the baseline it is compared with (the estimator needs it strictly).
  if (parsed.shortHalfLifeSeconds >= parsed.halfLifeSeconds) {
    throw new PolicyError(
      file,
      `detect.${rules.shortHalfLifeSeconds.json}`,
      `a number < detect.${rules.halfLifeSeconds.json} (${parsed.halfLifeSeconds})`,
      describeValue(parsed.shortHalfLifeSeconds),
    );
  }
  return parsed;
}
