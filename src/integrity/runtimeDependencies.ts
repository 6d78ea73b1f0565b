/**
 * The node_modules the agent may load at run time, from package-lock.json rather than a hand list:
 * the root package's production dependencies and everything they depend on, each resolved the way
 * node and npm lay packages out (a nested node_modules first, then each enclosing one). Over-inclusive
 * by design (an install-time helper like prebuild-install is listed too): a file the agent could load
 * must never be missing from the manifest. Pure, except listPackageFiles.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export interface LockPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface PackageLock {
  lockfileVersion?: number;
  packages?: Record<string, LockPackage>;
}

export class RuntimeDependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeDependencyError';
  }
}

/** Where `name` resolves from the package at `from` ('' = the root): the lock key, or null. */
export function resolveInLock(packages: Record<string, LockPackage>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return null;
    // up one package: "node_modules/a/node_modules/b" → "node_modules/a" → ""
    const at = base.lastIndexOf('/node_modules/');
    base = at === -1 ? '' : base.slice(0, at);
  }
}

/**
 * Lock keys (package directories relative to the root, e.g. "node_modules/chalk") of the root's
 * production dependencies and their dependencies, sorted. A missing required dependency is an
 * error (the install is incomplete); a missing optional one is skipped (not installed here).
 */
export function runtimeDependencyDirs(lock: PackageLock): string[] {
  const packages = lock.packages;
  if (!packages || typeof packages !== 'object' || !packages['']) {
    throw new RuntimeDependencyError('package-lock.json has no "packages" map with a root entry (lockfileVersion 2 or 3 is needed)');
  }
  const found = new Set<string>();
  const queue: Array<[string, string, boolean]> = []; // [from, name, optional]
  const enqueue = (from: string, pkg: LockPackage) => {
    for (const name of Object.keys(pkg.dependencies ?? {})) queue.push([from, name, false]);
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) queue.push([from, name, true]);
    for (const name of Object.keys(pkg.peerDependencies ?? {})) queue.push([from, name, true]);
  };
  enqueue('', packages['']);
  while (queue.length > 0) {
    const [from, name, optional] = queue.shift()!;
    const key = resolveInLock(packages, from, name);
    if (key === null) {
      if (optional) continue;
      throw new RuntimeDependencyError(`${name} (needed by ${from || 'the root package'}) is not in package-lock.json`);
    }
    if (found.has(key)) continue;
    found.add(key);
    enqueue(key, packages[key]);
  }
  return [...found].sort();
}

/** Files node may load from a package: JavaScript, JSON (package.json decides how code loads), addons. */
export const LOADABLE_FILE = /\.(js|cjs|mjs|json|node)$/;

/** Loadable files below one package directory, relative to rootDir, '/'-separated, sorted. A nested
 * node_modules holds other packages: they are listed under their own lock key. */
export async function listPackageFiles(rootDir: string, packageDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(path.join(rootDir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') await walk(child);
      } else if (entry.isFile() && LOADABLE_FILE.test(entry.name)) {
        out.push(child);
      }
    }
  };
  await walk(packageDir);
  return out.sort();
}

/** Bare module specifiers a compiled JavaScript file imports or requires ("chalk", "@a/b"), without
 * node: builtins and relative paths. */
export function importedPackages(source: string): string[] {
  const found = new Set<string>();
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const re of patterns) {
    for (const m of source.matchAll(re)) {
      const spec = m[1];
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      found.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return [...found].sort();
}
