/**
 * Shared parsing and diffing for the colon-separated account files (passwd, group, shadow,
 * gshadow). The second field of all four may hold a password hash, so it is never stored:
 * only its state (empty / set / locked / …) and a keyed digest, enough to tell that it changed.
 */
import { keyedDigest } from './keyedDigest.js';
import { pushBounded } from './limits.js';
import { splitLines, truncateString } from './textContent.js';
import { isRecord, isStringArray } from './validate.js';

export type PasswordState = 'empty' | 'set' | 'locked' | 'disabled' | 'shadowed';
const PASSWORD_STATES: readonly string[] = ['empty', 'set', 'locked', 'disabled', 'shadowed'];

export interface PasswordSummary {
  state: PasswordState;
  /** HMAC of the field without its leading "!" lock markers, so lock/unlock keeps the digest. */
  digest: string;
}

export interface ColonFormat {
  /** Label used in diff output for the first field: "user" or "group". */
  keyLabel: 'user' | 'group';
  /** Names of the fields after name and password, in file order. */
  fields: readonly string[];
  /** Fields holding comma-separated lists, compared as sets. */
  setFields: readonly string[];
}

export interface ColonEntry {
  name: string;
  password: PasswordSummary;
  values: Record<string, string | string[]>;
}

export interface ParsedColonFile {
  entries: ColonEntry[];
  /** Keyed digests of lines that do not fit the format (they might hold anything, even a hash). */
  malformed: string[];
}

export type ColonChange =
  | { field: 'password'; change: 'changed' | 'locked' | 'unlocked' | 'emptied' | 'state_changed'; old: PasswordState; new: PasswordState }
  | { field: string; old: string; new: string }
  | { field: string; added: string[]; removed: string[] };

/** Diff body; entries are keyed by `user` or `group` depending on the format. */
export interface ColonDiffBody {
  added: Record<string, unknown>[];
  removed: Record<string, unknown>[];
  changed: Record<string, unknown>[];
  malformedLines: { added: number; removed: number };
  truncated: boolean;
}

export function classifyPassword(field: string): PasswordState {
  if (field === '') return 'empty';
  if (field.startsWith('!')) return 'locked';
  if (field === 'x') return 'shadowed';
  // "*" and other strings that can never be crypt() output disable password login.
  if (field === '*' || field.startsWith('*') || field.length < 13) return 'disabled';
  return 'set';
}

export function summarizePassword(field: string, key: Buffer): PasswordSummary {
  return { state: classifyPassword(field), digest: keyedDigest(key, field.replace(/^!+/, '')) };
}

function parseSet(field: string): string[] {
  return [...new Set(field.split(',').filter((m) => m !== ''))].sort();
}

/** An entry when the line has exactly 2 + format.fields.length fields and a name, else null. */
export function parseColonLine(line: string, format: ColonFormat, key: Buffer): ColonEntry | null {
  const parts = line.split(':');
  if (parts.length !== 2 + format.fields.length || parts[0] === '') return null;
  const values: Record<string, string | string[]> = {};
  format.fields.forEach((name, i) => {
    const raw = parts[i + 2]!;
    values[name] = format.setFields.includes(name) ? parseSet(raw) : raw;
  });
  return { name: parts[0]!, password: summarizePassword(parts[1]!, key), values };
}

/** Every non-empty line becomes an entry of the first format that fits it, or a malformed digest. */
export function parseColonText(
  text: string,
  formats: readonly ColonFormat[],
  key: Buffer,
): { entries: { entry: ColonEntry; format: number }[]; malformed: string[] } {
  const entries: { entry: ColonEntry; format: number }[] = [];
  const malformed: string[] = [];
  for (const rawLine of splitLines(text)) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    let parsed = false;
    for (let f = 0; f < formats.length && !parsed; f++) {
      const entry = parseColonLine(line, formats[f]!, key);
      if (entry !== null) {
        entries.push({ entry, format: f });
        parsed = true;
      }
    }
    if (!parsed) malformed.push(keyedDigest(key, line));
  }
  return { entries, malformed };
}

function groupByName(entries: readonly ColonEntry[]): Map<string, ColonEntry[]> {
  const byName = new Map<string, ColonEntry[]>();
  for (const entry of entries) {
    const list = byName.get(entry.name);
    if (list) list.push(entry);
    else byName.set(entry.name, [entry]);
  }
  return byName;
}

function printable(value: string, maxLength: number): string {
  return truncateString(value, maxLength).text;
}

/** A whole entry for "added"/"removed" output: every field except the password, which shows its state. */
export function describeEntry(entry: ColonEntry, format: ColonFormat, maxLength: number): Record<string, unknown> {
  const out: Record<string, unknown> = { [format.keyLabel]: printable(entry.name, maxLength), password: entry.password.state };
  for (const field of format.fields) {
    const value = entry.values[field];
    out[field] = Array.isArray(value) ? value.map((v) => printable(v, maxLength)) : printable(value ?? '', maxLength);
  }
  return out;
}

function passwordChange(old: PasswordSummary, now: PasswordSummary): ColonChange | null {
  if (old.digest === now.digest && old.state === now.state) return null;
  let change: 'changed' | 'locked' | 'unlocked' | 'emptied' | 'state_changed';
  if (now.state === 'empty' && old.state !== 'empty') change = 'emptied';
  else if (old.digest !== now.digest) change = 'changed';
  else if (now.state === 'locked') change = 'locked';
  else if (old.state === 'locked') change = 'unlocked';
  else change = 'state_changed';
  return { field: 'password', change, old: old.state, new: now.state };
}

function fieldChanges(old: ColonEntry, now: ColonEntry, format: ColonFormat, maxLength: number): ColonChange[] {
  const changes: ColonChange[] = [];
  const pw = passwordChange(old.password, now.password);
  if (pw) changes.push(pw);
  for (const field of format.fields) {
    const a = old.values[field];
    const b = now.values[field];
    if (format.setFields.includes(field)) {
      const oldSet = new Set(Array.isArray(a) ? a : []);
      const newSet = new Set(Array.isArray(b) ? b : []);
      const added = [...newSet].filter((m) => !oldSet.has(m)).map((m) => printable(m, maxLength));
      const removed = [...oldSet].filter((m) => !newSet.has(m)).map((m) => printable(m, maxLength));
      if (added.length > 0 || removed.length > 0) changes.push({ field, added, removed });
    } else {
      const oldValue = typeof a === 'string' ? a : '';
      const newValue = typeof b === 'string' ? b : '';
      if (oldValue !== newValue) {
        changes.push({ field, old: printable(oldValue, maxLength), new: printable(newValue, maxLength) });
      }
    }
  }
  return changes;
}

function countMultisetDifference(a: readonly string[], b: readonly string[]): number {
  const remaining = new Map<string, number>();
  for (const x of b) remaining.set(x, (remaining.get(x) ?? 0) + 1);
  let missing = 0;
  for (const x of a) {
    const n = remaining.get(x) ?? 0;
    if (n > 0) remaining.set(x, n - 1);
    else missing++;
  }
  return missing;
}

/** Adds the differences between two entry lists of one format to `body` (entries matched by name). */
export function diffColonEntries(
  oldEntries: readonly ColonEntry[],
  newEntries: readonly ColonEntry[],
  format: ColonFormat,
  body: ColonDiffBody,
  limits: { maxItems: number; maxLineLength: number },
): void {
  const oldByName = groupByName(oldEntries);
  const newByName = groupByName(newEntries);
  const keep = (list: Record<string, unknown>[], item: Record<string, unknown>) => {
    if (!pushBounded(list, item, limits.maxItems)) body.truncated = true;
  };
  for (const [name, olds] of oldByName) {
    const news = newByName.get(name) ?? [];
    olds.forEach((old, i) => {
      const now = news[i];
      if (now === undefined) {
        keep(body.removed, describeEntry(old, format, limits.maxLineLength));
        return;
      }
      for (const change of fieldChanges(old, now, format, limits.maxLineLength)) {
        keep(body.changed, { [format.keyLabel]: printable(name, limits.maxLineLength), ...change });
      }
    });
  }
  for (const [name, news] of newByName) {
    const olds = oldByName.get(name) ?? [];
    news.slice(olds.length).forEach((now) => keep(body.added, describeEntry(now, format, limits.maxLineLength)));
  }
}

export function emptyColonDiffBody(): ColonDiffBody {
  return { added: [], removed: [], changed: [], malformedLines: { added: 0, removed: 0 }, truncated: false };
}

export function diffMalformed(oldDigests: readonly string[], newDigests: readonly string[], body: ColonDiffBody): void {
  body.malformedLines = {
    added: countMultisetDifference(newDigests, oldDigests),
    removed: countMultisetDifference(oldDigests, newDigests),
  };
}

// ---- validation of stored models (the database is untrusted input) ----

export function isColonEntry(value: unknown, format: ColonFormat): value is ColonEntry {
  if (!isRecord(value) || typeof value.name !== 'string') return false;
  const pw = value.password;
  if (!isRecord(pw) || typeof pw.digest !== 'string' || !PASSWORD_STATES.includes(pw.state as string)) return false;
  const values = value.values;
  if (!isRecord(values)) return false;
  return format.fields.every((field) =>
    format.setFields.includes(field) ? isStringArray(values[field]) : typeof values[field] === 'string',
  );
}
