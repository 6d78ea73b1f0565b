/** The policy's `state` section: what goes into the file-integrity baseline and how long history is kept. */
import { PolicySection } from '../policy/validate.js';
import { namePatternProblem, normalizePattern } from './pathMatch.js';

export interface RetentionConfig {
  maxAgeDays: number;
  maxRows: number;
}

export interface StateConfig {
  /** Files and directories (recursively) to baseline; a `*` component is expanded at scan time. */
  baseline: string[];
  /** Path prefixes whose content is never stored: only the line count is reported. */
  secret: string[];
  /** Text files up to this size get a line diff; larger ones are tracked by hash only. */
  textDiffMaxBytes: number;
  /** File names (`*` = any characters) that give no change: editor swap and backup files. */
  ignoreNames: string[];
  retention: RetentionConfig;
}

/** Per-user files in root's and every /home user's home. */
function inHomes(names: readonly string[]): string[] {
  return ['/root', '/home/*'].flatMap((home) => names.map((name) => `${home}/${name}`));
}

/**
 * What attackers change to get in, stay in or get root (the rules in src/rules/ judge these
 * files; a test checks that every rule's paths are covered). Binaries are tracked by hash only.
 * Paths under a symlink (/bin on merged-/usr systems) cost one symlink entry.
 */
export const DEFAULT_BASELINE_PATTERNS: readonly string[] = Object.freeze([
  // accounts and privileges
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/gshadow',
  '/etc/sudoers',
  '/etc/sudoers.d',
  // ssh
  '/root/.ssh',
  '/home/*/.ssh/authorized_keys',
  '/home/*/.ssh/authorized_keys2',
  '/etc/ssh/sshd_config',
  '/etc/ssh/sshd_config.d',
  // authentication and name resolution
  '/etc/pam.conf',
  '/etc/pam.d',
  '/etc/security',
  '/usr/lib/*/security',
  '/usr/lib64/security',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  // dynamic loader and kernel modules
  '/etc/ld.so.preload',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/modules',
  '/etc/modprobe.d',
  '/etc/modules-load.d',
  '/usr/lib/modprobe.d',
  '/usr/lib/modules-load.d',
  // scheduled and boot-time execution
  '/etc/crontab',
  '/etc/anacrontab',
  '/etc/cron.d',
  '/etc/cron.hourly',
  '/etc/cron.daily',
  '/etc/cron.weekly',
  '/etc/cron.monthly',
  '/etc/cron.yearly',
  '/var/spool/cron',
  '/etc/systemd/system',
  '/etc/systemd/user',
  '/etc/systemd/system-generators',
  '/etc/systemd/user-generators',
  '/usr/lib/systemd/system',
  '/usr/lib/systemd/user',
  '/usr/lib/systemd/system-generators',
  '/usr/lib/systemd/user-generators',
  '/usr/local/lib/systemd',
  '/etc/rc.local',
  '/etc/init.d',
  ...inHomes(['.config/systemd/user']),
  // shell start-up files bash, sh and zsh read, system-wide and per user
  '/etc/profile',
  '/etc/profile.d',
  '/etc/bash.bashrc',
  '/etc/bashrc',
  '/etc/bash.bash_logout',
  '/etc/bash_completion.d',
  '/etc/environment',
  '/etc/zsh',
  '/etc/zshenv',
  '/etc/zprofile',
  '/etc/zshrc',
  '/etc/zlogin',
  '/etc/zlogout',
  '/etc/skel',
  ...inHomes(['.profile', '.bash_profile', '.bash_login', '.bashrc', '.bash_logout', '.zshenv', '.zprofile', '.zshrc', '.zlogin', '.zlogout']),
  // binaries on root's PATH
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
]);

/**
 * /root/.ssh is in the default baseline and holds private keys, so its content must not be
 * stored. authorized_keys files inside it still get their (secret-safe) fingerprint diff.
 */
export const DEFAULT_SECRET_PREFIXES: readonly string[] = Object.freeze([
  '/root/.ssh/',
  '/home/*/.ssh/',
  '/etc/ssh/ssh_host_',
  '/etc/ssl/private/',
  // pam_pwhistory's old password hashes (/etc/security is in the baseline)
  '/etc/security/opasswd',
]);

/**
 * vim swap files and its write probe "4913", emacs backups and lock links, nano's emergency
 * saves. The programs that read baseline directories skip these names (sudo, cron and run-parts
 * skip names with "." or "~"; profile.d, ld.so.conf.d and modprobe.d read "*.conf"/"*.sh" only),
 * except an executable "4913" in a run-parts directory: executable files are never ignored.
 */
export const DEFAULT_IGNORE_NAMES: readonly string[] = Object.freeze(['*.swp', '*.swo', '*.swx', '*~', '.#*', '4913', '*.save']);

export const DEFAULT_TEXT_DIFF_MAX_BYTES = 256 * 1024;
export const MAX_TEXT_DIFF_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_RETENTION: Readonly<RetentionConfig> = Object.freeze({ maxAgeDays: 90, maxRows: 100_000 });

export const DEFAULT_STATE_CONFIG: Readonly<StateConfig> = Object.freeze({
  baseline: [...DEFAULT_BASELINE_PATTERNS],
  secret: [...DEFAULT_SECRET_PREFIXES],
  textDiffMaxBytes: DEFAULT_TEXT_DIFF_MAX_BYTES,
  ignoreNames: [...DEFAULT_IGNORE_NAMES],
  retention: { ...DEFAULT_RETENTION },
});

const STATE_KEYS = ['baseline', 'secret', 'text_diff_max_bytes', 'ignore_names', 'retention'];
const RETENTION_KEYS = ['max_age_days', 'max_rows'];

/** Validates the `state` section (absent → defaults). Unknown keys are errors. */
export function parseStateConfig(raw: unknown, file: string): StateConfig {
  const section = PolicySection.of(raw, file, 'state', STATE_KEYS);
  const retention = section.section('retention', RETENTION_KEYS);
  const baseline = section
    .pathList('baseline', { wildcards: true, wildcardLast: true }, DEFAULT_BASELINE_PATTERNS)
    .map(normalizePattern);
  return {
    baseline: [...new Set(baseline)],
    // prefixes: "/etc/ssh/ssh_host_" matches every host key file
    secret: section.pathList('secret', { wildcards: true, wildcardLast: true }, DEFAULT_SECRET_PREFIXES),
    textDiffMaxBytes: section.number(
      'text_diff_max_bytes',
      { min: 0, max: MAX_TEXT_DIFF_MAX_BYTES, integer: true, unit: 'bytes' },
      DEFAULT_TEXT_DIFF_MAX_BYTES,
    ),
    ignoreNames: section.stringList(
      'ignore_names',
      'an array of file name patterns',
      (entry) => (typeof entry === 'string' ? namePatternProblem(entry) : 'a file name pattern'),
      DEFAULT_IGNORE_NAMES,
    ),
    retention: {
      maxAgeDays: retention.number('max_age_days', { min: 1, max: 36_500, integer: true, unit: 'days' }, DEFAULT_RETENTION.maxAgeDays),
      maxRows: retention.number('max_rows', { min: 1, max: 100_000_000, integer: true }, DEFAULT_RETENTION.maxRows),
    },
  };
}

/** The limits `StateStore.pruneHistory` takes, from the configured retention. */
export function retentionLimits(retention: RetentionConfig): { maxAgeSeconds: number; maxRows: number } {
  return { maxAgeSeconds: retention.maxAgeDays * 86_400, maxRows: retention.maxRows };
}
