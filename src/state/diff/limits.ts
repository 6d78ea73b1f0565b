/** Output bounds shared by all diff kinds, so a change record stays small whatever the file holds. */
import { DEFAULT_LINE_DIFF_LIMITS, type LineDiffLimits } from './lineDiff.js';

export interface DiffLimits extends LineDiffLimits {
  /** At most this many entries in each list of a structured diff (users, keys, …). */
  maxItems: number;
}

export const DEFAULT_DIFF_LIMITS: Readonly<DiffLimits> = Object.freeze({ ...DEFAULT_LINE_DIFF_LIMITS, maxItems: 200 });

/** Appends while under the bound; returns false (and drops the item) once the list is full. */
export function pushBounded<T>(list: T[], item: T, max: number): boolean {
  if (list.length >= max) return false;
  list.push(item);
  return true;
}
