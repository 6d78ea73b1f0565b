import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMetricsConfig } from '../../../src/metrics/metricsConfig.js';
import { PolicyError } from '../../../src/policy/policyError.js';

test('off unless listen is given; null is off', () => {
  assert.equal(parseMetricsConfig(undefined, '/p'), { listen: null });
  assert.equal(parseMetricsConfig({ listen: null }, '/p'), { listen: null });
  assert.equal(parseMetricsConfig({ listen: '127.0.0.1:9464' }, '/p'), { listen: { host: '127.0.0.1', port: 9464 } });
});

test('errors name the field like every other section', () => {
  assert.throws(() => parseMetricsConfig({ listen: 9464 }, '/p'), (e: unknown) => e instanceof PolicyError && /^\/p: metrics\.listen: expected an address string/.test(e.message));
  assert.throws(() => parseMetricsConfig({ listen: 'host:1' }, '/p'), /metrics\.listen: expected PORT/);
});

test.run();
