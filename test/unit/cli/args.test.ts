import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, UsageError, USAGE } from '../../../src/cli/args.js';
import type { RunOptions } from '../../../src/agent/runOptions.js';

const DEFAULT_POLICY = '/opt/lsmwatch/policy.json';

function run(argv: string[]): RunOptions {
  const parsed = parseArgs(argv, DEFAULT_POLICY);
  assert.is(parsed.command, 'run');
  return parsed as RunOptions;
}

function usageError(argv: string[], message?: RegExp): UsageError {
  try {
    parseArgs(argv, DEFAULT_POLICY);
  } catch (err) {
    assert.instance(err, UsageError);
    const e = err as UsageError;
    assert.is(e.code, 'EUSAGE');
    assert.is(e.name, 'UsageError');
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.unreachable(`expected a UsageError for ${JSON.stringify(argv)}`);
  throw new Error('unreachable');
}

const DEFAULTS: RunOptions = {
  command: 'run',
  policyFile: DEFAULT_POLICY,
  sensor: 'auto',
  forbidPtrace: 'off',
  requireEnforcement: false,
  dbPath: '/var/lib/lsmwatch/state.db',
  statsInterval: null,
  ringBytes: 4 * 1024 * 1024,
  queueBytes: 32 * 1024 * 1024,
  controlPath: '/run/lsmwatch/control.sock',
  protect: false,
  watchdogSeconds: 10,
  metricsListen: null,
};

test('--protect and --watchdog', () => {
  assert.is(run(['--protect']).protect, true);
  assert.is(run(['--watchdog', '3']).watchdogSeconds, 3);
  usageError(['--watchdog', '0']);
  usageError(['--protect=yes']);
});

test('defaults, with and without the run command', () => {
  assert.equal(run([]), DEFAULTS);
  assert.equal(run(['run']), DEFAULTS);
});

test('--policy, separate or inline', () => {
  assert.is(run(['--policy', '/tmp/p.json']).policyFile, '/tmp/p.json');
  assert.is(run(['run', '--policy=/tmp/q.json']).policyFile, '/tmp/q.json');
  usageError(['--policy'], /--policy needs a value/);
  usageError(['--policy', '--sensor', 'lsm'], /--policy needs a value/);
});

test('--sensor validation', () => {
  for (const s of ['auto', 'lsm', 'tracepoint'] as const) {
    assert.is(run(['--sensor', s]).sensor, s);
    assert.is(run([`--sensor=${s}`]).sensor, s);
  }
  usageError(['--sensor', 'kprobe'], /--sensor: expected auto, lsm or tracepoint, got "kprobe"/);
  usageError(['--sensor=LSM'], /--sensor/);
  usageError(['--sensor'], /needs a value/);
});

test('--forbid-ptrace, --forbid-ptrace=all, bad value', () => {
  assert.is(run(['--forbid-ptrace']).forbidPtrace, 'self');
  assert.is(run(['--forbid-ptrace=self']).forbidPtrace, 'self');
  assert.is(run(['--forbid-ptrace=all']).forbidPtrace, 'all');
  assert.is(run(['--forbid-ptrace=off']).forbidPtrace, 'off');
  usageError(['--forbid-ptrace=everyone'], /--forbid-ptrace: expected self or all, got "everyone"/);
  // the value is only ever inline: a following word is not taken as its value
  usageError(['--forbid-ptrace', 'all'], /unknown argument "all"/);
});

test('--control', () => {
  assert.is(run(['--control', '/tmp/c.sock']).controlPath, '/tmp/c.sock');
  assert.is(run(['--control=/tmp/d.sock']).controlPath, '/tmp/d.sock');
  usageError(['--control'], /needs a value/);
});

test('--require-enforcement, --db, --no-state', () => {
  assert.is(run(['--require-enforcement']).requireEnforcement, true);
  assert.is(run(['--db', '/tmp/s.db']).dbPath, '/tmp/s.db');
  assert.is(run(['--no-state']).dbPath, null);
  assert.is(run(['--db', '/tmp/s.db', '--no-state']).dbPath, null);
  assert.is(run(['--no-state', '--db=/tmp/t.db']).dbPath, '/tmp/t.db'); // last one wins
});

test('boolean flags reject an inline value', () => {
  // BUG: parseArgs ignores "=value" on flags that take none, so --no-state=false disables state and
  // --require-enforcement=no requires it: the opposite of what was written, silently.
  usageError(['--no-state=false']);
  usageError(['--require-enforcement=no']);
});

test('--stats-interval range', () => {
  assert.is(run(['--stats-interval', '10']).statsInterval, 10);
  assert.is(run(['--stats-interval=86400']).statsInterval, 86400);
  usageError(['--stats-interval', '0'], /expected 1 to 86400/);
  usageError(['--stats-interval', '1.5'], /whole number/);
  usageError(['--stats-interval', '-5'], /needs a value|whole number/);
});

test('--ring-bytes must be a power of two in range', () => {
  assert.is(run(['--ring-bytes', '65536']).ringBytes, 65536);
  assert.is(run(['--ring-bytes=4096']).ringBytes, 4096);
  assert.is(run(['--ring-bytes', String(1 << 30)]).ringBytes, 1 << 30);
  usageError(['--ring-bytes', '65537'], /power of two/);
  usageError(['--ring-bytes', '12288'], /power of two/);
  usageError(['--ring-bytes', '2048'], /expected 4096 to/);
  usageError(['--ring-bytes', String(2 ** 31)], /expected 4096 to/);
  usageError(['--ring-bytes', '0x1000'], /whole number/);
  assert.is(run(['--queue-bytes', '10000']).queueBytes, 10000);
});

test('unknown flags and stray words are UsageErrors', () => {
  usageError(['--verbose'], /unknown argument "--verbose"/);
  usageError(['--sensr=lsm'], /unknown argument "--sensr=lsm"/);
  usageError(['watch'], /unknown argument "watch"/);
  usageError(['--sensor', 'lsm', 'run'], /unknown argument "run"/);
  usageError(['-x'], /unknown argument/);
});

test('alerts passes the rest through untouched', () => {
  assert.equal(parseArgs(['alerts'], DEFAULT_POLICY), { command: 'alerts', argv: [] });
  assert.equal(parseArgs(['alerts', '--since', '1h', '--json', '--bogus'], DEFAULT_POLICY), {
    command: 'alerts',
    argv: ['--since', '1h', '--json', '--bogus'],
  });
});

test('ctl passes the rest through untouched', () => {
  assert.equal(parseArgs(['ctl', '--control', '/x', 'forbid-ptrace', 'all'], DEFAULT_POLICY), {
    command: 'ctl',
    argv: ['--control', '/x', 'forbid-ptrace', 'all'],
  });
});

test('--help and --version win wherever they appear', () => {
  assert.equal(parseArgs(['--help'], DEFAULT_POLICY), { command: 'help' });
  assert.equal(parseArgs(['-h'], DEFAULT_POLICY), { command: 'help' });
  assert.equal(parseArgs(['run', '--sensor', 'lsm', '--help'], DEFAULT_POLICY), { command: 'help' });
  assert.equal(parseArgs(['--version'], DEFAULT_POLICY), { command: 'version' });
  assert.equal(parseArgs(['-V'], DEFAULT_POLICY), { command: 'version' });
  assert.equal(parseArgs(['--version', '--bogus'], DEFAULT_POLICY), { command: 'version' });
});

test('USAGE documents every public option', () => {
  for (const flag of ['--policy', '--sensor', '--forbid-ptrace', '--require-enforcement', '--db', '--no-state', '--stats-interval', '--control', '--help', '--version']) {
    assert.ok(USAGE.includes(flag), flag);
  }
});

test('--metrics: an address, loopback for a bare port; top and install-service pass their arguments on', () => {
  assert.equal(run(['--metrics', '9464']).metricsListen, { host: '127.0.0.1', port: 9464 });
  assert.equal(run(['--metrics=0.0.0.0:9100']).metricsListen, { host: '0.0.0.0', port: 9100 });
  usageError(['--metrics', 'example.com:9464'], /--metrics: expected PORT, IPv4:PORT/);
  usageError(['--metrics'], /--metrics needs a value/);
  assert.equal(parseArgs(['top', '--once'], DEFAULT_POLICY), { command: 'top', argv: ['--once'] });
  assert.equal(parseArgs(['install-service', '--print'], DEFAULT_POLICY), { command: 'install-service', argv: ['--print'] });
});

test.run();
