import { PolicyError, describeValue } from '../policy/policyError.js';

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

interface NumberRule {
  readonly json: string;
  readonly min: number;
  /** Whether `min` itself is allowed. */
  readonly minInclusive: boolean;
  readonly max: number;
  readonly integer: boolean;
}

const day = 86_400;

const rules: { readonly [K in keyof DetectConfig]: NumberRule } = {
  halfLifeSeconds: { json: 'half_life_seconds', min: 0, minInclusive: false, max: day, integer: false },
  shortHalfLifeSeconds: { json: 'short_half_life_seconds', min: 0, minInclusive: false, max: 3600, integer: false },
  burstFactor: { json: 'burst_factor', min: 1, minInclusive: true, max: 1e6, integer: false },
  deviationFactor: { json: 'deviation_factor', min: 0, minInclusive: true, max: 1e6, integer: false },
  pidFloorWritesPerSecond: { json: 'pid_floor_writes_per_second', min: 0, minInclusive: false, max: 1e9, integer: false },
  pathFloorWritesPerSecond: { json: 'path_floor_writes_per_second', min: 0, minInclusive: false, max: 1e9, integer: false },
  fanoutDistinctFiles: { json: 'fanout_distinct_files', min: 2, minInclusive: true, max: 100_000, integer: true },
  fanoutWindowSeconds: { json: 'fanout_window_seconds', min: 0, minInclusive: false, max: 3600, integer: false },
  cooldownSeconds: { json: 'cooldown_seconds', min: 0, minInclusive: true, max: day, integer: false },
  warmupSeconds: { json: 'warmup_seconds', min: 0, minInclusive: true, max: day, integer: false },
  maxTrackedKeys: { json: 'max_tracked_keys', min: 1, minInclusive: true, max: 10_000_000, integer: true },
};

const configKeys = Object.keys(rules) as (keyof DetectConfig)[];
const configKeyByJson = new Map(configKeys.map((k) => [rules[k].json, k]));

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  return `${kind} ${rule.minInclusive ? '>=' : '>'} ${rule.min} and <= ${rule.max}`;
}

/**
 * Validates the `detect` section of a policy file. `raw` is the JSON value of the `detect` key; undefined means
 * all defaults, and missing keys take their default. Throws PolicyError naming the field (`detect.<key>`).
 */
export function parseDetectConfig(raw: unknown, file: string): DetectConfig {
  if (raw === undefined) return { ...defaultDetectConfig };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PolicyError(file, 'detect', 'an object', describeValue(raw));
  }
  const section = raw as Record<string, unknown>;
  for (const jsonKey of Object.keys(section)) {
    if (!configKeyByJson.has(jsonKey)) {
      throw new PolicyError(file, `detect.${jsonKey}`, `one of the keys ${[...configKeyByJson.keys()].join(', ')}`, 'an unknown key');
    }
  }
  const config: Record<string, number> = { ...defaultDetectConfig };
  for (const key of configKeys) {
    const rule = rules[key];
    if (!Object.hasOwn(section, rule.json)) continue;
    const value = section[rule.json];
    const inRange =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (rule.minInclusive ? value >= rule.min : value > rule.min) &&
      value <= rule.max &&
      (!rule.integer || Number.isInteger(value));
    if (!inRange) throw new PolicyError(file, `detect.${rule.json}`, describeRule(rule), describeValue(value));
    config[key] = value;
  }
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
