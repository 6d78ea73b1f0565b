import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JSON_TAIL, JsonTail, stringifyWithTail, withTailMembers } from '../../../src/output/jsonTail.js';

test('tail members are appended last, once; JSON.stringify alone does not see them', () => {
  const rec = { type: 'write', pid: 1, [JSON_TAIL]: new JsonTail('"exe":"/bin/x","ancestors":[]') };
  assert.is(JSON.stringify(rec), '{"type":"write","pid":1}');
  assert.is(stringifyWithTail(rec), '{"type":"write","pid":1,"exe":"/bin/x","ancestors":[]}');
  assert.equal(withTailMembers(rec), { type: 'write', pid: 1, exe: '/bin/x', ancestors: [] });
  assert.is(stringifyWithTail({ [JSON_TAIL]: new JsonTail('"a":1') }), '{"a":1}');
  assert.is(stringifyWithTail({ a: 1 }), '{"a":1}');
  assert.is(stringifyWithTail({ a: 1, [JSON_TAIL]: new JsonTail('') }), '{"a":1}');
});

test.run();
