import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicyError } from '../../../src/policy/policyError.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_BASELINE_PATTERNS,
  DEFAULT_IGNORE_NAMES,
  DEFAULT_SECRET_PREFIXES,
  DEFAULT_STATE_CONFIG,
  parseStateConfig,
  retentionLimits,
} from '../../../src/state/stateConfig.js';
import { isCoveredByPattern } from '../../../src/state/pathMatch.js';

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
  rejects({ ignore_names: '*.swp' }, 'state.ignore_names');
  rejects({ ignore_names: ['a/b'] }, 'state.ignore_names[0]');
  rejects({ ignore_names: ['*'] }, 'state.ignore_names[0]');
  rejects({ ignore_names: [''] }, 'state.ignore_names[0]');
  rejects({ retention: { max_age: 1 } }, 'state.retention.max_age');
  rejects({ retention: 5 }, 'state.retention');
});

test('ignore_names: editor files by default, replaceable, [] turns it off', () => {
  assert.equal(parseStateConfig(undefined, 'p').ignoreNames, [...DEFAULT_IGNORE_NAMES]);
  for (const name of ['*.swp', '*.swx', '*~', '.#*', '4913', '*.save']) assert.ok(DEFAULT_IGNORE_NAMES.includes(name), name);
  assert.equal(parseStateConfig({ ignore_names: ['*.bak', '*.bak'] }, 'p').ignoreNames, ['*.bak']);
  assert.equal(parseStateConfig({ ignore_names: [] }, 'p').ignoreNames, []);
});

test('the default baseline covers the start-up files of bash, sh and zsh, system-wide and per user', () => {
  const covered = (path: string) => DEFAULT_BASELINE_PATTERNS.some((p) => isCoveredByPattern(path, p));
  const system = ['/etc/profile', '/etc/profile.d/x.sh', '/etc/bash.bashrc', '/etc/bashrc', '/etc/zsh/zshrc', '/etc/zsh/zprofile', '/etc/zshenv', '/etc/environment'];
  const user = ['.profile', '.bash_profile', '.bash_login', '.bashrc', '.bash_logout', '.zshenv', '.zprofile', '.zshrc', '.zlogin', '.zlogout'];
  for (const path of [...system, ...user.map((n) => `/root/${n}`), ...user.map((n) => `/home/alice/${n}`)]) assert.ok(covered(path), path);
  for (const path of ['/etc/ld.so.preload', '/etc/crontab', '/etc/cron.d/x', '/var/spool/cron/crontabs/root', '/etc/pam.d/sshd', '/etc/hosts', '/etc/systemd/system/x.service', '/usr/local/bin/x']) {
    assert.ok(covered(path), path);
  }
  assert.ok(DEFAULT_SECRET_PREFIXES.includes('/etc/security/opasswd'), 'old password hashes are secret');
});

test('the README lists every default baseline pattern and ignore name', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const row = readme.split('\n').filter((line) => line.startsWith('| `baseline` |')).at(-1); // the state table's row, not the output's
  assert.ok(row, 'README has the state.baseline row');
  for (const pattern of DEFAULT_BASELINE_PATTERNS) {
    // a file baselined for root and every /home user alike is listed once as ~/name
    const rest = pattern.replace(/^\/(root|home\/\*)\//, '');
    const perUser = rest !== pattern && DEFAULT_BASELINE_PATTERNS.includes(`/root/${rest}`) && DEFAULT_BASELINE_PATTERNS.includes(`/home/*/${rest}`);
    const shown = perUser ? `~/${rest}` : pattern;
    assert.ok(row!.includes('`' + shown + '`'), `README state.baseline lacks ${shown}`);
  }
  const ignoreRow = readme.split('\n').find((line) => line.startsWith('| `ignore_names` |'));
  assert.ok(ignoreRow, 'README has the state.ignore_names row');
  for (const name of DEFAULT_IGNORE_NAMES) assert.ok(ignoreRow!.includes('`' + name + '`'), name);
});

test.run();
