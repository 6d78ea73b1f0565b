import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPasswdModel, diffPasswd, emptyPasswdModel, isPasswdModel } from '../../../../src/state/diff/passwd.js';
import { TEST_KEY, fixtureText } from '../../../fixtures/state/helpers.js';

const oldModel = () => buildPasswdModel(fixtureText('passwd.old'), TEST_KEY);
const newModel = () => buildPasswdModel(fixtureText('passwd.new'), TEST_KEY);

test('a user added and a shell changed', () => {
  const diff = diffPasswd(oldModel(), newModel());
  assert.is(diff.kind, 'passwd');
  assert.equal(diff.added, [
    { user: 'mallory', password: 'shadowed', uid: '0', gid: '0', gecos: '', home: '/tmp', shell: '/bin/sh' },
  ]);
  assert.equal(diff.removed, []);
  assert.equal(diff.changed, [{ user: 'bob', field: 'shell', old: '/bin/sh', new: '/bin/bash' }]);
  assert.equal(diff.malformedLines, { added: 0, removed: 0 });
  assert.is(diff.truncated, false);
});

test('identical files give an empty diff; removal is reported', () => {
  assert.equal(diffPasswd(oldModel(), oldModel()).changed, []);
  const diff = diffPasswd(newModel(), oldModel());
  assert.equal(diff.removed.map((e) => e.user), ['mallory']);
});

test('a hash in the passwd password field is never kept or shown', () => {
  const hash = '$6$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789';
  const old = buildPasswdModel('eve:x:1001:1001::/home/eve:/bin/sh\n', TEST_KEY);
  const now = buildPasswdModel(`eve:${hash}:1001:1001::/home/eve:/bin/sh\n`, TEST_KEY);
  const diff = diffPasswd(old, now);
  assert.equal(diff.changed, [{ user: 'eve', field: 'password', change: 'changed', old: 'shadowed', new: 'set' }]);
  assert.not.ok(JSON.stringify(now).includes('saltsalt'));
  assert.not.ok(JSON.stringify(diff).includes('saltsalt'));
});

test('malformed lines are counted, not stored', () => {
  const now = buildPasswdModel('root:x:0:0:root:/root:/bin/bash\nthis is not a passwd line\n', TEST_KEY);
  assert.is(now.malformed.length, 1);
  assert.not.ok(JSON.stringify(now).includes('not a passwd'));
  assert.equal(diffPasswd(emptyPasswdModel(), now).malformedLines, { added: 1, removed: 0 });
});

test('stored models are validated', () => {
  assert.ok(isPasswdModel(JSON.parse(JSON.stringify(oldModel()))));
  assert.not.ok(isPasswdModel({ kind: 'passwd', entries: [{ name: 1 }], malformed: [] }));
  assert.not.ok(isPasswdModel(null));
});

test.run();
