import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicyError } from '../../../src/policy/policyError.js';
import {
  DEFAULT_BASELINE_PATTERNS,
  DEFAULT_SECRET_PREFIXES,
  DEFAULT_STATE_CONFIG,
  parseStateConfig,
  retentionLimits,
} from '../../../src/state/stateConfig.js';

test('absent section → defaults (a copy)', () => {
  const config = parseStateConfig(undefined, 'policy.json');
  assert.equal(config, DEFAULT_STATE_CONFIG);
  assert.ok(config.baseline.includes('/home/*/.ssh/authorized_keys'));
  assert.ok(config.baseline.includes('/usr/bin'));
  config.baseline.push('/x');
  assert.is(DEFAULT_STATE_CONFIG.baseline.length, DEFAULT_BASELINE_PATTERNS.length);
  assert.equal(parseStateConfig({}, 'p').secret, [...DEFAULT_SECRET_PREFIXES]);
});

test('values are taken and normalized', () => {
  const config = parseStateConfig(
    {
      baseline: ['/etc/passwd', '/etc/sudoers.d/', '/etc/passwd'],
      secret: ['/srv/keys/'],
      text_diff_max_bytes: 1024,
      retention: { max_age_days: 7 },
    },
    'p',
  );
  assert.equal(config.baseline, ['/etc/passwd', '/etc/sudoers.d']);
  assert.equal(config.secret, ['/srv/keys/']);
  assert.is(config.textDiffMaxBytes, 1024);
  assert.equal(config.retention, { maxAgeDays: 7, maxRows: 100_000 });
  assert.equal(retentionLimits(config.retention), { maxAgeSeconds: 7 * 86400, maxRows: 100_000 });
});

function rejects(raw: unknown, field: string): void {
  try {
    parseStateConfig(raw, 'policy.json');
  } catch (error) {
    assert.instance(error, PolicyError);
    assert.is((error as PolicyError).field, field);
    assert.is((error as PolicyError).file, 'policy.json');
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

test('errors name the field', () => {
  rejects([], 'state');
  rejects({ baselines: [] }, 'state.baselines');
  rejects({ baseline: '/etc' }, 'state.baseline');
  rejects({ baseline: ['etc/passwd'] }, 'state.baseline[0]');
  rejects({ baseline: ['/home/a*/x'] }, 'state.baseline[0]');
  rejects({ secret: [3] }, 'state.secret[0]');
  rejects({ text_diff_max_bytes: -1 }, 'state.text_diff_max_bytes');
  rejects({ text_diff_max_bytes: 1.5 }, 'state.text_diff_max_bytes');
  rejects({ retention: { max_rows: 0 } }, 'state.retention.max_rows');
  rejects({ retention: { max_age: 1 } }, 'state.retention.max_age');
  rejects({ retention: 5 }, 'state.retention');
});

test.run();
