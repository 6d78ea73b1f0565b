/** Any other text file up to the configured size: the lines added and removed. */
import { isStringArray } from './validate.js';
import { type LineDiff, diffLines } from './lineDiff.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits } from './limits.js';
import { splitLines } from './textContent.js';

export interface TextModel {
  kind: 'text';
  lines: string[];
}

export type TextDiff = { kind: 'text' } & LineDiff;

export function buildTextModel(text: string): TextModel {
  return { kind: 'text', lines: splitLines(text) };
}

export function emptyTextModel(): TextModel {
  return { kind: 'text', lines: [] };
}

export function diffText(old: TextModel, now: TextModel, limits: DiffLimits = DEFAULT_DIFF_LIMITS): TextDiff {
  return { kind: 'text', ...diffLines(old.lines, now.lines, limits) };
}

export function isTextModel(value: unknown): value is TextModel {
  const v = value as TextModel;
  return typeof value === 'object' && value !== null && v.kind === 'text' && isStringArray(v.lines);
}
