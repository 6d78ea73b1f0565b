import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyPassword, parseColonText, summarizePassword } from '../../../../src/state/diff/colonFile.js';
import { PASSWD_FORMAT } from '../../../../src/state/diff/passwd.js';
import { TEST_KEY } from '../../../fixtures/state/helpers.js';

test('password states', () => {
  assert.is(classifyPassword(''), 'empty');
  assert.is(classifyPassword('x'), 'shadowed');
  assert.is(classifyPassword('*'), 'disabled');
  assert.is(classifyPassword('!!'), 'locked');
  assert.is(classifyPassword('!$6$abc$def'), 'locked');
  assert.is(classifyPassword('$6$saltsalt$0123456789abcdef'), 'set');
});

test('locking keeps the digest, so lock/unlock is told apart from a change', () => {
  const set = summarizePassword('$6$saltsalt$0123456789abcdef', TEST_KEY);
  const locked = summarizePassword('!$6$saltsalt$0123456789abcdef', TEST_KEY);
  assert.is(set.digest, locked.digest);
  assert.is.not(set.digest, summarizePassword('$6$saltsalt$0123456789abcdeX', TEST_KEY).digest);
});

test('CRLF and blank lines are tolerated; wrong field counts are malformed', () => {
  const parsed = parseColonText('root:x:0:0:root:/root:/bin/bash\r\n\n:x:1:1::/:/bin/sh\nshort:x\n', [PASSWD_FORMAT], TEST_KEY);
  assert.is(parsed.entries.length, 1);
  assert.is(parsed.entries[0]!.entry.values.shell, '/bin/bash');
  assert.is(parsed.malformed.length, 2);
});

test.run();
