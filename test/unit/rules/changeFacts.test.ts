import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  additionOf,
  describeActor,
  describeAddition,
  inHomes,
  isBelowAny,
  isOneOf,
  isPackageManager,
  modeBits,
  quote,
  timeMs,
} from '../../../src/rules/changeFacts.js';
import { DPKG, change, replace } from '../../fixtures/rules/helpers.js';

test('modeBits parses the record\'s octal text, nothing else', () => {
  const record = change('/etc/x', { content: 'a', mode: 0o104755 }, { content: 'b', mode: 0o100600 });
  assert.is(modeBits(record.old), 0o4755);
  assert.is(modeBits(record.new), 0o600);
  assert.is(modeBits(null), null);
  assert.is(modeBits({ ...record.new!, mode: '9x' }), null);
});

test('additionOf: significant added lines, symlink targets, undiffed content; null when nothing came', () => {
  assert.equal(additionOf(change('/etc/x', 'a\n', 'a\n# note\n\nb\n')), { kind: 'lines', lines: ['b'], count: 1, truncated: false });
  assert.is(additionOf(change('/etc/x', 'a\nb\n', 'a\n')), null, 'only removed');
  assert.is(additionOf(change('/etc/x', 'a\n', null)), null, 'deleted');
  assert.is(additionOf(change('/etc/x', { content: 'a\n', mode: 0o100644 }, { content: 'a\n', mode: 0o100600 })), null, 'metadata only');
  assert.equal(additionOf(change('/etc/l', null, { content: '', symlink: '/tmp/x' })), { kind: 'symlink', target: '/tmp/x' });
  assert.equal(additionOf(change('/etc/b', null, Buffer.from([0, 1]))), { kind: 'opaque', reason: 'binary' });
  assert.equal(additionOf(change('/root/.ssh/id_rsa', 'k1\n', 'k2\n')), { kind: 'opaque', reason: 'secret' });
  // lines beyond the diff bound are counted and assumed to matter
  const many = Array.from({ length: 150 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const big = additionOf(change('/etc/x', '', many))!;
  assert.is(big.kind, 'lines');
  assert.equal([(big as { count: number }).count, (big as { truncated: boolean }).truncated], [150, true]);
  assert.is(describeAddition(big), '"line 0"; "line 1"; "line 2" (and 147 more lines)');
});

test('quote keeps control characters visible and cuts long text', () => {
  assert.is(quote('a\x1b[31m\nb'), '"a\\u001b[31m\\nb"');
  assert.is(quote('x'.repeat(10), 4), '"xxxx…"');
});

test('actors and paths', () => {
  assert.is(describeActor({ pid: 3, comm: 'vi', uid: 1000 }), 'by "vi" (pid 3, uid 1000)');
  assert.is(describeActor(null, true), 'while the agent was not running');
  assert.ok(isPackageManager(DPKG));
  assert.not.ok(isPackageManager({ pid: 1, comm: 'dpkg', uid: 0 }), 'a comm proves nothing: the event stage decides');
  assert.not.ok(isPackageManager({ pid: 1, comm: 'x', uid: 0, package_manager: '' }));
  assert.not.ok(isPackageManager(null));
  assert.ok(isBelowAny('/etc/cron.d/x', ['/etc/cron.d']));
  assert.ok(isBelowAny('/home/a/.config/systemd/user/x', ['/home/*/.config/systemd/user']));
  assert.not.ok(isBelowAny('/etc/cron.d', ['/etc/cron.d']));
  assert.ok(isOneOf('/home/a/.zshrc', ['/home/*/.zshrc']));
  assert.not.ok(isOneOf('/home/a/.zshrc/x', ['/home/*/.zshrc']));
  assert.equal(inHomes(['.x']), ['/root/.x', '/home/*/.x']);
  assert.is(timeMs('2000-01-01T00:00:00.123456789Z'), 946684800123);
  assert.is(timeMs(null), null);
  assert.is(timeMs('soon'), null);
  assert.ok(replace('/etc/x', 'a', 'a').content_changed === false);
});

test.run();
