/**
 * The build-time manifest of everything lsmwatch runs: its own files (compiled JS, launcher, native
 * addon, BPF objects, package.json), the runtime node_modules it may load, relative to the install
 * root, and (version 2) the node executable it was built for, by absolute path: their SHA-256 and
 * size, so the agent can notice any of its code changing.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { digestFile, isSha256Hex, type FileDigest } from './fileDigest.js';

export const MANIFEST_VERSION = 2;

export interface ManifestEntry {
  sha256: string;
  size: number;
}

export interface ExecutableEntry extends ManifestEntry {
  /** Absolute, normalized path of the node executable the build recorded. */
  path: string;
}

export interface Manifest {
  /** 1: files only; 2: may also record the node executable */
  version: 1 | 2;
  /** RFC 3339 time the manifest was created. */
  created: string;
  /** Keyed by a relative, '/'-separated path below the root. */
  files: Record<string, ManifestEntry>;
  executable?: ExecutableEntry;
}

/** A manifest that is not valid JSON or does not have the expected shape. */
export class ManifestError extends Error {
  readonly code = 'EMANIFEST';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${file}: invalid manifest: ${field}: expected ${expected}`);
    this.name = 'ManifestError';
  }
}

/** Far above any real build (a few hundred files); only there to bound work on hostile input. */
export const MAX_MANIFEST_FILES = 100_000;
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
const MAX_RELATIVE_PATH_LENGTH = 4096;
const MANIFEST_KEYS = ['version', 'created', 'files', 'executable'];
const ENTRY_KEYS = ['sha256', 'size'];
const EXECUTABLE_KEYS = ['path', 'sha256', 'size'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Why `p` cannot be a manifest key, or null if it can. Keys are joined onto the root at check
 * time, so anything that could leave the root (absolute, '..') is refused.
 */
export function relativePathProblem(p: string): string | null {
  if (p === '') return 'a non-empty relative path';
  if (p.length > MAX_RELATIVE_PATH_LENGTH) return `a relative path of at most ${MAX_RELATIVE_PATH_LENGTH} characters`;
  if (p.includes('\0')) return 'a relative path without NUL bytes';
  if (p.startsWith('/')) return 'a relative path, not an absolute one';
  for (const component of p.split('/')) {
    if (component === '') return 'a relative path without empty components';
    if (component === '.' || component === '..') return 'a relative path without "." or ".." components';
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(obj: Record<string, unknown>, allowed: string[], source: string, where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new ManifestError(source, where === '' ? key : `${where}.${key}`, `only the keys ${allowed.join(', ')}`);
    }
  }
}

/** Why `p` cannot be the executable's path, or null if it can: absolute, normalized, no NUL. */
export function absolutePathProblem(p: string): string | null {
  if (!p.startsWith('/')) return 'an absolute path';
  if (p.length > MAX_RELATIVE_PATH_LENGTH) return `a path of at most ${MAX_RELATIVE_PATH_LENGTH} characters`;
  if (p.includes('\0')) return 'a path without NUL bytes';
  if (p !== '/' && relativePathProblem(p.slice(1)) !== null) return 'a normalized path (no empty, "." or ".." components)';
  return null;
}

function parseEntry(entry: unknown, source: string, field: string): ManifestEntry {
  if (!isPlainObject(entry)) throw new ManifestError(source, field, 'an object');
  if (!isSha256Hex(entry.sha256)) throw new ManifestError(source, `${field}.sha256`, 'a lowercase hex SHA-256 digest');
  if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw new ManifestError(source, `${field}.size`, 'a non-negative integer');
  }
  return { sha256: entry.sha256, size: entry.size };
}

/** Validates an already-parsed manifest (untrusted input). `source` names it in errors. */
export function parseManifest(raw: unknown, source: string): Manifest {
  if (!isPlainObject(raw)) throw new ManifestError(source, '(top level)', 'an object');
  rejectUnknownKeys(raw, MANIFEST_KEYS, source, '');
  if (raw.version !== 1 && raw.version !== MANIFEST_VERSION) throw new ManifestError(source, 'version', `1 or ${MANIFEST_VERSION}`);
  const version = raw.version;
  const created = raw.created;
  if (typeof created !== 'string' || !RFC3339.test(created) || Number.isNaN(Date.parse(created))) {
    throw new ManifestError(source, 'created', 'an RFC 3339 date-time string');
  }
  if (!isPlainObject(raw.files)) throw new ManifestError(source, 'files', 'an object');
  const keys = Object.keys(raw.files);
  if (keys.length > MAX_MANIFEST_FILES) throw new ManifestError(source, 'files', `at most ${MAX_MANIFEST_FILES} entries`);

  const entries: [string, ManifestEntry][] = [];
  for (const key of keys) {
    const field = `files[${JSON.stringify(key.length > 80 ? key.slice(0, 80) + '…' : key)}]`;
    const problem = relativePathProblem(key);
    if (problem !== null) throw new ManifestError(source, field, problem);
    const entry = raw.files[key];
    if (isPlainObject(entry)) rejectUnknownKeys(entry, ENTRY_KEYS, source, field);
    entries.push([key, parseEntry(entry, source, field)]);
  }
  // Object.fromEntries defines own properties, so a key like "__proto__" stays an ordinary entry.
  const manifest: Manifest = { version, created, files: Object.fromEntries(entries) };
  if (raw.executable !== undefined) {
    if (version === 1) throw new ManifestError(source, 'executable', 'absent in a version 1 manifest');
    const exe = raw.executable;
    if (!isPlainObject(exe)) throw new ManifestError(source, 'executable', 'an object');
    rejectUnknownKeys(exe, EXECUTABLE_KEYS, source, 'executable');
    const problem = typeof exe.path === 'string' ? absolutePathProblem(exe.path) : 'a string';
    if (problem !== null) throw new ManifestError(source, 'executable.path', problem);
    manifest.executable = { path: exe.path as string, ...parseEntry(exe, source, 'executable') };
  }
  return manifest;
}

export interface CreateManifestOptions {
  /** Clock for `created`; defaults to the system clock. */
  now?: () => Date;
  /** Absolute path of the node executable to record. */
  executable?: string;
  /** Defaults to the streaming SHA-256 of fileDigest.ts. */
  digestFile?: (absPath: string) => Promise<FileDigest>;
}

/**
 * Hashes `relativePaths` (relative to `rootDir`, '/'-separated) into a manifest. Entries are
 * sorted and de-duplicated so the same tree always gives the same `files` object.
 */
export async function createManifest(
  rootDir: string,
  relativePaths: readonly string[],
  options: CreateManifestOptions = {},
): Promise<Manifest> {
  const now = options.now ?? (() => new Date());
  const digest = options.digestFile ?? digestFile;
  const root = path.resolve(rootDir);
  const sorted = [...new Set(relativePaths)].sort();
  const entries: [string, ManifestEntry][] = [];
  // Sequential on purpose: a build's few hundred files are quick, and it keeps I/O load flat.
  for (const rel of sorted) {
    const problem = relativePathProblem(rel);
    if (problem !== null) throw new Error(`createManifest: ${JSON.stringify(rel)}: expected ${problem}`);
    const { sha256, size } = await digest(path.join(root, rel));
    entries.push([rel, { sha256, size }]);
  }
  const manifest: Manifest = { version: MANIFEST_VERSION, created: now().toISOString(), files: Object.fromEntries(entries) };
  if (options.executable !== undefined) {
    const problem = absolutePathProblem(options.executable);
    if (problem !== null) throw new Error(`createManifest: executable ${JSON.stringify(options.executable)}: expected ${problem}`);
    manifest.executable = { path: options.executable, ...(await digest(options.executable)) };
  }
  return manifest;
}

/** Stable text form: two-space JSON with a trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

/**
 * Writes the manifest atomically (temp file in the same directory, fsync, rename), so a reader
 * never sees half a manifest. Mode 0644: the manifest is not secret. The manifest is validated
 * first so nothing readManifest would reject is ever written.
 */
export async function writeManifest(filePath: string, manifest: Manifest): Promise<void> {
  const text = serializeManifest(parseManifest(manifest, filePath));
  const target = path.resolve(filePath);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(0o644); // independent of the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** Reads and strictly validates a manifest file; any problem is an Error naming the file. */
export async function readManifest(filePath: string): Promise<Manifest> {
  const stats = await stat(filePath);
  if (!stats.isFile()) throw new ManifestError(filePath, '(file)', 'a regular file');
  if (stats.size > MAX_MANIFEST_BYTES) throw new ManifestError(filePath, '(file)', `at most ${MAX_MANIFEST_BYTES} bytes`);
  const text = await readFile(filePath, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(filePath, '(file)', `valid JSON (${(err as Error).message})`);
  }
  return parseManifest(raw, filePath);
}
