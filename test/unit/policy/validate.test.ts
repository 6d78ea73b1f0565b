import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicySection, describeNumberSpec, pathProblem, type PathListSpec } from '../../../src/policy/validate.js';
import { PolicyError } from '../../../src/policy/policyError.js';

const F = 'p.json';
const WATCH: PathListSpec = { wildcards: true, maxBytes: 254 };

function fails(fn: () => unknown, field: string, messagePart?: RegExp): PolicyError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PolicyError);
    assert.is((err as PolicyError).field, field);
    assert.ok((err as PolicyError).message.startsWith(`${F}: ${field}: expected `), (err as PolicyError).message);
    if (messagePart) assert.match((err as PolicyError).message, messagePart);
    return err as PolicyError;
  }
  assert.unreachable(`expected a PolicyError for ${field}`);
  throw new Error('unreachable');
}

const section = (raw: unknown, keys: string[] = ['a', 'b', 'watch']) => PolicySection.of(raw, F, 'sec', keys);
const pathList = (value: unknown, spec: PathListSpec = WATCH) => PolicySection.of({ watch: value }, F, '', ['watch']).pathList('watch', spec, []);

test('a section must be an object; absent or null is empty', () => {
  fails(() => section([]), 'sec', /got an array/);
  fails(() => section('s'), 'sec', /got "s"/);
  fails(() => PolicySection.of(7, F, '', []), '(top level)', /an object/);
  assert.is(section(undefined).has('a'), false);
  assert.is(section(null).number('a', { min: 0, max: 1 }, 0.5), 0.5);
});

test('unknown keys are named with their section, and the known keys are listed', () => {
  fails(() => section({ a: 1, c: 2 }, ['a']), 'sec.c', /expected one of the known keys \(a\), got an unknown key/);
  fails(() => PolicySection.of({ c: 2 }, F, '', ['a']), 'c');
});

test('booleans and numbers: defaults, types, ranges, integers, exclusive minimum', () => {
  const s = section({ a: false, b: 5 });
  assert.is(s.boolean('a', true), false);
  assert.is(s.boolean('watch', true), true);
  fails(() => section({ a: 0 }).boolean('a', true), 'sec.a', /expected true or false, got number 0/);
  assert.is(s.number('b', { min: 1, max: 10 }, 0), 5);
  fails(() => section({ b: 11 }).number('b', { min: 1, max: 10 }, 0), 'sec.b', /expected a number from 1 to 10, got number 11/);
  fails(() => section({ b: Number.NaN }).number('b', { min: 1, max: 10 }, 0), 'sec.b');
  fails(() => section({ b: '5' }).number('b', { min: 1, max: 10 }, 0), 'sec.b', /got "5"/);
  fails(() => section({ b: 1.5 }).number('b', { min: 1, max: 10, integer: true }, 0), 'sec.b', /an integer from 1 to 10/);
  fails(() => section({ b: 0 }).number('b', { min: 0, max: 10, minExclusive: true }, 1), 'sec.b', /greater than 0 and at most 10/);
  assert.is(describeNumberSpec({ min: 1, max: 60, integer: true, unit: 'seconds' }), 'an integer from 1 to 60 (seconds)');
});

test('oneOf and nested sections', () => {
  assert.is(section({ a: 'x' }).oneOf('a', ['x', 'y'], 'y'), 'x');
  fails(() => section({ a: 'z' }).oneOf('a', ['x', 'y'], 'y'), 'sec.a', /one of "x", "y"/);
  fails(() => section({ a: { q: 1 } }).section('a', ['p']), 'sec.a.q', /unknown key/);
  fails(() => section({ a: 3 }).section('a', ['p']), 'sec.a', /an object/);
});

test('path lists: absolute, normalised paths and whole-component wildcards', () => {
  const ok = ['/', '/etc/', '/etc/shadow', '/home/*/.ssh/', '/srv/*/conf/*/', '/a/b.c/..d/.e', '/x/...', '/srv/*/*/'];
  assert.equal(pathList(ok), ok);
  assert.equal(pathList([]), []);
  assert.equal(pathList(['/a', '/a']), ['/a']);
});

test('path lists: non-lists, non-strings, relative, unnormalised', () => {
  fails(() => pathList('/etc'), 'watch', /array of absolute paths/);
  fails(() => pathList(['/etc/', 7]), 'watch[1]', /absolute path/);
  for (const p of ['etc/', '', './etc', '~/.ssh/', ' /etc/']) fails(() => pathList([p]), 'watch[0]', /absolute/);
  for (const p of ['/etc/../shadow', '/etc/..', '/etc/./x', '/etc/.', '//etc', '/etc//x', '/etc/\0x']) {
    fails(() => pathList([p]), 'watch[0]', /normalised/);
  }
});

test('path lists: a * must be a whole component, and last only where allowed', () => {
  for (const p of ['/home/us*/', '/home/*.d/', '/etc/*', '/home/**/x/', '/a*b', '/*foo/']) fails(() => pathList([p]), 'watch[0]', /wildcard/);
  assert.is(pathProblem('/home/*', { wildcards: true, wildcardLast: true }), null);
  assert.match(pathProblem('/home/*/x', { wildcards: false }) ?? '', /without "\*"/);
});

test('path lists: byte limits (UTF-8 bytes, not characters) and entry limits', () => {
  const ok = '/' + 'a'.repeat(253);
  assert.equal(pathList([ok]), [ok]);
  fails(() => pathList([ok + 'a']), 'watch[0]', /at most 254 bytes/);
  fails(() => pathList(['/' + 'ü'.repeat(127)]), 'watch[0]', /at most 254 bytes/);
  fails(() => pathList(['/a', '/b', '/c'], { wildcards: false, maxEntries: 2 }), 'watch', /at most 2 entries, got 3 entries/);
});

test.run();
