import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DPKG, alertsFor, change, replace, rulesOf } from '../../fixtures/rules/helpers.js';

test('ld_preload_written: a library in /etc/ld.so.preload, even from a package manager', () => {
  const alerts = alertsFor(change('/etc/ld.so.preload', null, '/usr/lib/libevil.so\n'));
  assert.equal(rulesOf(alerts), ['ld_preload_written']);
  assert.is(alerts[0]!.severity, 'critical');
  assert.is(alerts[0]!.attack, 'T1574.006');
  assert.is(alerts[0]!.message, 'loader preload list /etc/ld.so.preload created: "/usr/lib/libevil.so"');
  assert.equal(alerts[0]!.details, { added_lines: ['/usr/lib/libevil.so'], added_count: 1 });
  // glibc has no comments in this file: "#" lines are entries too
  assert.equal(rulesOf(alertsFor(change('/etc/ld.so.preload', '', '#/tmp/x.so\n', { by: DPKG }))), ['ld_preload_written']);
});

test('ld_preload_written negative: emptied, deleted, a file of the same name elsewhere', () => {
  assert.equal(alertsFor(change('/etc/ld.so.preload', '/usr/lib/libevil.so\n', '')), []);
  assert.equal(alertsFor(change('/etc/ld.so.preload', '/usr/lib/libevil.so\n', null)), []);
  assert.equal(alertsFor(change('/tmp/etc/ld.so.preload', null, '/x.so\n')), []);
});

test('ld_so_conf_changed: a library directory added; negative: comments, the package manager', () => {
  const alerts = alertsFor(change('/etc/ld.so.conf.d/evil.conf', null, '# hidden\n/dev/shm/lib\n'));
  assert.equal(rulesOf(alerts), ['ld_so_conf_changed']);
  assert.is(alerts[0]!.message, 'loader configuration /etc/ld.so.conf.d/evil.conf created: "/dev/shm/lib"');
  assert.equal(alertsFor(change('/etc/ld.so.conf', 'include /etc/ld.so.conf.d/*.conf\n', 'include /etc/ld.so.conf.d/*.conf\n# note\n')), []);
  assert.equal(alertsFor(change('/etc/ld.so.conf.d/x86_64-linux-gnu.conf', null, '/usr/local/lib/x86_64-linux-gnu\n', { by: DPKG })), []);
});

test('pam_config_changed: pam_permit added (marked), a PAM module replaced', () => {
  const before = 'auth required pam_unix.so\n';
  const alerts = alertsFor(replace('/etc/pam.d/sshd', before, 'auth sufficient pam_permit.so\n' + before));
  assert.equal(rulesOf(alerts), ['pam_config_changed']);
  assert.is(alerts[0]!.attack, 'T1556.003');
  assert.is(alerts[0]!.message, 'PAM configuration /etc/pam.d/sshd changed: "auth sufficient pam_permit.so"; pam_permit: accepts anyone');
  const module = alertsFor(replace('/usr/lib/x86_64-linux-gnu/security/pam_unix.so', Buffer.from('\x7fELF\0old'), Buffer.from('\x7fELF\0new')));
  assert.equal(rulesOf(module), ['pam_config_changed']);
  assert.match(module[0]!.message, /^PAM configuration \/usr\/lib\/x86_64-linux-gnu\/security\/pam_unix\.so changed: new content \(binary, not diffed\)$/);
});

test('pam_config_changed negative: a line removed, opasswd (password history data), the package manager', () => {
  assert.equal(alertsFor(change('/etc/pam.d/sshd', 'auth required pam_unix.so\n@include common-auth\n', 'auth required pam_unix.so\n')), []);
  assert.equal(alertsFor(change('/etc/security/opasswd', 'a\n', 'a\nb\n')), []);
  assert.equal(alertsFor(change('/etc/pam.d/common-auth', 'a\n', 'a\nauth optional pam_cap.so\n', { by: DPKG })), []);
});

test('kernel_module_config_changed: an install command (marked); negative: blacklist removed, another dir', () => {
  const alerts = alertsFor(change('/etc/modprobe.d/usb.conf', null, 'install usb-storage /bin/sh -c "/tmp/x"\n'));
  assert.equal(rulesOf(alerts), ['kernel_module_config_changed']);
  assert.is(alerts[0]!.attack, 'T1547.006');
  assert.match(alerts[0]!.message, /^kernel module configuration \/etc\/modprobe\.d\/usb\.conf created: .*; runs a command$/);
  assert.equal(rulesOf(alertsFor(change('/etc/modules-load.d/x.conf', null, 'rootkit\n'))), ['kernel_module_config_changed']);
  assert.equal(rulesOf(alertsFor(change('/etc/modules', '# /etc/modules\n', '# /etc/modules\nloop\n'))), ['kernel_module_config_changed']);
  assert.equal(alertsFor(change('/etc/modprobe.d/blacklist.conf', 'blacklist pcspkr\n', '')), []);
  assert.equal(alertsFor(change('/etc/modprobe.conf.d/x.conf', null, 'install x /tmp/x\n')), []);
});

test.run();
