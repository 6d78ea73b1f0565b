/**
 * What the baseline keeps of a file's content (a per-kind model, never more than its diff
 * needs), and the dispatch from two models to a diff.
 */
import { type AuthorizedKeysDiff, type AuthorizedKeysModel, buildAuthorizedKeysModel, diffAuthorizedKeys, emptyAuthorizedKeysModel, isAuthorizedKeysModel } from './authorizedKeys.js';
import type { DiffKind } from './chooseDiffKind.js';
import { type GroupDiff, type GroupModel, buildGroupModel, diffGroup, emptyGroupModel, isGroupModel } from './group.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits } from './limits.js';
import { type PasswdDiff, type PasswdModel, buildPasswdModel, diffPasswd, emptyPasswdModel, isPasswdModel } from './passwd.js';
import { type SecretDiff, type SecretModel, diffSecret, isSecretModel } from './secret.js';
import { type ShadowDiff, type ShadowModel, buildShadowModel, diffShadow, emptyShadowModel, isShadowModel } from './shadow.js';
import { type SudoersDiff, type SudoersModel, buildSudoersModel, diffSudoers, emptySudoersModel, isSudoersModel } from './sudoers.js';
import { type TextDiff, type TextModel, buildTextModel, diffText, emptyTextModel, isTextModel } from './text.js';
import { decodeText } from './textContent.js';

/** Content tracked by hash only: not text, larger than the limit, or unreadable. */
export interface HashOnlyModel {
  kind: 'binary' | 'too_large';
}
export interface SymlinkModel {
  kind: 'symlink';
  target: string;
}
/** FIFOs, sockets, devices: nothing to read. */
export interface SpecialModel {
  kind: 'special';
}
/** A stored model that failed validation (the database is treated as untrusted). */
export interface UnknownModel {
  kind: 'unknown';
}

export type ContentModel =
  | PasswdModel
  | GroupModel
  | ShadowModel
  | SudoersModel
  | AuthorizedKeysModel
  | SecretModel
  | TextModel
  | HashOnlyModel
  | SymlinkModel
  | SpecialModel
  | UnknownModel;

export type ContentKind = ContentModel['kind'];

export interface HashOnlyDiff {
  kind: 'hash';
  /** Why no content diff: the new content is binary/too large, or the kind changed, or the baseline was unusable. */
  reason: 'binary' | 'too_large' | 'kind_changed' | 'unknown_baseline';
  oldKind?: ContentKind;
  newKind?: ContentKind;
}
export interface SymlinkDiff {
  kind: 'symlink';
  oldTarget: string | null;
  newTarget: string | null;
}
export interface NoContentDiff {
  kind: 'special';
}

export type ContentDiff =
  | PasswdDiff
  | GroupDiff
  | ShadowDiff
  | SudoersDiff
  | AuthorizedKeysDiff
  | SecretDiff
  | TextDiff
  | HashOnlyDiff
  | SymlinkDiff
  | NoContentDiff;

/** Largest file parsed as passwd/group/shadow/sudoers/authorized_keys (bigger ones: hash only). */
export const STRUCTURED_MAX_BYTES = 4 * 1024 * 1024;

/** How many bytes of a file of this kind must be kept in memory to build its model. */
export function bytesNeededFor(kind: DiffKind, textMaxBytes: number): number {
  if (kind === 'secret') return 0;
  if (kind === 'text') return textMaxBytes;
  return STRUCTURED_MAX_BYTES;
}

/**
 * Model for a non-secret regular file. `bytes` is null when the file was larger than
 * `bytesNeededFor` (or seen to be binary while reading). Secret files are modelled by the
 * reader itself (see fileSnapshot.ts), which never keeps their bytes.
 */
export function buildContentModel(kind: Exclude<DiffKind, 'secret'>, bytes: Buffer | null, hmacKey: Buffer): ContentModel {
  if (bytes === null) return { kind: 'too_large' };
  const text = decodeText(bytes);
  if (text === null) return { kind: 'binary' };
  switch (kind) {
    case 'passwd':
      return buildPasswdModel(text, hmacKey);
    case 'group':
      return buildGroupModel(text, hmacKey);
    case 'shadow':
      return buildShadowModel(text, hmacKey);
    case 'sudoers':
      return buildSudoersModel(text);
    case 'authorized_keys':
      return buildAuthorizedKeysModel(text, hmacKey);
    case 'text':
      return buildTextModel(text);
  }
}

/** Stored JSON → model; anything that does not validate becomes `unknown` (diff: hash only). */
export function parseStoredModel(json: string): ContentModel {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { kind: 'unknown' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'unknown' };
  const kind = (value as { kind?: unknown }).kind;
  const valid =
    (kind === 'binary' || kind === 'too_large' || kind === 'special') ||
    (kind === 'symlink' && typeof (value as SymlinkModel).target === 'string') ||
    isPasswdModel(value) || isGroupModel(value) || isShadowModel(value) || isSudoersModel(value) ||
    isAuthorizedKeysModel(value) || isSecretModel(value) || isTextModel(value);
  return valid ? (value as ContentModel) : { kind: 'unknown' };
}

/**
 * Diff between the baseline model and the current one. A missing side (file created or
 * deleted) counts as empty content of the other side's kind, so a new passwd file lists its
 * users as added.
 */
export function diffContent(
  old: ContentModel | null,
  now: ContentModel | null,
  limits: DiffLimits = DEFAULT_DIFF_LIMITS,
): ContentDiff {
  const present = old ?? now;
  if (present === null) return { kind: 'special' };
  if (old !== null && now !== null && old.kind !== now.kind) {
    let reason: HashOnlyDiff['reason'] = 'kind_changed';
    if (old.kind === 'unknown') reason = 'unknown_baseline';
    else if (now.kind === 'binary' || now.kind === 'too_large') reason = now.kind;
    return { kind: 'hash', reason, oldKind: old.kind, newKind: now.kind };
  }
  switch (present.kind) {
    case 'passwd':
      return diffPasswd((old as PasswdModel | null) ?? emptyPasswdModel(), (now as PasswdModel | null) ?? emptyPasswdModel(), limits);
    case 'group':
      return diffGroup((old as GroupModel | null) ?? emptyGroupModel(), (now as GroupModel | null) ?? emptyGroupModel(), limits);
    case 'shadow':
      return diffShadow((old as ShadowModel | null) ?? emptyShadowModel(), (now as ShadowModel | null) ?? emptyShadowModel(), limits);
    case 'sudoers':
      return diffSudoers((old as SudoersModel | null) ?? emptySudoersModel(), (now as SudoersModel | null) ?? emptySudoersModel(), limits);
    case 'authorized_keys':
      return diffAuthorizedKeys(
        (old as AuthorizedKeysModel | null) ?? emptyAuthorizedKeysModel(),
        (now as AuthorizedKeysModel | null) ?? emptyAuthorizedKeysModel(),
        limits,
      );
    case 'text':
      return diffText((old as TextModel | null) ?? emptyTextModel(), (now as TextModel | null) ?? emptyTextModel(), limits);
    case 'secret':
      return diffSecret(old as SecretModel | null, now as SecretModel | null);
    case 'symlink':
      return { kind: 'symlink', oldTarget: (old as SymlinkModel | null)?.target ?? null, newTarget: (now as SymlinkModel | null)?.target ?? null };
    case 'binary':
    case 'too_large':
      return { kind: 'hash', reason: present.kind };
    case 'unknown':
      return { kind: 'hash', reason: 'unknown_baseline' };
    case 'special':
      return { kind: 'special' };
  }
}
