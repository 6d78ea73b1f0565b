import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeText, splitLines, truncateString } from '../../../../src/state/diff/textContent.js';

test('text = valid UTF-8 without NUL', () => {
  assert.is(decodeText(Buffer.from('héllo\n')), 'héllo\n');
  assert.is(decodeText(Buffer.from([0x61, 0x00, 0x62])), null);
  assert.is(decodeText(Buffer.from([0xff, 0xfe, 0x41])), null);
});

test('splitLines', () => {
  assert.equal(splitLines(''), []);
  assert.equal(splitLines('a\nb\n'), ['a', 'b']);
  assert.equal(splitLines('a\nb'), ['a', 'b']);
  assert.equal(splitLines('a\n\n'), ['a', '']);
});

test('truncateString does not split a surrogate pair', () => {
  assert.equal(truncateString('abc', 5), { text: 'abc', truncated: false });
  const cut = truncateString('ab😀cd', 3);
  assert.is(cut.text, 'ab…');
  assert.ok(cut.truncated);
});

test.run();
