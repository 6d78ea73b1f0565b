/** /etc/group: groups added, removed, or which field changed; member lists compared as sets. */
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

export const GROUP_FORMAT: ColonFormat = Object.freeze({
  keyLabel: 'group',
  fields: ['gid', 'members'],
  setFields: ['members'],
});

export interface GroupModel {
  kind: 'group';
  entries: ColonEntry[];
  malformed: string[];
}

export type GroupDiff = { kind: 'group' } & ColonDiffBody;

export function buildGroupModel(text: string, key: Buffer): GroupModel {
  const parsed = parseColonText(text, [GROUP_FORMAT], key);
  return { kind: 'group', entries: parsed.entries.map((e) => e.entry), malformed: parsed.malformed };
}

export function emptyGroupModel(): GroupModel {
  return { kind: 'group', entries: [], malformed: [] };
}

export function diffGroup(old: GroupModel, now: GroupModel, limits: DiffLimits = DEFAULT_DIFF_LIMITS): GroupDiff {
  const body = emptyColonDiffBody();
  diffColonEntries(old.entries, now.entries, GROUP_FORMAT, body, limits);
  diffMalformed(old.malformed, now.malformed, body);
  return { kind: 'group', ...body };
}

export function isGroupModel(value: unknown): value is GroupModel {
  const v = value as GroupModel;
  return (
    typeof value === 'object' && value !== null && v.kind === 'group' && Array.isArray(v.entries) &&
    v.entries.every((e) => isColonEntry(e, GROUP_FORMAT)) && isStringArray(v.malformed)
  );
}
