/** /etc/passwd: users added, removed, or which field changed. */
import {
  type ColonDiffBody,
  type ColonEntry,
  type ColonFormat,
  diffColonEntries,
  diffMalformed,
  emptyColonDiffBody,
  isColonEntry,
  parseColonText,
} from './colonFile.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits } from './limits.js';
import { isStringArray } from './validate.js';

export const PASSWD_FORMAT: ColonFormat = Object.freeze({
  keyLabel: 'user',
  fields: ['uid', 'gid', 'gecos', 'home', 'shell'],
  setFields: [],
});

export interface PasswdModel {
  kind: 'passwd';
  entries: ColonEntry[];
  malformed: string[];
}

export type PasswdDiff = { kind: 'passwd' } & ColonDiffBody;

export function buildPasswdModel(text: string, key: Buffer): PasswdModel {
  const parsed = parseColonText(text, [PASSWD_FORMAT], key);
  return { kind: 'passwd', entries: parsed.entries.map((e) => e.entry), malformed: parsed.malformed };
}

export function emptyPasswdModel(): PasswdModel {
  return { kind: 'passwd', entries: [], malformed: [] };
}

export function diffPasswd(old: PasswdModel, now: PasswdModel, limits: DiffLimits = DEFAULT_DIFF_LIMITS): PasswdDiff {
  const body = emptyColonDiffBody();
  diffColonEntries(old.entries, now.entries, PASSWD_FORMAT, body, limits);
  diffMalformed(old.malformed, now.malformed, body);
  return { kind: 'passwd', ...body };
}

export function isPasswdModel(value: unknown): value is PasswdModel {
  const v = value as PasswdModel;
  return (
    typeof value === 'object' && value !== null && v.kind === 'passwd' && Array.isArray(v.entries) &&
    v.entries.every((e) => isColonEntry(e, PASSWD_FORMAT)) && isStringArray(v.malformed)
  );
}
