/**
 * Build-time CLI, run by the Makefile:
 *   node build/dist/integrity/buildManifest.js --root <projectRoot> --out build/manifest.json
 *        [--runtime-dependencies] [--executable <node>] <files, dirs or globs...>
 * Relative paths (inputs and --out) are taken from the current directory, as the shell expands
 * globs there; every input must lie below --root, which the manifest keys are relative to.
 * --runtime-dependencies adds the loadable files of the production node_modules that
 * <root>/package-lock.json lists, and fails if a JavaScript input imports a package outside them.
 * --executable records the node executable (an absolute path, kept as given).
 * Exit status: 0 written, 1 an input is missing or unusable (or writing failed), 2 usage error.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createManifest, writeManifest } from './manifest.js';
import { ManifestInputError, expandManifestInputs } from './manifestInputs.js';
import { importedPackages, listPackageFiles, runtimeDependencyDirs, RuntimeDependencyError, type PackageLock } from './runtimeDependencies.js';

export const BUILD_MANIFEST_USAGE =
  'usage: buildManifest --root <projectRoot> --out <manifest.json> [--runtime-dependencies] [--executable <path>] <file|directory|glob>...';

export interface BuildManifestArgs {
  root: string;
  out: string;
  inputs: string[];
  runtimeDependencies?: boolean;
  executable?: string;
}

/** Parses argv (without node and script); returns an error message instead of throwing. */
export function parseBuildManifestArgs(argv: readonly string[]): BuildManifestArgs | { error: string } {
  let root: string | undefined;
  let out: string | undefined;
  let executable: string | undefined;
  let runtimeDependencies = false;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runtime-dependencies') {
      runtimeDependencies = true;
    } else if (arg === '--root' || arg === '--out' || arg === '--executable') {
      const value = argv[i + 1];
      if (value === undefined || value === '') return { error: `${arg} needs a value` };
      if (arg === '--root') root = value;
      else if (arg === '--out') out = value;
      else if (!path.isAbsolute(value)) return { error: '--executable needs an absolute path' };
      else executable = path.normalize(value);
      i++;
    } else if (arg === '--') {
      inputs.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('-')) {
      return { error: `unknown option ${arg}` };
    } else {
      inputs.push(arg);
    }
  }
  if (root === undefined) return { error: '--root is required' };
  if (out === undefined) return { error: '--out is required' };
  if (inputs.length === 0) return { error: 'no input files given' };
  return { root, out, inputs, ...(runtimeDependencies ? { runtimeDependencies } : {}), ...(executable ? { executable } : {}) };
}

/** The loadable files of the runtime node_modules; fails if a JavaScript input imports a package
 * that is not among them (a dev dependency used at run time would be missing from the manifest). */
async function runtimeDependencyFiles(root: string, inputFiles: readonly string[]): Promise<string[]> {
  const lockPath = path.join(root, 'package-lock.json');
  let lock: PackageLock;
  try {
    lock = JSON.parse(await readFile(lockPath, 'utf8')) as PackageLock;
  } catch (err) {
    throw new RuntimeDependencyError(`${lockPath}: ${(err as Error).message}`);
  }
  const dirs = runtimeDependencyDirs(lock);
  const names = new Set(dirs.map((d) => d.slice(d.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  for (const rel of inputFiles) {
    if (!/\.(js|cjs|mjs)$/.test(rel)) continue;
    for (const name of importedPackages(await readFile(path.join(root, rel), 'utf8'))) {
      if (!isBuiltin(name) && !names.has(name)) throw new RuntimeDependencyError(`${rel} imports ${name}, which is not a production dependency in package-lock.json`);
    }
  }
  const files: string[] = [];
  for (const dir of dirs) files.push(...(await listPackageFiles(root, dir)));
  return files;
}

export interface BuildManifestIo {
  cwd: string;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  now?: () => Date;
}

/** The whole CLI as a function: returns the exit status. */
export async function runBuildManifest(argv: readonly string[], io: BuildManifestIo): Promise<number> {
  const args = parseBuildManifestArgs(argv);
  if ('error' in args) {
    io.stderr(`buildManifest: ${args.error}`);
    io.stderr(BUILD_MANIFEST_USAGE);
    return 2;
  }
  const root = path.resolve(io.cwd, args.root);
  const out = path.resolve(io.cwd, args.out);
  try {
    const files = await expandManifestInputs({ rootDir: root, cwd: io.cwd, inputs: args.inputs, exclude: [out] });
    const dependencies = args.runtimeDependencies ? await runtimeDependencyFiles(root, files) : [];
    const manifest = await createManifest(root, [...files, ...dependencies], {
      ...(io.now === undefined ? {} : { now: io.now }),
      ...(args.executable === undefined ? {} : { executable: args.executable }),
    });
    await writeManifest(out, manifest);
    const count = Object.keys(manifest.files).length;
    io.stdout(`buildManifest: wrote ${args.out} (${count} files, ${dependencies.length} of them runtime node_modules${manifest.executable ? `, executable ${manifest.executable.path}` : ''})`);
    return 0;
  } catch (err) {
    const message = err instanceof ManifestInputError || err instanceof RuntimeDependencyError ? err.message : (err as Error)?.message ?? String(err);
    io.stderr(`buildManifest: ${message}`);
    return 1;
  }
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  runBuildManifest(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: (line) => process.stdout.write(line + '\n'),
    stderr: (line) => process.stderr.write(line + '\n'),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`buildManifest: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
