import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildContentModel, diffContent, parseStoredModel } from '../../../../src/state/diff/contentModel.js';
import { TEST_KEY, fixtureText } from '../../../fixtures/state/helpers.js';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../../fixtures/state/helpers.js';

test('binary content is modelled as binary and diffed by hash only', () => {
  const old = buildContentModel('text', readFileSync(fixturePath('binary.old')), TEST_KEY);
  const now = buildContentModel('text', readFileSync(fixturePath('binary.new')), TEST_KEY);
  assert.equal(old, { kind: 'binary' });
  assert.equal(diffContent(old, now), { kind: 'hash', reason: 'binary' });
});

test('a file named passwd that is binary is hash only, too', () => {
  assert.equal(buildContentModel('passwd', readFileSync(fixturePath('binary.old')), TEST_KEY), { kind: 'binary' });
  assert.equal(buildContentModel('text', null, TEST_KEY), { kind: 'too_large' });
});

test('created/deleted files diff against empty content of the same kind', () => {
  const model = buildContentModel('passwd', Buffer.from(fixtureText('passwd.old')), TEST_KEY);
  const created = diffContent(null, model) as { kind: string; added: unknown[] };
  assert.is(created.kind, 'passwd');
  assert.is(created.added.length, 3);
  const deleted = diffContent(model, null) as { removed: unknown[] };
  assert.is(deleted.removed.length, 3);
});

test('kind changes are hash only and name both kinds', () => {
  const text = buildContentModel('text', Buffer.from('a\n'), TEST_KEY);
  assert.equal(diffContent(text, { kind: 'binary' }), { kind: 'hash', reason: 'binary', oldKind: 'text', newKind: 'binary' });
  assert.equal(diffContent({ kind: 'unknown' }, text), { kind: 'hash', reason: 'unknown_baseline', oldKind: 'unknown', newKind: 'text' });
  assert.equal(diffContent({ kind: 'symlink', target: '/a' }, { kind: 'symlink', target: '/b' }), { kind: 'symlink', oldTarget: '/a', newTarget: '/b' });
});

test('garbage from the database becomes unknown, never a crash', () => {
  for (const junk of ['', 'null', '[]', '{"kind":"text","lines":"x"}', '{"kind":"passwd"}', '{"kind":"nope"}', '{']) {
    assert.equal(parseStoredModel(junk), { kind: 'unknown' }, junk);
  }
  assert.equal(parseStoredModel('{"kind":"text","lines":["a"]}'), { kind: 'text', lines: ['a'] });
});

test.run();
