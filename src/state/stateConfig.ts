/** The policy's `state` section: what goes into the file-integrity baseline and how long history is kept. */
import { PolicySection } from '../policy/validate.js';
import { normalizePattern } from './pathMatch.js';

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
  retention: RetentionConfig;
}

/** Binaries under /usr/bin and /usr/sbin are tracked by hash only (they are not text). */
export const DEFAULT_BASELINE_PATTERNS: readonly string[] = Object.freeze([
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/gshadow',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/root/.ssh',
  '/home/*/.ssh/authorized_keys',
  '/etc/ssh/sshd_config',
  '/usr/bin',
  '/usr/sbin',
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
]);

export const DEFAULT_TEXT_DIFF_MAX_BYTES = 256 * 1024;
export const MAX_TEXT_DIFF_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_RETENTION: Readonly<RetentionConfig> = Object.freeze({ maxAgeDays: 90, maxRows: 100_000 });

export const DEFAULT_STATE_CONFIG: Readonly<StateConfig> = Object.freeze({
  baseline: [...DEFAULT_BASELINE_PATTERNS],
  secret: [...DEFAULT_SECRET_PREFIXES],
  textDiffMaxBytes: DEFAULT_TEXT_DIFF_MAX_BYTES,
  retention: { ...DEFAULT_RETENTION },
});

const STATE_KEYS = ['baseline', 'secret', 'text_diff_max_bytes', 'retention'];
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
