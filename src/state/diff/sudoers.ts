/**
 * sudoers and /etc/sudoers.d/*: significant lines added/removed. Comment and blank lines are
 * ignored; "#include"/"#includedir" and "#<uid>" user specs are not comments (sudoers(5)).
 * Order matters in sudoers (the last match wins), so this is an ordered line diff.
 */
import { type LineDiff, diffLines } from './lineDiff.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits } from './limits.js';
import { isStringArray } from './validate.js';
import { splitLines } from './textContent.js';

export interface SudoersModel {
  kind: 'sudoers';
  lines: string[];
}

export type SudoersDiff = { kind: 'sudoers' } & LineDiff;

function isComment(line: string): boolean {
  return line.startsWith('#') && !/^#include(dir)?\s/.test(line) && !/^#\d/.test(line);
}

/** Significant lines: continuations ("\" at end of line) joined, whitespace collapsed, comments dropped. */
export function significantSudoersLines(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of splitLines(text)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const joined = (pending + line).replace(/\s+/g, ' ').trim();
    pending = '';
    if (joined !== '' && !isComment(joined)) out.push(joined);
  }
  const rest = pending.replace(/\s+/g, ' ').trim();
  if (rest !== '' && !isComment(rest)) out.push(rest);
  return out;
}

export function buildSudoersModel(text: string): SudoersModel {
  return { kind: 'sudoers', lines: significantSudoersLines(text) };
}

export function emptySudoersModel(): SudoersModel {
  return { kind: 'sudoers', lines: [] };
}

export function diffSudoers(old: SudoersModel, now: SudoersModel, limits: DiffLimits = DEFAULT_DIFF_LIMITS): SudoersDiff {
  return { kind: 'sudoers', ...diffLines(old.lines, now.lines, limits) };
}

export function isSudoersModel(value: unknown): value is SudoersModel {
  const v = value as SudoersModel;
  return typeof value === 'object' && value !== null && v.kind === 'sudoers' && isStringArray(v.lines);
}
