/** Digest of the running node executable, for the `ready` line. */
import { readlink } from 'node:fs/promises';
import { sha256File } from './fileDigest.js';

export interface ExecutableRecord {
  /** Where the executable lives (may end in " (deleted)" if it was replaced since start). */
  path: string;
  sha256: string;
}

export interface RecordExecutableOptions {
  /** Defaults to /proc/self/exe. */
  exeLink?: string;
  hashFile?: (absPath: string) => Promise<string>;
  readLink?: (linkPath: string) => Promise<string>;
  /** Used as the path when the link cannot be read; defaults to process.execPath. */
  fallbackPath?: string;
}

/**
 * Hashes through /proc/self/exe rather than the path: the link reaches the image this process
 * actually runs, even if the file at that path was replaced or deleted after start.
 */
export async function recordExecutable(options: RecordExecutableOptions = {}): Promise<ExecutableRecord> {
  const exeLink = options.exeLink ?? '/proc/self/exe';
  const hashFile = options.hashFile ?? sha256File;
  const readLink = options.readLink ?? ((p: string) => readlink(p));
  const sha256 = await hashFile(exeLink);
  const exePath = await readLink(exeLink).catch(() => options.fallbackPath ?? process.execPath);
  return { path: exePath, sha256 };
}
