import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PolicyError, describeValue } from '../../../src/policy/policyError.js';

test('PolicyError message names file, field, expectation and what was found', () => {
  const e = new PolicyError('/p.json', 'watch[2]', 'an absolute path', '"etc"');
  assert.instance(e, Error);
  assert.is(e.name, 'PolicyError');
  assert.is(e.code, 'EPOLICY');
  assert.is(e.file, '/p.json');
  assert.is(e.field, 'watch[2]');
  assert.is(e.expected, 'an absolute path');
  assert.is(e.got, '"etc"');
  assert.is(e.message, '/p.json: watch[2]: expected an absolute path, got "etc"');
});

test('PolicyError without got', () => {
  const e = new PolicyError('f', 'x', 'y');
  assert.is(e.message, 'f: x: expected y');
  assert.is(e.got, undefined);
});

test('describeValue', () => {
  assert.is(describeValue(null), 'null');
  assert.is(describeValue(undefined), 'undefined undefined');
  assert.is(describeValue([1]), 'an array');
  assert.is(describeValue({}), 'an object');
  assert.is(describeValue('/etc'), '"/etc"');
  assert.is(describeValue(3), 'number 3');
  assert.is(describeValue(true), 'boolean true');
  assert.is(describeValue('a"\n'), '"a\\"\\n"');
  const long = 'x'.repeat(50);
  assert.is(describeValue(long), JSON.stringify('x'.repeat(40) + '…'));
});

test.run();
