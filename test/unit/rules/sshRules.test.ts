import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addedWeakness, parseSshdDirective, removedWeakness } from '../../../src/rules/sshRules.js';
import { DPKG, alertsFor, change, replace, rulesOf } from '../../fixtures/rules/helpers.js';

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFzPd4AnOI1cqEDocdP59v7JgVIFS2XXKZ3CTa6Lxdm1 alice@laptop';
const ALICE_FP = 'SHA256:/6FbdpvSPL70zs3w3kMpC/EqEwGi2DCfkmhi10Y+PYE';
const MALLORY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII6BbGnUxZN/iv86P/iccqqCylmirpazz/QHgPB3kD1Q mallory@evil';

test('ssh_authorized_key_added: an appended key, by fingerprint and comment, never the key', () => {
  const alerts = alertsFor(change('/root/.ssh/authorized_keys', MALLORY + '\n', MALLORY + '\n' + ALICE + '\n'));
  assert.equal(rulesOf(alerts), ['ssh_authorized_key_added']);
  const [alert] = alerts;
  assert.is(alert!.severity, 'high');
  assert.is(alert!.attack, 'T1098.004');
  assert.is(alert!.message, `SSH key added to /root/.ssh/authorized_keys: ssh-ed25519 ${ALICE_FP} "alice@laptop"`);
  assert.equal(alert!.details, { key_type: 'ssh-ed25519', fingerprint: ALICE_FP, comment: 'alice@laptop', options: [] });
  assert.not.ok(JSON.stringify(alert).includes('AAAAC3'), 'no key material');
  // also for a package manager: no package installs keys
  assert.equal(rulesOf(alertsFor(change('/home/bob/.ssh/authorized_keys', null, ALICE + '\n', { by: DPKG }))), ['ssh_authorized_key_added']);
});

test("ssh_authorized_key_added: a key's restriction dropped", () => {
  const alerts = alertsFor(change('/root/.ssh/authorized_keys', `command="/usr/bin/uptime",restrict ${ALICE}\n`, `restrict ${ALICE}\n`));
  assert.equal(rulesOf(alerts), ['ssh_authorized_key_added']);
  assert.match(alerts[0]!.message, /lost its options "command=\\"\/usr\/bin\/uptime\\""/);
});

test('ssh_authorized_key_added negative: a key removed, options tightened, comments', () => {
  assert.equal(alertsFor(change('/root/.ssh/authorized_keys', MALLORY + '\n' + ALICE + '\n', ALICE + '\n')), []);
  assert.equal(alertsFor(change('/root/.ssh/authorized_keys', ALICE + '\n', `restrict ${ALICE}\n`)), []);
  assert.equal(alertsFor(change('/root/.ssh/authorized_keys', ALICE + '\n', ALICE + '\n# old key below\n')), []);
});

test('sshd directives: parsing and what weakens', () => {
  assert.equal(parseSshdDirective('  PermitRootLogin=yes'), { keyword: 'permitrootlogin', value: 'yes', line: 'PermitRootLogin=yes' });
  assert.is(parseSshdDirective('#PermitRootLogin yes'), null);
  assert.is(parseSshdDirective('PermitRootLogin'), null);
  const weak = (line: string) => addedWeakness(parseSshdDirective(line)!);
  assert.ok(weak('PermitRootLogin yes'));
  assert.ok(weak('PasswordAuthentication "yes"'));
  assert.ok(weak('PermitEmptyPasswords yes'));
  assert.ok(weak('AuthorizedKeysFile .ssh/authorized_keys /tmp/keys'));
  assert.ok(weak('Include /tmp/evil.conf'));
  assert.ok(weak('PermitUserEnvironment yes'));
  assert.ok(weak('StrictModes no'));
  assert.is(weak('PermitRootLogin prohibit-password'), null);
  assert.is(weak('PasswordAuthentication no'), null);
  assert.is(weak('AuthorizedKeysCommand none'), null);
  assert.is(weak('Port 2222'), null);
  assert.ok(removedWeakness(parseSshdDirective('PasswordAuthentication no')!));
  assert.ok(removedWeakness(parseSshdDirective('AllowUsers alice')!));
  assert.is(removedWeakness(parseSshdDirective('PasswordAuthentication yes')!), null);
});

test('sshd_config_weakened: root login and password logins switched on', () => {
  const before = 'Port 22\nPermitRootLogin no\nPasswordAuthentication no\n';
  const after = 'Port 22\nPermitRootLogin yes\nPasswordAuthentication yes\n';
  const alerts = alertsFor(replace('/etc/ssh/sshd_config', before, after));
  assert.equal(rulesOf(alerts), ['sshd_config_weakened']);
  assert.is(alerts[0]!.attack, 'T1556');
  assert.is(
    alerts[0]!.message,
    'sshd configuration /etc/ssh/sshd_config weakened: added "PermitRootLogin yes" (root may log in with a password); ' +
      'added "PasswordAuthentication yes" (password logins allowed); ' +
      'removed "PermitRootLogin no" (root login back to the default (with a key)); ' +
      'removed "PasswordAuthentication no" (password logins back to the default (allowed))',
  );
  assert.equal(rulesOf(alertsFor(change('/etc/ssh/sshd_config.d/50-x.conf', null, 'AuthorizedKeysFile /var/tmp/k\n'))), ['sshd_config_weakened']);
});

test('sshd_config_weakened negative: hardening, a moved line, a port, another file', () => {
  assert.equal(alertsFor(change('/etc/ssh/sshd_config', 'PermitRootLogin yes\n', 'PermitRootLogin no\n')), []);
  assert.equal(alertsFor(change('/etc/ssh/sshd_config', 'PasswordAuthentication no\nPort 22\n', 'Port 22\npasswordauthentication  no\n')), []);
  assert.equal(alertsFor(change('/etc/ssh/sshd_config', 'Port 22\n', 'Port 2222\n')), []);
  assert.equal(alertsFor(change('/etc/ssh/ssh_config', 'Port 22\n', 'PasswordAuthentication yes\n')), [], 'the client configuration');
});

test.run();
