import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildGroupModel, diffGroup, isGroupModel } from '../../../../src/state/diff/group.js';
import { TEST_KEY, fixtureText } from '../../../fixtures/state/helpers.js';

test('group added and member lists compared as sets', () => {
  const diff = diffGroup(buildGroupModel(fixtureText('group.old'), TEST_KEY), buildGroupModel(fixtureText('group.new'), TEST_KEY));
  assert.equal(diff.added, [{ group: 'staff', password: 'shadowed', gid: '50', members: ['carol'] }]);
  assert.equal(diff.changed, [{ group: 'sudo', field: 'members', added: ['mallory'], removed: ['alice'] }]);
  assert.equal(diff.removed, []);
});

test('reordering members is not a change', () => {
  const a = buildGroupModel('sudo:x:27:alice,bob\n', TEST_KEY);
  const b = buildGroupModel('sudo:x:27:bob,alice,\n', TEST_KEY);
  assert.equal(diffGroup(a, b).changed, []);
});

test('gid change is reported with old and new value', () => {
  const diff = diffGroup(buildGroupModel('wheel:x:10:\n', TEST_KEY), buildGroupModel('wheel:x:0:\n', TEST_KEY));
  assert.equal(diff.changed, [{ group: 'wheel', field: 'gid', old: '10', new: '0' }]);
});

test('stored model validation', () => {
  assert.ok(isGroupModel(JSON.parse(JSON.stringify(buildGroupModel(fixtureText('group.new'), TEST_KEY)))));
  assert.not.ok(isGroupModel({ kind: 'group', entries: [], malformed: 'x' }));
});

test.run();
