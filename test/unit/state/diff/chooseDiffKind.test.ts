import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseDiffKind } from '../../../../src/state/diff/chooseDiffKind.js';
import { DEFAULT_SECRET_PREFIXES } from '../../../../src/state/stateConfig.js';

const opts = { secretPrefixes: DEFAULT_SECRET_PREFIXES };

test('by basename, also under a test root', () => {
  assert.is(chooseDiffKind('/etc/passwd', opts), 'passwd');
  assert.is(chooseDiffKind('/tmp/root/etc/passwd', opts), 'passwd');
  assert.is(chooseDiffKind('/etc/passwd-', opts), 'passwd');
  assert.is(chooseDiffKind('/etc/group', opts), 'group');
  assert.is(chooseDiffKind('/etc/shadow', opts), 'shadow');
  assert.is(chooseDiffKind('/etc/gshadow', opts), 'shadow');
  assert.is(chooseDiffKind('/etc/shadow-', opts), 'shadow');
  assert.is(chooseDiffKind('/etc/sudoers', opts), 'sudoers');
  assert.is(chooseDiffKind('/etc/sudoers.d/90-cloud', opts), 'sudoers');
  assert.is(chooseDiffKind('/home/bob/.ssh/authorized_keys', opts), 'authorized_keys');
  assert.is(chooseDiffKind('/root/.ssh/authorized_keys2', opts), 'authorized_keys');
  assert.is(chooseDiffKind('/etc/ssh/sshd_config', opts), 'text');
  assert.is(chooseDiffKind('/etc/security/group.conf', opts), 'text');
});

test('secret prefixes win over everything but shadow and authorized_keys', () => {
  assert.is(chooseDiffKind('/root/.ssh/id_ed25519', opts), 'secret');
  assert.is(chooseDiffKind('/etc/ssh/ssh_host_rsa_key', opts), 'secret');
  assert.is(chooseDiffKind('/srv/app/passwd', { secretPrefixes: ['/srv/app/'] }), 'secret');
  assert.is(chooseDiffKind('/srv/app/shadow', { secretPrefixes: ['/srv/app/'] }), 'shadow');
  assert.is(chooseDiffKind('/etc/ssh/sshd_config', { secretPrefixes: [] }), 'text');
});

test.run();
