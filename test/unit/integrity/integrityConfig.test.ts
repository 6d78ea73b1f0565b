import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicyError } from '../../../src/policy/policyError.js';
import { DEFAULT_INTEGRITY_CONFIG, integrityIntervalMs, parseIntegrityConfig } from '../../../src/integrity/integrityConfig.js';

function policyError(raw: unknown): PolicyError {
  try {
    parseIntegrityConfig(raw, '/etc/lsmwatch/policy.json');
  } catch (err) {
    assert.instance(err, PolicyError);
    return err as PolicyError;
  }
  assert.unreachable('expected a PolicyError');
  throw new Error('unreachable');
}

test('absent or null section gives the default of 30 seconds', () => {
  assert.equal(parseIntegrityConfig(undefined, 'p.json'), { interval: 30 });
  assert.equal(parseIntegrityConfig(null, 'p.json'), { interval: 30 });
  assert.equal(parseIntegrityConfig({}, 'p.json'), { interval: 30 });
  assert.equal(DEFAULT_INTEGRITY_CONFIG, { interval: 30 });
});

test('accepts the bounds', () => {
  assert.equal(parseIntegrityConfig({ interval: 1 }, 'p.json'), { interval: 1 });
  assert.equal(parseIntegrityConfig({ interval: 86_400 }, 'p.json'), { interval: 86_400 });
});

test('the returned config is a fresh object', () => {
  const a = parseIntegrityConfig(undefined, 'p.json');
  a.interval = 5;
  assert.equal(parseIntegrityConfig(undefined, 'p.json'), { interval: 30 });
});

for (const bad of [0, 86_401, -5, 1.5, '30', null, true, Number.NaN]) {
  test(`rejects interval ${String(bad)}`, () => {
    const err = policyError({ interval: bad });
    assert.is(err.field, 'integrity.interval');
    assert.is(err.file, '/etc/lsmwatch/policy.json');
    assert.match(err.message, /^\/etc\/lsmwatch\/policy\.json: integrity\.interval: expected an integer from 1 to 86400 \(seconds\), got /);
  });
}

test('unknown keys are errors naming the key', () => {
  const err = policyError({ interval: 30, intervall: 10 });
  assert.is(err.field, 'integrity.intervall');
  assert.match(err.message, /one of the known keys \(interval\), got an unknown key/);
});

test('a non-object section is an error', () => {
  assert.is(policyError([]).field, 'integrity');
  assert.is(policyError(30).field, 'integrity');
  assert.match(policyError('fast').message, /expected an object, got "fast"/);
});

test('integrityIntervalMs', () => {
  assert.is(integrityIntervalMs({ interval: 30 }), 30_000);
});

test.run();
