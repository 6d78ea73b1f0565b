/**
 * Files the policy marks secret: nothing of the content is stored or reported except the
 * line count. A keyed digest of the content (not a plain SHA-256, which would allow
 * guessing short secrets offline) still detects same-length edits.
 */
export interface SecretModel {
  kind: 'secret';
  lineCount: number;
  digest: string;
}

export interface SecretDiff {
  kind: 'secret';
  oldLines: number | null;
  newLines: number | null;
}

/** Line count as `wc -l` would give, plus one for a last line without newline. */
export function countLines(newlineCount: number, size: number, endsWithNewline: boolean): number {
  return size === 0 ? 0 : newlineCount + (endsWithNewline ? 0 : 1);
}

export function diffSecret(old: SecretModel | null, now: SecretModel | null): SecretDiff {
  return { kind: 'secret', oldLines: old?.lineCount ?? null, newLines: now?.lineCount ?? null };
}

export function isSecretModel(value: unknown): value is SecretModel {
  const v = value as SecretModel;
  return (
    typeof value === 'object' && value !== null && v.kind === 'secret' &&
    Number.isSafeInteger(v.lineCount) && v.lineCount >= 0 && typeof v.digest === 'string'
  );
}
