/**
 * Line diff with bounded cost and bounded output.
 *
 * Myers' O((N+M)·D) algorithm after trimming the common prefix and suffix; when the edit
 * distance exceeds `maxEditDistance` it falls back to a multiset difference (which lines
 * disappeared / appeared, ignoring moves) and says so with `approximate`.
 */
import { truncateString } from './textContent.js';

export interface LineDiffLimits {
  /** At most this many lines are listed in each of `added` and `removed`. */
  maxLinesPerSide: number;
  /** Longer lines are cut (and `truncated` is set). */
  maxLineLength: number;
  /** Above this many inserted+deleted lines, use the multiset fallback. */
  maxEditDistance: number;
}

export const DEFAULT_LINE_DIFF_LIMITS: Readonly<LineDiffLimits> = Object.freeze({
  maxLinesPerSide: 100,
  maxLineLength: 512,
  maxEditDistance: 1000,
});

export interface LineDiff {
  added: string[];
  removed: string[];
  addedCount: number;
  removedCount: number;
  truncated: boolean;
  approximate?: true;
}

type Edit = { op: '+' | '-'; line: string };

/** Myers edit script, or null when more than `maxD` edits are needed. */
function myersEdits(a: readonly string[], b: readonly string[], maxD: number): Edit[] | null {
  const n = a.length;
  const m = b.length;
  const limit = Math.min(n + m, maxD);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, offset);
    }
  }
  return null;
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[], offset: number): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
    }
    if (x === prevX) edits.push({ op: '+', line: b[prevY]! });
    else edits.push({ op: '-', line: a[prevX]! });
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

function multisetEdits(a: readonly string[], b: readonly string[]): Edit[] {
  const remaining = new Map<string, number>();
  for (const line of b) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  const edits: Edit[] = [];
  for (const line of a) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) remaining.set(line, count - 1);
    else edits.push({ op: '-', line });
  }
  for (const line of b) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) {
      remaining.set(line, count - 1);
      edits.push({ op: '+', line });
    }
  }
  return edits;
}

export function diffLines(
  oldLines: readonly string[],
  newLines: readonly string[],
  limits: LineDiffLimits = DEFAULT_LINE_DIFF_LIMITS,
): LineDiff {
  let start = 0;
  while (start < oldLines.length && start < newLines.length && oldLines[start] === newLines[start]) start++;
  let endOld = oldLines.length;
  let endNew = newLines.length;
  while (endOld > start && endNew > start && oldLines[endOld - 1] === newLines[endNew - 1]) {
    endOld--;
    endNew--;
  }
  const a = oldLines.slice(start, endOld);
  const b = newLines.slice(start, endNew);

  let edits = myersEdits(a, b, limits.maxEditDistance);
  const approximate = edits === null;
  if (edits === null) edits = multisetEdits(a, b);

  const result: LineDiff = { added: [], removed: [], addedCount: 0, removedCount: 0, truncated: false };
  for (const edit of edits) {
    const list = edit.op === '+' ? result.added : result.removed;
    if (edit.op === '+') result.addedCount++;
    else result.removedCount++;
    if (list.length >= limits.maxLinesPerSide) {
      result.truncated = true;
      continue;
    }
    const cut = truncateString(edit.line, limits.maxLineLength);
    if (cut.truncated) result.truncated = true;
    list.push(cut.text);
  }
  if (approximate) result.approximate = true;
  return result;
}
