/** The policy's `state` section: what goes into the file-integrity baseline and how long history is kept. */
import { PolicyError, describeValue } from '../policy/policyError.js';
import { normalizePattern, patternProblem } from './pathMatch.js';

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

const MAX_LIST_ENTRIES = 1000;
const STATE_KEYS = ['baseline', 'secret', 'text_diff_max_bytes', 'retention'];
const RETENTION_KEYS = ['max_age_days', 'max_rows'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(obj: Record<string, unknown>, allowed: string[], file: string, where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new PolicyError(file, `${where}.${key}`, `one of the keys ${allowed.join(', ')}`, 'an unknown key');
    }
  }
}

function parsePathList(
  value: unknown,
  file: string,
  field: string,
  check: (entry: string) => string | null,
): string[] {
  if (!Array.isArray(value)) throw new PolicyError(file, field, 'an array of absolute paths', describeValue(value));
  if (value.length > MAX_LIST_ENTRIES) {
    throw new PolicyError(file, field, `at most ${MAX_LIST_ENTRIES} entries`, `${value.length} entries`);
  }
  const out: string[] = [];
  value.forEach((entry, i) => {
    if (typeof entry !== 'string' || entry === '') {
      throw new PolicyError(file, `${field}[${i}]`, 'a non-empty string', describeValue(entry));
    }
    const problem = check(entry);
    if (problem !== null) throw new PolicyError(file, `${field}[${i}]`, problem, describeValue(entry));
    if (!out.includes(entry)) out.push(entry);
  });
  return out;
}

function parseInteger(value: unknown, file: string, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new PolicyError(file, field, `an integer from ${min} to ${max}`, describeValue(value));
  }
  return value;
}

function secretPrefixProblem(prefix: string): string | null {
  if (!prefix.startsWith('/')) return 'an absolute path prefix';
  if (prefix.includes('\0')) return 'a path prefix without NUL bytes';
  if (prefix.length > 4096) return 'a path prefix of at most 4096 characters';
  for (const c of prefix.split('/')) {
    if (c === '.' || c === '..') return 'a path prefix without "." or ".." components';
    if (c.includes('*') && c !== '*') return 'a path prefix where "*" is a whole component';
  }
  return null;
}

/** Validates the `state` section (absent → defaults). Unknown keys are errors. */
export function parseStateConfig(raw: unknown, file: string): StateConfig {
  if (raw === undefined || raw === null) return structuredClone(DEFAULT_STATE_CONFIG) as StateConfig;
  if (!isPlainObject(raw)) throw new PolicyError(file, 'state', 'an object', describeValue(raw));
  rejectUnknownKeys(raw, STATE_KEYS, file, 'state');

  const baseline =
    raw.baseline === undefined
      ? [...DEFAULT_BASELINE_PATTERNS]
      : parsePathList(raw.baseline, file, 'state.baseline', patternProblem).map(normalizePattern);
  const secret =
    raw.secret === undefined
      ? [...DEFAULT_SECRET_PREFIXES]
      : parsePathList(raw.secret, file, 'state.secret', secretPrefixProblem);
  const textDiffMaxBytes =
    raw.text_diff_max_bytes === undefined
      ? DEFAULT_TEXT_DIFF_MAX_BYTES
      : parseInteger(raw.text_diff_max_bytes, file, 'state.text_diff_max_bytes', 0, MAX_TEXT_DIFF_MAX_BYTES);

  const retention: RetentionConfig = { ...DEFAULT_RETENTION };
  if (raw.retention !== undefined) {
    if (!isPlainObject(raw.retention)) {
      throw new PolicyError(file, 'state.retention', 'an object', describeValue(raw.retention));
    }
    rejectUnknownKeys(raw.retention, RETENTION_KEYS, file, 'state.retention');
    if (raw.retention.max_age_days !== undefined) {
      retention.maxAgeDays = parseInteger(raw.retention.max_age_days, file, 'state.retention.max_age_days', 1, 36_500);
    }
    if (raw.retention.max_rows !== undefined) {
      retention.maxRows = parseInteger(raw.retention.max_rows, file, 'state.retention.max_rows', 1, 100_000_000);
    }
  }
  return { baseline: [...new Set(baseline)], secret, textDiffMaxBytes, retention };
}

/** The limits `StateStore.pruneHistory` takes, from the configured retention. */
export function retentionLimits(retention: RetentionConfig): { maxAgeSeconds: number; maxRows: number } {
  return { maxAgeSeconds: retention.maxAgeDays * 86_400, maxRows: retention.maxRows };
}
