/**
 * authorized_keys: keys added or removed, by type, comment and OpenSSH SHA-256 fingerprint
 * (never the key text), and changed options (e.g. a `command=` restriction dropped).
 * Format per sshd(8) "AUTHORIZED_KEYS FILE FORMAT": [options] keytype base64-blob [comment].
 */
import { createHash } from 'node:crypto';
import { isStringArray } from './validate.js';
import { keyedDigest } from './keyedDigest.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits, pushBounded } from './limits.js';
import { splitLines, truncateString } from './textContent.js';

export interface AuthorizedKey {
  type: string;
  /** "SHA256:" + unpadded base64 of SHA-256 over the decoded key blob, as `ssh-keygen -l` prints. */
  fingerprint: string;
  comment: string;
  options: string[];
}

export interface AuthorizedKeysModel {
  kind: 'authorized_keys';
  keys: AuthorizedKey[];
  /** Keyed digests of lines that are neither keys nor comments (could be a pasted private key). */
  invalid: string[];
}

export interface AuthorizedKeysDiff {
  kind: 'authorized_keys';
  added: AuthorizedKey[];
  removed: AuthorizedKey[];
  optionsChanged: { type: string; fingerprint: string; comment: string; oldOptions: string[]; newOptions: string[] }[];
  invalidLines: { added: number; removed: number };
  truncated: boolean;
}

const MAX_COMMENT = 256;
const MAX_OPTION = 1024;
const MAX_OPTIONS = 64;
const KEY_TYPE = /^(ssh-|ecdsa-|sk-)[A-Za-z0-9@._+-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function sshFingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The decoded blob when `text` is strict base64 whose first SSH string is `type`, else null. */
function decodeKeyBlob(type: string, text: string): Buffer | null {
  if (!BASE64.test(text) || text.length % 4 !== 0) return null;
  const blob = Buffer.from(text, 'base64');
  if (blob.length < 4) return null;
  const nameLength = blob.readUInt32BE(0);
  if (nameLength > blob.length - 4) return null;
  return blob.subarray(4, 4 + nameLength).toString('latin1') === type ? blob : null;
}

/** Index just past the options field (first unquoted whitespace), or -1 when a quote is unclosed. */
function endOfOptions(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return i;
  }
  return quoted ? -1 : line.length;
}

function splitOptions(field: string): string[] {
  const options: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < field.length; i++) {
    const c = field[i]!;
    if (c === '\\' && quoted && i + 1 < field.length) {
      current += c + field[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ',' && !quoted) {
      options.push(current);
      current = '';
    } else current += c;
  }
  options.push(current);
  return options
    .filter((o) => o !== '')
    .slice(0, MAX_OPTIONS)
    .map((o) => truncateString(o, MAX_OPTION).text);
}

function parseKeyFields(rest: string): { type: string; blob: Buffer; comment: string } | null {
  const match = /^(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(rest);
  if (!match || !KEY_TYPE.test(match[1]!)) return null;
  const blob = decodeKeyBlob(match[1]!, match[2]!);
  if (!blob) return null;
  return { type: match[1]!, blob, comment: truncateString((match[3] ?? '').trim(), MAX_COMMENT).text };
}

/** One line → key, null for blank/comment lines, 'invalid' otherwise. */
export function parseAuthorizedKeyLine(rawLine: string): AuthorizedKey | null | 'invalid' {
  const line = rawLine.replace(/\r$/, '').trim();
  if (line === '' || line.startsWith('#')) return null;
  let options: string[] = [];
  let key = parseKeyFields(line);
  if (!key) {
    const end = endOfOptions(line);
    if (end <= 0 || end === line.length) return 'invalid';
    options = splitOptions(line.slice(0, end));
    key = parseKeyFields(line.slice(end).trim());
    if (!key) return 'invalid';
  }
  return { type: key.type, fingerprint: sshFingerprint(key.blob), comment: key.comment, options };
}

export function buildAuthorizedKeysModel(text: string, key: Buffer): AuthorizedKeysModel {
  const model: AuthorizedKeysModel = { kind: 'authorized_keys', keys: [], invalid: [] };
  for (const line of splitLines(text)) {
    const parsed = parseAuthorizedKeyLine(line);
    if (parsed === 'invalid') model.invalid.push(keyedDigest(key, line));
    else if (parsed !== null) model.keys.push(parsed);
  }
  return model;
}

export function emptyAuthorizedKeysModel(): AuthorizedKeysModel {
  return { kind: 'authorized_keys', keys: [], invalid: [] };
}

function groupByFingerprint(keys: readonly AuthorizedKey[]): Map<string, AuthorizedKey[]> {
  const map = new Map<string, AuthorizedKey[]>();
  for (const k of keys) {
    const list = map.get(k.fingerprint);
    if (list) list.push(k);
    else map.set(k.fingerprint, [k]);
  }
  return map;
}

function countMissing(a: readonly string[], b: readonly string[]): number {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  let missing = 0;
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else missing++;
  }
  return missing;
}

export function diffAuthorizedKeys(
  old: AuthorizedKeysModel,
  now: AuthorizedKeysModel,
  limits: DiffLimits = DEFAULT_DIFF_LIMITS,
): AuthorizedKeysDiff {
  const diff: AuthorizedKeysDiff = {
    kind: 'authorized_keys',
    added: [],
    removed: [],
    optionsChanged: [],
    invalidLines: { added: countMissing(now.invalid, old.invalid), removed: countMissing(old.invalid, now.invalid) },
    truncated: false,
  };
  const keep = <T>(list: T[], item: T) => {
    if (!pushBounded(list, item, limits.maxItems)) diff.truncated = true;
  };
  const oldByFp = groupByFingerprint(old.keys);
  const newByFp = groupByFingerprint(now.keys);
  for (const [fp, olds] of oldByFp) {
    const news = newByFp.get(fp) ?? [];
    olds.forEach((o, i) => {
      const n = news[i];
      if (!n) keep(diff.removed, o);
      else if (JSON.stringify(o.options) !== JSON.stringify(n.options)) {
        keep(diff.optionsChanged, { type: n.type, fingerprint: fp, comment: n.comment, oldOptions: o.options, newOptions: n.options });
      }
    });
  }
  for (const [fp, news] of newByFp) {
    news.slice(oldByFp.get(fp)?.length ?? 0).forEach((n) => keep(diff.added, n));
  }
  return diff;
}

function isAuthorizedKey(value: unknown): value is AuthorizedKey {
  const v = value as AuthorizedKey;
  return (
    typeof value === 'object' && value !== null && typeof v.type === 'string' && typeof v.fingerprint === 'string' &&
    typeof v.comment === 'string' && isStringArray(v.options)
  );
}

export function isAuthorizedKeysModel(value: unknown): value is AuthorizedKeysModel {
  const v = value as AuthorizedKeysModel;
  return (
    typeof value === 'object' && value !== null && v.kind === 'authorized_keys' &&
    Array.isArray(v.keys) && v.keys.every(isAuthorizedKey) && isStringArray(v.invalid)
  );
}
