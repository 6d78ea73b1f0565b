/**
 * Turns the build's list of inputs (files, directories, simple globs) into the sorted
 * root-relative paths the manifest covers.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** An input that cannot go into the manifest; the message is meant for the build log. */
export class ManifestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestInputError';
  }
}

export interface ExpandManifestInputsOptions {
  /** Manifest keys are relative to this; every input must lie below it. */
  rootDir: string;
  /** Relative inputs (and excludes) are resolved against this, as a shell would have. */
  cwd: string;
  /** Files, directories (taken recursively) or patterns with `*`/`?` inside one path component. */
  inputs: readonly string[];
  /** Paths never listed, e.g. the manifest itself when it lies inside an input directory. */
  exclude?: readonly string[];
}

/** True if the input needs expanding (normally the shell does it; this covers quoted or exec'd arguments). */
export function hasGlobMagic(input: string): boolean {
  return /[*?]/.test(input);
}

/** `*` and `?` within one component; like the shell, they do not match a leading dot. */
function componentRegExp(component: string): RegExp {
  const body = component.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function expandGlob(absPattern: string): Promise<string[]> {
  const components = absPattern.split('/').filter((c) => c !== '');
  let bases = ['/'];
  for (const component of components) {
    if (!hasGlobMagic(component)) {
      bases = bases.map((b) => path.join(b, component));
      continue;
    }
    const re = componentRegExp(component);
    const next: string[] = [];
    for (const base of bases) {
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue; // a non-directory or missing base simply matches nothing
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !component.startsWith('.')) continue;
        if (re.test(name)) next.push(path.join(base, name));
      }
    }
    bases = next;
  }
  return bases;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

/**
 * Resolves inputs into sorted, de-duplicated, '/'-separated paths relative to rootDir.
 * Directories are walked recursively; symlinks to files are listed (their target is hashed),
 * symlinks to directories are not followed (no loops) and other special files are skipped.
 * A missing input, a pattern matching nothing, an input outside the root or a directory
 * with no files throws ManifestInputError: each of those means the build is incomplete.
 */
export async function expandManifestInputs(options: ExpandManifestInputsOptions): Promise<string[]> {
  const root = path.resolve(options.rootDir);
  const excluded = new Set((options.exclude ?? []).map((p) => path.resolve(options.cwd, p)));
  const found = new Set<string>();

  /** The root itself is accepted (as a directory to walk); it never becomes a key. */
  const toRelative = (abs: string, input: string): string => {
    const rel = path.relative(root, abs);
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
      throw new ManifestInputError(`${input}: outside the root ${root}`);
    }
    return rel.split(path.sep).join('/');
  };

  const walk = async (dir: string, input: string): Promise<number> => {
    let added = 0;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        added += await walk(abs, input);
      } else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(abs).catch(() => null))?.isFile())) {
        if (excluded.has(abs)) continue;
        found.add(toRelative(abs, input));
        added += 1;
      }
    }
    return added;
  };

  for (const input of options.inputs) {
    const absInput = path.resolve(options.cwd, input);
    const matches = hasGlobMagic(input) ? await expandGlob(absInput) : [absInput];
    if (matches.length === 0) throw new ManifestInputError(`${input}: no file matches`);
    for (const abs of matches) {
      let stats;
      try {
        stats = await stat(abs);
      } catch (err) {
        const code = errorCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new ManifestInputError(`${input}: no such file or directory`);
        throw new ManifestInputError(`${input}: ${(err as Error).message}`);
      }
      if (stats.isFile()) {
        if (!excluded.has(abs)) found.add(toRelative(abs, input));
      } else if (stats.isDirectory()) {
        toRelative(abs, input); // the directory itself must be below the root too
        if ((await walk(abs, input)) === 0) throw new ManifestInputError(`${input}: directory contains no files`);
      } else {
        throw new ManifestInputError(`${input}: not a regular file or directory`);
      }
    }
  }
  return [...found].sort();
}
