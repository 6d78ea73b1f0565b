import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAgentPolicy } from '../../../src/agent/agentPolicy.js';
import { PolicyError } from '../../../src/policy/policyError.js';
import { defaultDetectConfig } from '../../../src/detect/config.js';
import { DEFAULT_STATE_CONFIG } from '../../../src/state/stateConfig.js';

const FILE = '/etc/lsmwatch/policy.json';
const REPO_POLICY = fileURLToPath(new URL('../../../policy.json', import.meta.url));

function errorOf(policy: unknown): PolicyError {
  try {
    parseAgentPolicy(JSON.stringify(policy), FILE);
  } catch (err) {
    assert.instance(err, PolicyError);
    return err as PolicyError;
  }
  assert.unreachable(`expected a PolicyError for ${JSON.stringify(policy)}`);
  throw new Error('unreachable');
}

/** Every section, fed a wrong type, an out-of-range value and an unknown key. */
const CASES: Array<{ section: string; policy: unknown; field: string; expected: RegExp }> = [
  { section: 'watch', policy: { watch: '/etc' }, field: 'watch', expected: /an array of absolute paths/ },
  { section: 'watch', policy: { watch: ['etc'] }, field: 'watch[0]', expected: /an absolute path/ },
  { section: 'watch_reads', policy: { watch: [], watch_reads: {} }, field: 'watch_reads', expected: /an array of absolute paths/ },
  { section: 'ignore', policy: { watch: [], ignore: ['/a//b'] }, field: 'ignore[0]', expected: /a normalised path/ },
  { section: 'ptrace', policy: { watch: [], ptrace: 1 }, field: 'ptrace', expected: /an object/ },
  { section: 'ptrace', policy: { watch: [], ptrace: { deny_read: 'no' } }, field: 'ptrace.deny_read', expected: /true or false/ },
  { section: 'ptrace', policy: { watch: [], ptrace: { deny: true } }, field: 'ptrace.deny', expected: /one of the known keys \(deny_read\)/ },
  { section: 'stats', policy: { watch: [], stats: [] }, field: 'stats', expected: /an object/ },
  { section: 'stats', policy: { watch: [], stats: { interval: 0 } }, field: 'stats.interval', expected: /a number from 1 to 86400 \(seconds\)/ },
  { section: 'stats', policy: { watch: [], stats: { every: 1 } }, field: 'stats.every', expected: /one of the known keys \(interval\)/ },
  { section: 'aggregate', policy: { watch: [], aggregate: 'x' }, field: 'aggregate', expected: /an object/ },
  { section: 'aggregate', policy: { watch: [], aggregate: { window_ms: 60001 } }, field: 'aggregate.window_ms', expected: /from 0 to 60000/ },
  { section: 'aggregate', policy: { watch: [], aggregate: { window: 1 } }, field: 'aggregate.window', expected: /known keys \(window_ms\)/ },
  { section: 'detect', policy: { watch: [], detect: 'x' }, field: 'detect', expected: /an object/ },
  { section: 'detect', policy: { watch: [], detect: { burst_factor: 0.5 } }, field: 'detect.burst_factor', expected: /a number from 1 to 1000000/ },
  { section: 'detect', policy: { watch: [], detect: { burst: 2 } }, field: 'detect.burst', expected: /one of the known keys \(half_life_seconds, / },
  { section: 'state', policy: { watch: [], state: [] }, field: 'state', expected: /an object/ },
  { section: 'state', policy: { watch: [], state: { text_diff_max_bytes: -1 } }, field: 'state.text_diff_max_bytes', expected: /an integer from 0 to 16777216 \(bytes\)/ },
  { section: 'state', policy: { watch: [], state: { retention: { max_rows: 0 } } }, field: 'state.retention.max_rows', expected: /an integer from 1 to/ },
  { section: 'state', policy: { watch: [], state: { baseline: ['/ok', 'rel'] } }, field: 'state.baseline[1]', expected: /an absolute path/ },
  { section: 'state', policy: { watch: [], state: { keep: 1 } }, field: 'state.keep', expected: /one of the known keys \(baseline, / },
  { section: 'integrity', policy: { watch: [], integrity: true }, field: 'integrity', expected: /an object/ },
  { section: 'integrity', policy: { watch: [], integrity: { interval: 86401 } }, field: 'integrity.interval', expected: /an integer from 1 to 86400 \(seconds\)/ },
  { section: 'integrity', policy: { watch: [], integrity: { every: 1 } }, field: 'integrity.every', expected: /known keys \(interval\)/ },
  { section: 'rules', policy: { watch: [], rules: [] }, field: 'rules', expected: /an object/ },
  { section: 'rules', policy: { watch: [], rules: { timestomp: { severity: 'severe' } } }, field: 'rules.timestomp.severity', expected: /one of "info", "low"/ },
  { section: 'rules', policy: { watch: [], rules: { timestomp: { on: true } } }, field: 'rules.timestomp.on', expected: /known keys \(enabled, severity\)/ },
  { section: 'rules', policy: { watch: [], rules: { no_such_rule: {} } }, field: 'rules.no_such_rule', expected: /one of the known keys \(account_uid0_added, / },
  { section: 'metrics', policy: { watch: [], metrics: { listen: 'metrics.example:9464' } }, field: 'metrics.listen', expected: /PORT, IPv4:PORT, \[IPv6\]:PORT or localhost:PORT/ },
  { section: 'metrics', policy: { watch: [], metrics: { listen: '127.0.0.1:70000' } }, field: 'metrics.listen', expected: /a port from 0 to 65535/ },
  { section: 'metrics', policy: { watch: [], metrics: { port: 9464 } }, field: 'metrics.port', expected: /known keys \(listen\)/ },
  { section: '(top level)', policy: { watch: [], wacth: [] }, field: 'wacth', expected: /one of the known keys \(watch, watch_reads, ignore, ptrace, stats, aggregate, detect, state, integrity, rules, metrics, process\)/ },
  { section: 'process', policy: { watch: [], process: { depth: 3 } }, field: 'process.depth', expected: /known keys \(ancestors, cache_size, / },
  { section: 'process', policy: { watch: [], process: { ancestors: 99 } }, field: 'process.ancestors', expected: /an integer from 0 to 32/ },
  { section: 'process', policy: { watch: [], process: { redact: ['--pass word'] } }, field: 'process.redact[0]', expected: /a redaction rule/ },
];

test('every section: one error shape naming file, field and expectation', () => {
  const sections = new Set(CASES.map((c) => c.section));
  for (const s of ['watch', 'watch_reads', 'ignore', 'ptrace', 'stats', 'aggregate', 'detect', 'state', 'integrity', 'rules', 'metrics']) {
    assert.ok(sections.has(s), `no case for section ${s}`);
  }
  for (const c of CASES) {
    const e = errorOf(c.policy);
    assert.is(e.file, FILE, c.field);
    assert.is(e.field, c.field);
    assert.ok(e.message.startsWith(`${FILE}: ${c.field}: expected `), e.message);
    assert.match(e.message, c.expected);
    assert.match(e.message, /, got /);
  }
});

test('each concern section is parsed when the file is read, with its defaults', () => {
  const p = parseAgentPolicy(JSON.stringify({ watch: ['/etc/'] }), FILE);
  assert.equal(p.detect, defaultDetectConfig);
  assert.equal(p.state, DEFAULT_STATE_CONFIG);
  assert.equal(p.integrity, { interval: 30 });
  assert.equal(p.aggregate, { windowMs: 1000 });
  assert.equal(p.metrics, { listen: null });
  assert.equal(parseAgentPolicy(JSON.stringify({ watch: [], metrics: { listen: '9464' } }), FILE).metrics, { listen: { host: '127.0.0.1', port: 9464 } });
  assert.equal(parseAgentPolicy(JSON.stringify({ watch: [], metrics: { listen: '[::1]:9464' } }), FILE).metrics, { listen: { host: '::1', port: 9464 } });
});

test('the repository policy.json parses completely', () => {
  const p = parseAgentPolicy(readFileSync(REPO_POLICY, 'utf8'), REPO_POLICY);
  assert.ok(p.watch.includes('/etc/'));
  assert.equal(p.integrity, { interval: 30 });
});

test.run();
