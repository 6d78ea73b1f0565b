import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  isCronPath,
  isKernelModuleConfPath,
  isLdSoConfPath,
  isPamPath,
  isRcScriptPath,
  isShellStartupPath,
  isSystemBinaryPath,
  isSystemdGeneratorPath,
  isSystemdTimerPath,
  isSystemdUnitPath,
} from '../../../src/rules/pathClasses.js';
import { isCoveredByAny } from '../../../src/state/pathMatch.js';
import { DEFAULT_BASELINE_PATTERNS } from '../../../src/state/stateConfig.js';

/** Paths each class must contain, and a default install must baseline and watch. */
const CLASSES: [string, (path: string) => boolean, string[]][] = [
  ['cron', isCronPath, ['/etc/crontab', '/etc/anacrontab', '/etc/cron.d/job', '/etc/cron.hourly/x', '/etc/cron.daily/x', '/etc/cron.weekly/x', '/etc/cron.monthly/x', '/var/spool/cron/crontabs/root']],
  ['systemd unit', isSystemdUnitPath, ['/etc/systemd/system/x.service', '/etc/systemd/system/x.service.d/o.conf', '/etc/systemd/system/multi-user.target.wants/x.service', '/usr/lib/systemd/system/x.service', '/etc/systemd/user/x.service', '/root/.config/systemd/user/x.service', '/home/alice/.config/systemd/user/x.service', '/usr/local/lib/systemd/system/x.service']],
  ['systemd timer', isSystemdTimerPath, ['/etc/systemd/system/x.timer', '/etc/systemd/system/timers.target.wants/x.timer', '/usr/lib/systemd/system/x.timer']],
  ['systemd generator', isSystemdGeneratorPath, ['/etc/systemd/system-generators/x', '/usr/lib/systemd/system-generators/x', '/usr/local/lib/systemd/system-generators/x', '/usr/lib/systemd/user-generators/x']],
  ['PAM', isPamPath, ['/etc/pam.conf', '/etc/pam.d/sshd', '/etc/security/access.conf', '/etc/security/limits.d/x.conf', '/usr/lib/x86_64-linux-gnu/security/pam_unix.so']],
  ['shell start-up', isShellStartupPath, ['/etc/profile', '/etc/profile.d/x.sh', '/etc/bash.bashrc', '/etc/zsh/zshrc', '/etc/environment', '/etc/skel/.bashrc', '/root/.bashrc', '/root/.bash_profile', '/home/alice/.bash_login', '/home/alice/.zshrc', '/home/alice/.profile']],
  ['rc script', isRcScriptPath, ['/etc/rc.local', '/etc/init.d/x']],
  ['ld.so.conf', isLdSoConfPath, ['/etc/ld.so.conf', '/etc/ld.so.conf.d/x.conf']],
  ['kernel modules', isKernelModuleConfPath, ['/etc/modules', '/etc/modprobe.d/x.conf', '/etc/modules-load.d/x.conf', '/usr/lib/modprobe.d/x.conf', '/usr/lib/modules-load.d/x.conf']],
  ['system binary', isSystemBinaryPath, ['/bin/x', '/sbin/x', '/usr/bin/x', '/usr/sbin/x', '/usr/local/bin/x', '/usr/local/sbin/x']],
];

const OTHER_RULE_PATHS = ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow', '/etc/sudoers', '/etc/sudoers.d/x', '/root/.ssh/authorized_keys', '/home/alice/.ssh/authorized_keys', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/x.conf', '/etc/ld.so.preload'];

function policyWatch(): string[] {
  const path = fileURLToPath(new URL('../../../policy.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { watch: string[] }).watch;
}

/** The kernel's rule (src/policy/watchList.ts): "dir/" covers below it, "file" that file; "/*\/" one name. */
function watched(path: string, entries: readonly string[]): boolean {
  return entries.some((entry) => {
    const re = new RegExp('^' + entry.split('/*/').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('/[^/]+/') + (entry.endsWith('/') ? '' : '(/|$)'));
    return re.test(path);
  });
}

test('each rule class holds its paths, and the default baseline and watch list cover them', () => {
  const watch = policyWatch();
  for (const [name, inClass, paths] of CLASSES) {
    for (const path of paths) {
      assert.ok(inClass(path), `${name}: ${path}`);
      assert.ok(isCoveredByAny(path, DEFAULT_BASELINE_PATTERNS), `${name}: ${path} is not in the default baseline`);
      assert.ok(watched(path, watch), `${name}: ${path} is not in policy.json's watch list`);
    }
  }
  for (const path of OTHER_RULE_PATHS) {
    assert.ok(isCoveredByAny(path, DEFAULT_BASELINE_PATTERNS), `${path} is not in the default baseline`);
    assert.ok(watched(path, watch), `${path} is not watched`);
  }
});

test('classes do not reach past their files', () => {
  assert.not.ok(isCronPath('/var/spool/cron/atjobs/a1'));
  assert.not.ok(isCronPath('/etc/cron.d'), 'the directory itself');
  assert.not.ok(isCronPath('/etc/crontab.bak'));
  assert.not.ok(isSystemdUnitPath('/etc/systemd/system.conf'));
  assert.not.ok(isSystemdUnitPath('/etc/systemd/system/x.timer'), 'timers have their own rule');
  assert.not.ok(isPamPath('/etc/security/opasswd'));
  assert.not.ok(isShellStartupPath('/home/alice/.bashrc.d/x'));
  assert.not.ok(isShellStartupPath('/home/a/b/.bashrc'));
  assert.not.ok(isSystemBinaryPath('/usr/binx/y'));
  assert.not.ok(isLdSoConfPath('/etc/ld.so.cache'));
  assert.not.ok(isKernelModuleConfPath('/etc/modules-load.d'));
});

test.run();
