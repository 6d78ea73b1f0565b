/**
 * The start-up integrity check, run before the agent loads its runtime dependencies (src/cli/main.ts
 * imports the agent only afterwards): every file of the build manifest, the node executable it
 * records, and whether the node running now is that executable. Under --protect a problem stops the
 * start (src/agent/startup.ts). The digest function is shared with the periodic check, so large
 * files (node) are not hashed twice.
 */
import path from 'node:path';
import { readManifest, type Manifest } from './manifest.js';
import { createSelfIntegrityChecker, NODE_EXECUTABLE, type IntegrityFinding } from './selfIntegrityChecker.js';
import { recordExecutable, type ExecutableRecord } from './executable.js';

/** Files hashed at once before the sensor starts (nothing else competes for I/O then). */
const STARTUP_CONCURRENCY = 4;

export interface StartupIntegrity {
  manifestPath: string;
  /** the manifest as read; empty (no files) when it could not be read (a finding says why) */
  manifest: Manifest;
  /** problems with the manifest's files (the periodic check reports these again, until resolved) */
  fileFindings: IntegrityFinding[];
  /** problems only this check sees: an unreadable manifest, a node executable not the recorded one */
  startupFindings: IntegrityFinding[];
  filesChecked: number;
  /** the executable this process runs (/proc/self/exe) */
  executable: ExecutableRecord;
  hashFile: (absPath: string) => Promise<string>;
}

export function allFindings(s: StartupIntegrity): IntegrityFinding[] {
  return [...s.startupFindings, ...s.fileFindings];
}

export async function runStartupCheck(deps: {
  packageRoot: string;
  hashFile: (absPath: string) => Promise<string>;
  /** defaults to hashing /proc/self/exe */
  executable?: () => Promise<ExecutableRecord>;
}): Promise<StartupIntegrity> {
  const manifestPath = path.join(deps.packageRoot, 'build', 'manifest.json');
  const startupFindings: IntegrityFinding[] = [];
  let manifest: Manifest;
  try {
    manifest = await readManifest(manifestPath);
  } catch (err) {
    startupFindings.push({ type: 'integrity', status: 'missing', file: manifestPath, error: (err as Error).message });
    manifest = { version: 2, created: new Date(0).toISOString(), files: {} };
  }
  const executable = await (deps.executable ?? (() => recordExecutable({ hashFile: deps.hashFile })))().catch(
    (err: Error): ExecutableRecord => ({ path: process.execPath, sha256: `unreadable: ${err.message}` }),
  );
  if (manifest.executable && executable.sha256 !== manifest.executable.sha256) {
    startupFindings.push({
      type: 'integrity',
      status: 'mismatch',
      name: NODE_EXECUTABLE,
      file: executable.path,
      expected: manifest.executable.sha256,
      actual: executable.sha256,
      error:
        executable.path === manifest.executable.path
          ? `${executable.path} changed since the build recorded it`
          : `the agent runs on ${executable.path}, not on the node executable the build recorded (${manifest.executable.path})`,
    });
  }
  const checker = createSelfIntegrityChecker({ rootDir: path.resolve(deps.packageRoot), manifest, hashFile: deps.hashFile, concurrency: STARTUP_CONCURRENCY });
  const result = await checker.check();
  return { manifestPath, manifest, fileFindings: result.findings, startupFindings, filesChecked: result.filesChecked, executable, hashFile: deps.hashFile };
}
