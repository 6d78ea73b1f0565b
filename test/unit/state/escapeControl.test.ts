import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeControlChars } from '../../../src/state/escapeControl.js';

test('C0, DEL, C1 → \\xNN; backslash doubled; bidi overrides escaped', () => {
  assert.is(escapeControlChars('/tmp/\x1b[31mred\nx'), '/tmp/\\x1b[31mred\\x0ax');
  assert.is(escapeControlChars('a\x7fb\u0085c\u009bd'), 'a\\x7fb\\x85c\\x9bd');
  assert.is(escapeControlChars('a\\x1b'), 'a\\\\x1b');
  assert.is(escapeControlChars('evil\u202Etxt.sh'), 'evil\\u202etxt.sh');
  assert.is(escapeControlChars('/etc/héllo wörld'), '/etc/héllo wörld');
});

test.run();
