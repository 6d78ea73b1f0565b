import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  basenameMatchesAny,
  isCoveredByAny,
  isCoveredByPattern,
  matchesNamePattern,
  matchesPathPrefix,
  namePatternProblem,
  normalizePattern,
} from '../../../src/state/pathMatch.js';

test('patterns: normalization', () => {
  assert.is(normalizePattern('/etc/sudoers.d/'), '/etc/sudoers.d');
  assert.is(normalizePattern('//etc//x'), '/etc/x');
  assert.is(normalizePattern('/'), '/');
});

test('coverage: exact, below a directory, single * component', () => {
  assert.ok(isCoveredByPattern('/etc/passwd', '/etc/passwd'));
  assert.not.ok(isCoveredByPattern('/etc/passwd-', '/etc/passwd'));
  assert.ok(isCoveredByPattern('/etc/sudoers.d/x', '/etc/sudoers.d'));
  assert.ok(isCoveredByPattern('/home/bob/.ssh/authorized_keys', '/home/*/.ssh/authorized_keys'));
  assert.not.ok(isCoveredByPattern('/home/bob/x/.ssh/authorized_keys', '/home/*/.ssh/authorized_keys'));
  assert.not.ok(isCoveredByPattern('/home/../.ssh/authorized_keys', '/home/*/.ssh/authorized_keys'));
  assert.ok(isCoveredByPattern('/anything', '/'));
  assert.ok(isCoveredByAny('/usr/bin/ls', ['/etc', '/usr/bin']));
});

test('secret prefixes: string prefix of the last component, * components', () => {
  assert.ok(matchesPathPrefix('/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_'));
  assert.not.ok(matchesPathPrefix('/etc/ssh/sshd_config', '/etc/ssh/ssh_host_'));
  assert.ok(matchesPathPrefix('/root/.ssh/id_rsa', '/root/.ssh/'));
  assert.not.ok(matchesPathPrefix('/root/.ssh', '/root/.ssh/'));
  assert.ok(matchesPathPrefix('/home/bob/.ssh/id_rsa', '/home/*/.ssh/'));
  assert.ok(matchesPathPrefix('/home/.hidden/.ssh/id_rsa', '/home/*/.ssh/'));
  assert.not.ok(matchesPathPrefix('/home/bob/.sshx', '/home/*/.ssh/'));
});

test('name patterns: * stands for any run of characters, nothing else is special', () => {
  assert.ok(matchesNamePattern('.passwd.swp', '*.swp'));
  assert.ok(matchesNamePattern('passwd~', '*~'));
  assert.ok(matchesNamePattern('.#passwd', '.#*'));
  assert.ok(matchesNamePattern('4913', '4913'));
  assert.ok(matchesNamePattern('a.b.c', '*.*'));
  assert.ok(matchesNamePattern('ab', 'a*b'));
  assert.not.ok(matchesNamePattern('a', 'a*a'), 'prefix and suffix may not overlap');
  assert.not.ok(matchesNamePattern('49130', '4913'));
  assert.not.ok(matchesNamePattern('swp', '*.swp'));
  assert.not.ok(matchesNamePattern('x.swpx', '*.swp'));
  assert.not.ok(matchesNamePattern('x?', '?'), '? is literal');
  assert.ok(basenameMatchesAny('/etc/sudoers.d/.x.swp', ['*.swp']));
  assert.not.ok(basenameMatchesAny('/etc/x.swp.d/real', ['*.swp']), 'only the last component counts');
  assert.is(namePatternProblem('*.swp'), null);
  assert.ok(namePatternProblem('a/b'));
  assert.ok(namePatternProblem(''));
  assert.ok(namePatternProblem('**'), 'would hide every file');
});

test.run();
