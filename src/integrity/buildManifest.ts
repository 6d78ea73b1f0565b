/**
 * Build-time CLI, run by the Makefile:
 *   node build/dist/integrity/buildManifest.js --root <projectRoot> --out build/manifest.json <files, dirs or globs...>
 * Relative paths (inputs and --out) are taken from the current directory, as the shell expands
 * globs there; every input must lie below --root, which the manifest keys are relative to.
 * Exit status: 0 written, 1 an input is missing or unusable (or writing failed), 2 usage error.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createManifest, writeManifest } from './manifest.js';
import { ManifestInputError, expandManifestInputs } from './manifestInputs.js';

export const BUILD_MANIFEST_USAGE =
  'usage: buildManifest --root <projectRoot> --out <manifest.json> <file|directory|glob>...';

export interface BuildManifestArgs {
  root: string;
  out: string;
  inputs: string[];
}

/** Parses argv (without node and script); returns an error message instead of throwing. */
export function parseBuildManifestArgs(argv: readonly string[]): BuildManifestArgs | { error: string } {
  let root: string | undefined;
  let out: string | undefined;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--root' || arg === '--out') {
      const value = argv[i + 1];
      if (value === undefined || value === '') return { error: `${arg} needs a value` };
      if (arg === '--root') root = value;
      else out = value;
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
  return { root, out, inputs };
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
    const manifest = await createManifest(root, files, io.now === undefined ? {} : { now: io.now });
    await writeManifest(out, manifest);
    io.stdout(`buildManifest: wrote ${args.out} (${files.length} files)`);
    return 0;
  } catch (err) {
    const message = err instanceof ManifestInputError ? err.message : (err as Error)?.message ?? String(err);
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
