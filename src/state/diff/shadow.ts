/**
 * /etc/shadow and /etc/gshadow. Reports whose password changed (or was locked, unlocked,
 * emptied) and which aging/membership fields changed. No part of a hash is ever kept:
 * the model holds, per user, only the password state and an HMAC (see colonFile.ts).
 * Lines are recognised by field count: 9 fields = shadow, 4 fields = gshadow.
 */
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

export const SHADOW_FORMAT: ColonFormat = Object.freeze({
  keyLabel: 'user',
  fields: ['lastchg', 'min', 'max', 'warn', 'inactive', 'expire', 'reserved'],
  setFields: [],
});

export const GSHADOW_FORMAT: ColonFormat = Object.freeze({
  keyLabel: 'group',
  fields: ['admins', 'members'],
  setFields: ['admins', 'members'],
});

export interface ShadowModel {
  kind: 'shadow';
  users: ColonEntry[];
  groups: ColonEntry[];
  malformed: string[];
}

export type ShadowDiff = { kind: 'shadow' } & ColonDiffBody;

export function buildShadowModel(text: string, key: Buffer): ShadowModel {
  const parsed = parseColonText(text, [SHADOW_FORMAT, GSHADOW_FORMAT], key);
  return {
    kind: 'shadow',
    users: parsed.entries.filter((e) => e.format === 0).map((e) => e.entry),
    groups: parsed.entries.filter((e) => e.format === 1).map((e) => e.entry),
    malformed: parsed.malformed,
  };
}

export function emptyShadowModel(): ShadowModel {
  return { kind: 'shadow', users: [], groups: [], malformed: [] };
}

export function diffShadow(old: ShadowModel, now: ShadowModel, limits: DiffLimits = DEFAULT_DIFF_LIMITS): ShadowDiff {
  const body = emptyColonDiffBody();
  diffColonEntries(old.users, now.users, SHADOW_FORMAT, body, limits);
  diffColonEntries(old.groups, now.groups, GSHADOW_FORMAT, body, limits);
  diffMalformed(old.malformed, now.malformed, body);
  return { kind: 'shadow', ...body };
}

export function isShadowModel(value: unknown): value is ShadowModel {
  const v = value as ShadowModel;
  return (
    typeof value === 'object' && value !== null && v.kind === 'shadow' &&
    Array.isArray(v.users) && v.users.every((e) => isColonEntry(e, SHADOW_FORMAT)) &&
    Array.isArray(v.groups) && v.groups.every((e) => isColonEntry(e, GSHADOW_FORMAT)) &&
    isStringArray(v.malformed)
  );
}
