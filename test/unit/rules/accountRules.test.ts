import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRootUid } from '../../../src/rules/accountRules.js';
import { DPKG, GROUP, PASSWD, SHADOW, alertsFor, change, replace, rulesOf } from '../../fixtures/rules/helpers.js';

test('isRootUid reads the uid field as glibc does', () => {
  for (const field of ['0', '00', '+0', ' 0', '-0', '4294967296', '8589934592']) assert.ok(isRootUid(field), field);
  for (const field of ['1', '1000', '', 'x', '0x0', '0 ', '4294967297', '99999999999999999999999999']) assert.not.ok(isRootUid(field), field);
});

test('account_uid0_added: a second uid-0 account (the issue\'s echo >> /etc/passwd)', () => {
  const alerts = alertsFor(change('/etc/passwd', PASSWD, PASSWD + 'x:x:0:0::/:/bin/sh\n'));
  assert.equal(rulesOf(alerts), ['account_uid0_added']);
  const [alert] = alerts;
  assert.is(alert!.severity, 'critical');
  assert.is(alert!.attack, 'T1136.001');
  assert.is(alert!.message, 'account "x" with uid 0 (root\'s privileges) added to /etc/passwd (uid field "0", shell "/bin/sh")');
  assert.equal(alert!.details, { user: 'x', uid: '0', home: '/', shell: '/bin/sh', password: 'shadowed' });
  assert.equal(alert!.by, { pid: 4242, comm: 'bash', uid: 0 });
  // a uid that only wraps to 0 is caught too
  assert.equal(rulesOf(alertsFor(change('/etc/passwd', PASSWD, PASSWD + 'y:x:4294967296:0::/:/bin/sh\n'))), ['account_uid0_added']);
});

test('account_uid0_added negative: an ordinary account, root itself, a backup file', () => {
  assert.equal(rulesOf(alertsFor(change('/etc/passwd', PASSWD, PASSWD + 'bob:x:1001:1001::/home/bob:/bin/sh\n'))), ['account_added']);
  assert.equal(rulesOf(alertsFor(change('/etc/passwd', 'daemon:x:1:1::/:/bin/false\n', PASSWD))), ['account_added', 'account_added']);
  assert.equal(alertsFor(change('/etc/passwd-', PASSWD, PASSWD + 'x:x:0:0::/:/bin/sh\n')), [], 'passwd- is the tools\' backup');
});

test('account_uid0_granted: an existing account given uid 0; negative: another uid change', () => {
  const alerts = alertsFor(change('/etc/passwd', PASSWD, PASSWD.replace('alice:x:1000:', 'alice:x:0:')));
  assert.equal(rulesOf(alerts), ['account_uid0_granted']);
  assert.is(alerts[0]!.attack, 'T1098');
  assert.match(alerts[0]!.message, /account "alice" given uid 0 \(was "1000"\)/);
  assert.equal(alertsFor(change('/etc/passwd', PASSWD, PASSWD.replace('alice:x:1000:', 'alice:x:1001:'))), []);
});

test('account_added / account_removed: by useradd and userdel; negative: the package manager', () => {
  const added = alertsFor(replace('/etc/passwd', PASSWD, PASSWD + 'eve:x:1001:1001::/home/eve:/bin/bash\n'));
  assert.equal(rulesOf(added), ['account_added']);
  assert.is(added[0]!.severity, 'medium');
  assert.is(added[0]!.message, 'account "eve" added to /etc/passwd (uid 1001, home "/home/eve", shell "/bin/bash")');
  const removed = alertsFor(replace('/etc/passwd', PASSWD, PASSWD.replace(/alice.*\n/, '')));
  assert.equal(rulesOf(removed), ['account_removed']);
  assert.is(removed[0]!.attack, 'T1531');
  // a package's postinst adding its system user
  assert.equal(alertsFor(replace('/etc/passwd', PASSWD, PASSWD + 'postgres:x:110:118::/var/lib/postgresql:/bin/bash\n', { by: DPKG })), []);
});

test('password_removed: emptied in shadow or passwd, or a new account without one; negative: a lock', () => {
  const emptied = alertsFor(change('/etc/shadow', SHADOW, SHADOW.replace(/^alice:[^:]*:/m, 'alice::')));
  assert.equal(rulesOf(emptied), ['password_removed']);
  assert.is(emptied[0]!.severity, 'high');
  assert.match(emptied[0]!.message, /password of "alice" removed in \/etc\/shadow: login without a password \(was set\)/);
  assert.not.ok(JSON.stringify(emptied).includes('aaaa'), 'no part of a hash');
  assert.equal(rulesOf(alertsFor(change('/etc/passwd', PASSWD, PASSWD.replace('alice:x:', 'alice::')))), ['password_removed']);
  // even the package manager does not get to do that
  assert.equal(rulesOf(alertsFor(change('/etc/passwd', PASSWD, PASSWD + 'pm::1002:1002::/:/bin/sh\n', { by: DPKG }))), ['password_removed']);
  assert.equal(alertsFor(change('/etc/shadow', SHADOW, SHADOW.replace(/^alice:/m, 'alice:!'))), [], 'passwd -l');
  // an empty gshadow group password is not a login
  assert.equal(alertsFor(change('/etc/gshadow', 'sudo:!::\n', 'sudo:::\n')), []);
});

test('password_changed: chpasswd on a new account; negative: locking it', () => {
  const before = SHADOW + 'eve:!:19800:0:99999:7:::\n';
  const alerts = alertsFor(replace('/etc/shadow', before, before.replace('eve:!:', 'eve:$6$s$' + 'e'.repeat(86) + ':')));
  assert.equal(rulesOf(alerts), ['password_changed']);
  assert.is(alerts[0]!.severity, 'low');
  assert.is(alerts[0]!.message, 'password of "eve" changed in /etc/shadow (locked → set)');
  assert.equal(alertsFor(change('/etc/shadow', SHADOW, SHADOW.replace(/^alice:/m, 'alice:!'))), []);
});

test('privileged_group_member_added: usermod -aG sudo; negative: an ordinary group, gshadow', () => {
  const alerts = alertsFor(replace('/etc/group', GROUP, GROUP.replace('sudo:x:27:', 'sudo:x:27:alice')));
  assert.equal(rulesOf(alerts), ['privileged_group_member_added']);
  assert.is(alerts[0]!.message, '"alice" added to the privileged group "sudo" in /etc/group');
  assert.equal(alerts[0]!.details, { group: 'sudo', member: 'alice' });
  assert.equal(alertsFor(change('/etc/group', GROUP, GROUP.replace('alice:x:1000:', 'alice:x:1000:bob'))), []);
  assert.equal(alertsFor(change('/etc/gshadow', 'sudo:!::\n', 'sudo:!::alice\n')), [], 'group is where membership is read');
});

test.run();
