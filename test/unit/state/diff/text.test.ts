import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildTextModel, diffText, isTextModel } from '../../../../src/state/diff/text.js';

test('lines added and removed', () => {
  const diff = diffText(buildTextModel('Port 22\nPermitRootLogin no\n'), buildTextModel('Port 22\nPermitRootLogin yes\n'));
  assert.equal(diff.added, ['PermitRootLogin yes']);
  assert.equal(diff.removed, ['PermitRootLogin no']);
  assert.is(diff.kind, 'text');
});

test('stored model validation', () => {
  assert.ok(isTextModel({ kind: 'text', lines: [] }));
  assert.not.ok(isTextModel({ kind: 'text' }));
});

test.run();
