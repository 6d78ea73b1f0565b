/**
 * Which paths belong to which rule, as data: the rules match with these, and a test checks that
 * the default baseline covers each class (a rule on a file nobody compares never fires).
 */
import { basename, dirname } from 'node:path';
import { inHomes, isBelowAny, isOneOf } from './changeFacts.js';

export const CRON_FILES = ['/etc/crontab', '/etc/anacrontab'];
export const CRON_DIRS = ['/etc/cron.d', '/etc/cron.hourly', '/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.monthly', '/etc/cron.yearly', '/var/spool/cron'];
/** at's spool lives under /var/spool/cron on Debian; atd itself rewrites it. */
const AT_SPOOLS = ['/var/spool/cron/atjobs', '/var/spool/cron/atspool'];

export function isCronPath(path: string): boolean {
  return isOneOf(path, CRON_FILES) || (isBelowAny(path, CRON_DIRS) && !isBelowAny(path, AT_SPOOLS));
}

export const SYSTEMD_UNIT_DIRS = [
  '/etc/systemd/system',
  '/etc/systemd/user',
  '/run/systemd/system',
  '/usr/lib/systemd/system',
  '/usr/lib/systemd/user',
  '/usr/local/lib/systemd/system',
  '/usr/local/lib/systemd/user',
  '/lib/systemd/system',
  '/lib/systemd/user',
  ...inHomes(['.config/systemd/user', '.local/share/systemd/user']),
];

export const SYSTEMD_GENERATOR_DIRS = ['/etc', '/run', '/usr/lib', '/usr/local/lib', '/lib'].flatMap((base) =>
  ['system-generators', 'user-generators', 'system-environment-generators', 'user-environment-generators'].map(
    (name) => `${base}/systemd/${name}`,
  ),
);

export function isSystemdGeneratorPath(path: string): boolean {
  return isBelowAny(path, SYSTEMD_GENERATOR_DIRS);
}

/** A timer unit, its drop-in, or its enablement symlink. */
export function isSystemdTimerPath(path: string): boolean {
  return isBelowAny(path, SYSTEMD_UNIT_DIRS) && (basename(path).endsWith('.timer') || basename(dirname(path)).endsWith('.timer.d'));
}

export function isSystemdUnitPath(path: string): boolean {
  return isBelowAny(path, SYSTEMD_UNIT_DIRS) && !isSystemdTimerPath(path);
}

export const PAM_FILES = ['/etc/pam.conf'];
export const PAM_DIRS = ['/etc/pam.d', '/etc/security'];
export const PAM_MODULE_DIRS = ['/usr/lib/*/security', '/lib/*/security', '/usr/lib64/security', '/lib64/security', '/usr/lib/security', '/lib/security'];
/** Old password hashes kept by pam_pwhistory: data, not configuration. */
const PAM_DATA = ['/etc/security/opasswd'];

export function isPamPath(path: string): boolean {
  if (isOneOf(path, PAM_DATA)) return false;
  return isOneOf(path, PAM_FILES) || isBelowAny(path, PAM_DIRS) || isBelowAny(path, PAM_MODULE_DIRS);
}

/** What bash, sh (dash) and zsh read at start-up, system-wide (Debian and Red Hat names). */
export const SYSTEM_SHELL_FILES = [
  '/etc/profile',
  '/etc/bash.bashrc',
  '/etc/bashrc',
  '/etc/bash.bash_logout',
  '/etc/environment',
  '/etc/zshenv',
  '/etc/zprofile',
  '/etc/zshrc',
  '/etc/zlogin',
  '/etc/zlogout',
];
/** profile.d is sourced by /etc/profile; bash_completion.d by every interactive bash; skel seeds new homes. */
export const SYSTEM_SHELL_DIRS = ['/etc/profile.d', '/etc/zsh', '/etc/bash_completion.d', '/etc/skel'];
export const USER_SHELL_NAMES = ['.profile', '.bash_profile', '.bash_login', '.bashrc', '.bash_logout', '.zshenv', '.zprofile', '.zshrc', '.zlogin', '.zlogout'];
export const USER_SHELL_FILES = inHomes(USER_SHELL_NAMES);

export function isShellStartupPath(path: string): boolean {
  return isOneOf(path, SYSTEM_SHELL_FILES) || isBelowAny(path, SYSTEM_SHELL_DIRS) || isOneOf(path, USER_SHELL_FILES);
}

export const RC_FILES = ['/etc/rc.local', '/etc/rc.d/rc.local'];
export const RC_DIRS = ['/etc/init.d', '/etc/rc.d/init.d', ...['0', '1', '2', '3', '4', '5', '6', 'S'].map((level) => `/etc/rc${level}.d`)];

export function isRcScriptPath(path: string): boolean {
  return isOneOf(path, RC_FILES) || isBelowAny(path, RC_DIRS);
}

/** The backups shadow's tools (useradd, usermod, passwd, vipw) write next to the account files,
 * with the content and the times of the file they back up. */
export const ACCOUNT_BACKUP_FILES = ['passwd', 'shadow', 'group', 'gshadow', 'subuid', 'subgid'].map((f) => `/etc/${f}-`);

export function isAccountBackupPath(path: string): boolean {
  return ACCOUNT_BACKUP_FILES.includes(path);
}

export const LD_PRELOAD_FILE = '/etc/ld.so.preload';
export const LD_CONF_FILES = ['/etc/ld.so.conf'];
export const LD_CONF_DIRS = ['/etc/ld.so.conf.d'];

export function isLdSoConfPath(path: string): boolean {
  return isOneOf(path, LD_CONF_FILES) || isBelowAny(path, LD_CONF_DIRS);
}

export const MODULE_CONF_FILES = ['/etc/modules'];
export const MODULE_CONF_DIRS = ['/etc', '/run', '/usr/lib', '/usr/local/lib', '/lib'].flatMap((base) => [`${base}/modprobe.d`, `${base}/modules-load.d`]);

export function isKernelModuleConfPath(path: string): boolean {
  return isOneOf(path, MODULE_CONF_FILES) || isBelowAny(path, MODULE_CONF_DIRS);
}

/** Where binaries on root's PATH live. */
export const SYSTEM_BINARY_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

export function isSystemBinaryPath(path: string): boolean {
  return isBelowAny(path, SYSTEM_BINARY_DIRS);
}
