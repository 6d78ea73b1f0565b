/**
 * Building a baseline: expand the policy's patterns, walk directories (bounded), and snapshot
 * every regular file and symlink. Directories themselves are not recorded.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { type FileSnapshot, type SnapshotOptions, snapshotPath } from './fileSnapshot.js';
import { normalizePattern } from './pathMatch.js';

/** The one directory-listing call expansion needs (node:fs satisfies it). */
export interface DirectoryReader {
  readdirSync(path: string): string[];
}

const MAX_EXPANDED_PATHS = 100_000;

/**
 * Patterns → concrete paths. A `*` component is replaced by each entry of the directory
 * before it (except "." and ".."); unreadable or missing directories expand to nothing.
 * Paths without `*` are returned even when they do not exist yet, so their creation is seen.
 */
export function expandBaselinePaths(patterns: readonly string[], fs: DirectoryReader): string[] {
  const out = new Set<string>();
  const expand = (pattern: string): void => {
    if (out.size >= MAX_EXPANDED_PATHS) return;
    const components = pattern.split('/');
    const star = components.indexOf('*');
    if (star === -1) {
      out.add(pattern);
      return;
    }
    const dir = components.slice(0, star).join('/') || '/';
    const rest = components.slice(star + 1);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of [...names].sort()) {
      if (name === '.' || name === '..' || name.includes('/')) continue;
      expand([join(dir, name), ...rest].join('/'));
    }
  };
  for (const pattern of patterns) expand(normalizePattern(pattern));
  return [...out].sort();
}

export interface ScanOptions extends SnapshotOptions {
  /** Directory levels below a baseline directory that are still walked. */
  maxDepth?: number;
  /** Files taken from one baseline directory at most (the rest is skipped, see `truncatedRoots`). */
  maxFilesPerRoot?: number;
  /** Called after each file with (files done, total files). */
  onProgress?: (done: number, total: number) => void;
}

export interface ScanResult {
  snapshots: FileSnapshot[];
  /** Baseline directories that had more files (or depth) than the bounds allowed. */
  truncatedRoots: string[];
  errors: { path: string; message: string }[];
}

export const DEFAULT_MAX_DEPTH = 8;
export const DEFAULT_MAX_FILES_PER_ROOT = 20_000;

function errorMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? (e.message || String(error));
}

/** Non-directory paths under `root` (or `root` itself), depth-first in name order, bounded. */
async function listFiles(
  root: string,
  maxDepth: number,
  maxFiles: number,
  errors: ScanResult['errors'],
): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  let truncated = false;
  let rootStat;
  try {
    rootStat = await fsp.lstat(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') errors.push({ path: root, message: errorMessage(error) });
    return { files, truncated };
  }
  if (!rootStat.isDirectory()) return { files: [root], truncated };

  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (error) {
      errors.push({ path: dir, message: errorMessage(error) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (files.length >= maxFiles) {
        truncated = true;
        return;
      }
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth) await walk(path, depth + 1);
        else truncated = true;
      } else files.push(path);
    }
  };
  await walk(root, 1);
  return { files, truncated };
}

/** Snapshots everything the (already expanded) baseline paths cover. */
export async function scanBaseline(paths: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxFiles = options.maxFilesPerRoot ?? DEFAULT_MAX_FILES_PER_ROOT;
  const result: ScanResult = { snapshots: [], truncatedRoots: [], errors: [] };
  const all = new Set<string>();
  for (const root of paths) {
    const listed = await listFiles(root, maxDepth, maxFiles, result.errors);
    if (listed.truncated) result.truncatedRoots.push(root);
    for (const file of listed.files) all.add(file);
  }
  const total = all.size;
  let done = 0;
  for (const path of all) {
    try {
      const snapshot = await snapshotPath(path, options);
      if (snapshot) result.snapshots.push(snapshot);
    } catch (error) {
      result.errors.push({ path, message: errorMessage(error) });
    }
    done++;
    options.onProgress?.(done, total);
  }
  return result;
}
