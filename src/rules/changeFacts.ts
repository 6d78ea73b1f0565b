/**
 * Facts rules read off change records and actors: added lines from the structured diffs,
 * permission bits, who wrote it. Never the formatted output.
 */
import type { Actor, ChangeRecord, FileState } from '../state/changeRecord.js';
import { isCoveredByPattern, normalizePattern } from '../state/pathMatch.js';
import type { ProcessFacts } from './types.js';

/** Permission bits of a FileState ("4755" → 0o4755), or null when absent or malformed. */
export function modeBits(state: FileState | null | undefined): number | null {
  if (!state || !/^[0-7]{1,6}$/.test(state.mode)) return null;
  return parseInt(state.mode, 8) & 0o7777;
}

/** What a change added to a file, as far as its diff tells. */
export type Addition =
  | { kind: 'lines'; lines: string[]; count: number; truncated: boolean }
  | { kind: 'symlink'; target: string }
  /** New content that is not diffed (binary, too large, secret, unparsed). */
  | { kind: 'opaque'; reason: string };

function isComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/**
 * The significant lines (not blank, not `#` comments) the change added, or the new symlink
 * target, or that content came which is not diffed. Null when nothing was added: a deletion,
 * a change that only removed lines, metadata only.
 */
export function additionOf(record: ChangeRecord): Addition | null {
  if (record.action === 'deleted' || record.new === null || record.content_changed === false) return null;
  const diff = record.diff;
  switch (diff.kind) {
    case 'text':
    case 'sudoers': {
      const lines = diff.added.filter((line) => !isComment(line));
      // Lines cut off by the diff bounds are counted but unknown: assume they matter.
      const hidden = diff.addedCount - diff.added.length;
      if (lines.length === 0 && hidden === 0) return null;
      return { kind: 'lines', lines, count: lines.length + hidden, truncated: diff.truncated || hidden > 0 };
    }
    case 'symlink':
      return diff.newTarget === null || diff.newTarget === diff.oldTarget ? null : { kind: 'symlink', target: diff.newTarget };
    case 'hash':
      return { kind: 'opaque', reason: diff.reason };
    case 'secret':
      return { kind: 'opaque', reason: 'secret' };
    case 'special':
      return { kind: 'opaque', reason: 'special file' };
    default:
      // passwd, group, shadow, authorized_keys under a path a config rule watches: not lines.
      return { kind: 'opaque', reason: diff.kind };
  }
}

const MAX_QUOTED = 200;

/** A string for a message: JSON-quoted (so control characters stay visible) and cut. */
export function quote(text: string, max = MAX_QUOTED): string {
  return JSON.stringify(text.length > max ? text.slice(0, max) + '…' : text);
}

/** "+\"line\"; +\"line\" (and 3 more)" for the first few added lines. */
export function describeAddition(addition: Addition, shown = 3): string {
  switch (addition.kind) {
    case 'lines': {
      const head = addition.lines.slice(0, shown).map((line) => quote(line.trim()));
      const more = addition.count - head.length;
      return head.join('; ') + (more > 0 ? ` (and ${more} more line${more === 1 ? '' : 's'})` : '');
    }
    case 'symlink':
      return `symlink to ${quote(addition.target)}`;
    case 'opaque':
      return `new content (${addition.reason}, not diffed)`;
  }
}

export function additionDetails(addition: Addition): Record<string, unknown> {
  switch (addition.kind) {
    case 'lines':
      return { added_lines: addition.lines.slice(0, 20), added_count: addition.count };
    case 'symlink':
      return { symlink_target: addition.target };
    case 'opaque':
      return { content: addition.reason };
  }
}

/** "bash (pid 7, uid 0)", or who could not be known. */
export function describeActor(by: Actor | ProcessFacts | null, offline = false): string {
  if (by === null) return offline ? 'while the agent was not running' : 'by an unknown process';
  return `by ${quote(by.comm, 32)} (pid ${by.pid}, uid ${by.uid})`;
}

export function isPackageManager(by: Actor | ProcessFacts | null | undefined): boolean {
  return typeof by?.package_manager === 'string' && by.package_manager !== '';
}

/** Strictly below one of the directory patterns (a `*` component matches one name). */
export function isBelowAny(path: string, directories: readonly string[]): boolean {
  const depth = path.split('/').length;
  return directories.some((dir) => depth > normalizePattern(dir).split('/').length && isCoveredByPattern(path, dir));
}

/** Exactly one of the patterns (a `*` component matches one name). */
export function isOneOf(path: string, patterns: readonly string[]): boolean {
  const depth = path.split('/').length;
  return patterns.some((p) => depth === normalizePattern(p).split('/').length && isCoveredByPattern(path, p));
}

/** Patterns of every given file name in root's and every /home user's home. */
export function inHomes(names: readonly string[]): string[] {
  return ['/root', '/home/*'].flatMap((home) => names.map((name) => `${home}/${name}`));
}

/** RFC 3339 → epoch ms, null when absent or unparsable. */
export function timeMs(value: string | null | undefined): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
