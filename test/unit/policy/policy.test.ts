import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_SECTIONS, parseCorePolicy, parsePolicyDocument, readPolicyDocument } from '../../../src/policy/policy.js';
import { PolicyError } from '../../../src/policy/policyError.js';

const FILE = '/etc/lsmwatch/policy.json';
const REPO_POLICY = fileURLToPath(new URL('../../../policy.json', import.meta.url));

/** Runs fn, which must throw a PolicyError, and returns it. */
function policyError(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PolicyError);
    return err as PolicyError;
  }
  assert.unreachable('expected a PolicyError');
  throw new Error('unreachable');
}

const KNOWN = [...CORE_SECTIONS, 'detect', 'state', 'integrity'];
const parsePolicy = (text: string, file: string) => {
  const doc = parsePolicyDocument(text, file, KNOWN);
  return { file: doc.file, sha256: doc.sha256, ...parseCorePolicy(doc) };
};
const loadPolicy = (file: string) => {
  const doc = readPolicyDocument(file, KNOWN);
  return { file: doc.file, sha256: doc.sha256, ...parseCorePolicy(doc) };
};
const parse = (obj: unknown) => parsePolicy(JSON.stringify(obj), FILE);

test('the repository policy.json parses', () => {
  const text = readFileSync(REPO_POLICY, 'utf8');
  const p = parsePolicy(text, REPO_POLICY);
  assert.is(p.file, REPO_POLICY);
  assert.is(p.sha256, createHash('sha256').update(text).digest('hex'));
  assert.ok(p.watch.includes('/etc/'));
  assert.ok(p.watch.includes('/home/*/.ssh/'));
  assert.ok(p.watchReads.includes('/etc/shadow'));
  assert.ok(p.ignore.includes('/etc/mtab'));
  assert.equal(p.ptrace, { denyRead: false });
  assert.equal(p.stats, { interval: 60 });
  assert.equal(loadPolicy(REPO_POLICY), p);
});

test('minimal policy gets defaults', () => {
  const p = parse({ watch: ['/etc/'] });
  assert.equal(p.watch, ['/etc/']);
  assert.equal(p.watchReads, []);
  assert.equal(p.ignore, []);
  assert.equal(p.ptrace, { denyRead: false });
  assert.equal(p.stats, { interval: 60 });
});

test('core sections: ptrace and stats', () => {
  const p = parse({ watch: [], detect: { anything: 1 }, ptrace: { deny_read: true }, stats: { interval: 5 } });
  assert.equal(p.ptrace, { denyRead: true });
  assert.equal(p.stats, { interval: 5 });
});

test('syntax error: field "(file)", message names the file', () => {
  const e = policyError(() => parsePolicy('{ "watch": [ "/etc/", ] }', FILE));
  assert.is(e.field, '(file)');
  assert.is(e.file, FILE);
  assert.is(e.code, 'EPOLICY');
  assert.ok(e.message.startsWith(`${FILE}: (file): expected valid JSON, got `), e.message);
});

test('wrong type: "watch": "/etc"', () => {
  const e = policyError(() => parse({ watch: '/etc' }));
  assert.is(e.field, 'watch');
  assert.is(e.message, `${FILE}: watch: expected an array of absolute paths, got "/etc"`);
});

test('missing watch, non-object top level', () => {
  assert.is(policyError(() => parse({})).field, 'watch');
  assert.is(policyError(() => parse([])).field, '(top level)');
  assert.is(policyError(() => parsePolicy('null', FILE)).field, '(top level)');
});

test('unknown top-level key', () => {
  const e = policyError(() => parse({ watch: [], wacth: [] }));
  assert.is(e.field, 'wacth');
  assert.match(e.message, /unknown key/);
});

test('unknown nested keys: ptrace.foo, stats.bar', () => {
  assert.is(policyError(() => parse({ watch: [], ptrace: { foo: true } })).field, 'ptrace.foo');
  assert.is(policyError(() => parse({ watch: [], stats: { bar: 1 } })).field, 'stats.bar');
});

test('wrong nested types and ranges', () => {
  assert.is(policyError(() => parse({ watch: [], ptrace: { deny_read: 'yes' } })).field, 'ptrace.deny_read');
  assert.is(policyError(() => parse({ watch: [], ptrace: true })).field, 'ptrace');
  assert.is(policyError(() => parse({ watch: [], stats: { interval: 0 } })).field, 'stats.interval');
  assert.is(policyError(() => parse({ watch: [], stats: { interval: '60' } })).field, 'stats.interval');
});

test('path errors name the list and index', () => {
  assert.is(policyError(() => parse({ watch: ['/etc/', 'etc/'] })).field, 'watch[1]');
  assert.is(policyError(() => parse({ watch: [], watch_reads: ['/etc/../shadow'] })).field, 'watch_reads[0]');
  assert.is(policyError(() => parse({ watch: [], ignore: ['/home/us*/'] })).field, 'ignore[0]');
});

test('loadPolicy: unreadable file is a PolicyError naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-policy-'));
  try {
    const missing = join(dir, 'missing.json');
    const e = policyError(() => loadPolicy(missing));
    assert.is(e.field, '(file)');
    assert.ok(e.message.startsWith(`${missing}: (file): expected a readable policy file, got ENOENT`), e.message);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    const e2 = policyError(() => loadPolicy(bad));
    assert.is(e2.file, bad);
    assert.ok(e2.message.includes(bad));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});


test('aggregate.window_ms: 1000 by default, 0 turns aggregation off, validated', () => {
  assert.equal(parse({ watch: [] }).aggregate, { windowMs: 1000 });
  assert.equal(parse({ watch: [], aggregate: { window_ms: 0 } }).aggregate, { windowMs: 0 });
  assert.is(policyError(() => parse({ watch: [], aggregate: { window_ms: -1 } })).field, 'aggregate.window_ms');
  assert.is(policyError(() => parse({ watch: [], aggregate: { window_ms: '1s' } })).field, 'aggregate.window_ms');
  assert.is(policyError(() => parse({ watch: [], aggregate: { windows: 1 } })).field, 'aggregate.windows');
});

test.run();
