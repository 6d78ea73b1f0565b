import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicyError } from '../../../src/policy/policyError.js';
import { defaultDetectConfig, parseDetectConfig } from '../../../src/detect/config.js';

const file = '/etc/lsmwatch/policy.json';

function policyErrorOf(raw: unknown): PolicyError {
  try {
    parseDetectConfig(raw, file);
  } catch (err) {
    assert.instance(err, PolicyError);
    return err as PolicyError;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
  throw new Error('unreachable');
}

test('a missing detect section gives the defaults, as a fresh object', () => {
  const config = parseDetectConfig(undefined, file);
  assert.equal(config, defaultDetectConfig);
  assert.is.not(config, defaultDetectConfig);
  assert.ok(Object.isFrozen(defaultDetectConfig));
});

test('snake_case keys map to camelCase fields; missing keys keep their default', () => {
  const config = parseDetectConfig(
    JSON.parse('{"half_life_seconds": 120, "pid_floor_writes_per_second": 500, "max_tracked_keys": 100, "cooldown_seconds": 0}'),
    file,
  );
  assert.equal(config, {
    ...defaultDetectConfig,
    halfLifeSeconds: 120,
    pidFloorWritesPerSecond: 500,
    maxTrackedKeys: 100,
    cooldownSeconds: 0,
  });
});

test('every documented key is accepted', () => {
  const raw = {
    half_life_seconds: 30,
    short_half_life_seconds: 0.5,
    burst_factor: 3,
    deviation_factor: 5,
    pid_floor_writes_per_second: 2000,
    path_floor_writes_per_second: 800,
    fanout_distinct_files: 50,
    fanout_window_seconds: 5,
    cooldown_seconds: 10,
    warmup_seconds: 0,
    max_tracked_keys: 1,
  };
  assert.equal(parseDetectConfig(raw, file), {
    halfLifeSeconds: 30,
    shortHalfLifeSeconds: 0.5,
    burstFactor: 3,
    deviationFactor: 5,
    pidFloorWritesPerSecond: 2000,
    pathFloorWritesPerSecond: 800,
    fanoutDistinctFiles: 50,
    fanoutWindowSeconds: 5,
    cooldownSeconds: 10,
    warmupSeconds: 0,
    maxTrackedKeys: 1,
  });
});

test('unknown key is an error naming it', () => {
  const err = policyErrorOf({ half_life_seconds: 60, halfLifeSeconds: 60 });
  assert.is(err.field, 'detect.halfLifeSeconds');
  assert.is(err.file, file);
  assert.match(err.message, /^\/etc\/lsmwatch\/policy\.json: detect\.halfLifeSeconds: expected one of the known keys \(half_life_seconds, /);
  assert.match(err.message, /, got an unknown key$/);
  assert.is(policyErrorOf(JSON.parse('{"__proto__": {}}')).field, 'detect.__proto__');
});

test('wrong type is an error naming the field and the value', () => {
  const err = policyErrorOf({ half_life_seconds: '60' });
  assert.is(err.field, 'detect.half_life_seconds');
  assert.is(err.got, '"60"');
  assert.is(policyErrorOf({ max_tracked_keys: null }).field, 'detect.max_tracked_keys');
  assert.is(policyErrorOf({ cooldown_seconds: [1] }).got, 'an array');
  assert.is(policyErrorOf({ burst_factor: true }).field, 'detect.burst_factor');
});

test('absent or null means every default', () => {
  assert.equal(parseDetectConfig(null, file), defaultDetectConfig);
});

test('the section itself must be an object', () => {
  for (const raw of [5, 'x', [], true]) {
    const err = policyErrorOf(raw);
    assert.is(err.field, 'detect');
    assert.is(err.expected, 'an object');
  }
});

test('out of range values are errors naming the field', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ half_life_seconds: 0 }, 'detect.half_life_seconds'],
    [{ half_life_seconds: -1 }, 'detect.half_life_seconds'],
    [{ half_life_seconds: Infinity }, 'detect.half_life_seconds'],
    [{ half_life_seconds: NaN }, 'detect.half_life_seconds'],
    [{ short_half_life_seconds: 0 }, 'detect.short_half_life_seconds'],
    [{ burst_factor: 0.5 }, 'detect.burst_factor'],
    [{ deviation_factor: -1 }, 'detect.deviation_factor'],
    [{ pid_floor_writes_per_second: 0 }, 'detect.pid_floor_writes_per_second'],
    [{ path_floor_writes_per_second: -5 }, 'detect.path_floor_writes_per_second'],
    [{ fanout_distinct_files: 1 }, 'detect.fanout_distinct_files'],
    [{ fanout_distinct_files: 10.5 }, 'detect.fanout_distinct_files'],
    [{ fanout_window_seconds: 0 }, 'detect.fanout_window_seconds'],
    [{ cooldown_seconds: -0.1 }, 'detect.cooldown_seconds'],
    [{ warmup_seconds: 1e9 }, 'detect.warmup_seconds'],
    [{ max_tracked_keys: 0 }, 'detect.max_tracked_keys'],
    [{ max_tracked_keys: 1.5 }, 'detect.max_tracked_keys'],
    [{ max_tracked_keys: 1e12 }, 'detect.max_tracked_keys'],
  ];
  for (const [raw, field] of cases) assert.is(policyErrorOf(raw).field, field, JSON.stringify(raw));
  assert.match(policyErrorOf({ max_tracked_keys: 0 }).message, /expected an integer from 1 to 10000000, got number 0/);
});

test('the short half-life must be below the baseline half-life', () => {
  const err = policyErrorOf({ half_life_seconds: 5, short_half_life_seconds: 5 });
  assert.is(err.field, 'detect.short_half_life_seconds');
  assert.match(err.expected, /< detect\.half_life_seconds \(5\)/);
  assert.is(policyErrorOf({ half_life_seconds: 0.5 }).field, 'detect.short_half_life_seconds');
});

test.run();
