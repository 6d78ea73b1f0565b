import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSudoersModel, diffSudoers, isSudoersModel, significantSudoersLines } from '../../../../src/state/diff/sudoers.js';
import { fixtureText } from '../../../fixtures/state/helpers.js';

test('a rule added; comment edits and blank lines ignored', () => {
  const diff = diffSudoers(buildSudoersModel(fixtureText('sudoers.old')), buildSudoersModel(fixtureText('sudoers.new')));
  assert.equal(diff.added, ['mallory ALL=(ALL) NOPASSWD: ALL']);
  assert.equal(diff.removed, []);
  assert.is(diff.addedCount, 1);
  assert.is(diff.truncated, false);
});

test('#include / #includedir and #uid specs are not comments; continuations are joined', () => {
  const lines = significantSudoersLines(
    '# a comment\n#includedir /etc/sudoers.d\n#1000 ALL=(ALL) ALL\nCmnd_Alias X = /bin/a, \\\n   /bin/b\n\n',
  );
  assert.equal(lines, ['#includedir /etc/sudoers.d', '#1000 ALL=(ALL) ALL', 'Cmnd_Alias X = /bin/a, /bin/b']);
});

test('whitespace-only edits are not changes; a removed line is', () => {
  const a = buildSudoersModel('root ALL=(ALL) ALL\n%admin ALL=(ALL) ALL\n');
  assert.equal(diffSudoers(a, buildSudoersModel('root\tALL=(ALL)   ALL\n%admin ALL=(ALL) ALL\n')).added, []);
  const diff = diffSudoers(a, buildSudoersModel('root ALL=(ALL) ALL\n'));
  assert.equal(diff.removed, ['%admin ALL=(ALL) ALL']);
});

test('stored model validation', () => {
  assert.ok(isSudoersModel({ kind: 'sudoers', lines: ['a'] }));
  assert.not.ok(isSudoersModel({ kind: 'sudoers', lines: [1] }));
});

test.run();
