import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countLines, diffSecret, isSecretModel } from '../../../../src/state/diff/secret.js';

test('line counts only', () => {
  const diff = diffSecret({ kind: 'secret', lineCount: 3, digest: 'a' }, { kind: 'secret', lineCount: 5, digest: 'b' });
  assert.equal(diff, { kind: 'secret', oldLines: 3, newLines: 5 });
  assert.equal(diffSecret(null, { kind: 'secret', lineCount: 1, digest: 'b' }), { kind: 'secret', oldLines: null, newLines: 1 });
});

test('countLines counts a last line without newline', () => {
  assert.is(countLines(0, 0, false), 0);
  assert.is(countLines(2, 10, true), 2);
  assert.is(countLines(2, 10, false), 3);
});

test('stored model validation', () => {
  assert.ok(isSecretModel({ kind: 'secret', lineCount: 2, digest: 'ab' }));
  assert.not.ok(isSecretModel({ kind: 'secret', lineCount: -1, digest: 'ab' }));
  assert.not.ok(isSecretModel({ kind: 'secret', lineCount: 1 }));
});

test.run();
