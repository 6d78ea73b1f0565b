import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeControlChars } from '../../../src/log/escape.js';

test('plain text passes unchanged', () => {
  assert.is(escapeControlChars('/etc/passwd'), '/etc/passwd');
  assert.is(escapeControlChars('jürgen 日本 ~!@#$%^&*()'), 'jürgen 日本 ~!@#$%^&*()');
  assert.is(escapeControlChars(''), '');
});

test('every C0 control character becomes \\xNN', () => {
  for (let c = 0; c < 0x20; c++) {
    const hex = c.toString(16).padStart(2, '0');
    assert.is(escapeControlChars(`a${String.fromCharCode(c)}b`), `a\\x${hex}b`);
  }
});

test('DEL and every C1 control character become \\xNN', () => {
  for (let c = 0x7f; c <= 0x9f; c++) {
    assert.is(escapeControlChars(String.fromCharCode(c)), `\\x${c.toString(16)}`);
  }
  assert.is(escapeControlChars('\u00a0'), '\u00a0'); // first printable after C1
});

test('ESC sequences lose their ESC byte', () => {
  const out = escapeControlChars('/tmp/\x1b[31mred\x1b[0m\x1b]0;title\x07\x9b2J');
  assert.is(out, '/tmp/\\x1b[31mred\\x1b[0m\\x1b]0;title\\x07\\x9b2J');
  assert.not.ok(/[\x00-\x1f\x7f-\x9f]/.test(out));
});

test('newline, CR, tab and NUL are escaped', () => {
  assert.is(escapeControlChars('a\nb\rc\td\0e'), 'a\\x0ab\\x0dc\\x09d\\x00e');
});

test('backslashes are doubled so escapes stay unambiguous', () => {
  assert.is(escapeControlChars('C:\\x1b'), 'C:\\\\x1b');
  assert.is(escapeControlChars('\\'), '\\\\');
  // a literal "\x1b" text and a real ESC produce different output
  assert.is.not(escapeControlChars('\\x1b'), escapeControlChars('\x1b'));
});
test('C0, DEL, C1 → \\xNN; backslash doubled; bidi overrides escaped', () => {
  assert.is(escapeControlChars('/tmp/\x1b[31mred\nx'), '/tmp/\\x1b[31mred\\x0ax');
  assert.is(escapeControlChars('a\x7fb\u0085c\u009bd'), 'a\\x7fb\\x85c\\x9bd');
  assert.is(escapeControlChars('a\\x1b'), 'a\\\\x1b');
  assert.is(escapeControlChars('evil\u202Etxt.sh'), 'evil\\u202etxt.sh');
  assert.is(escapeControlChars('/etc/héllo wörld'), '/etc/héllo wörld');
});

test.run();
