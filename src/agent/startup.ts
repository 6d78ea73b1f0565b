/**
 * What happens before the agent's own code and its runtime dependencies load (src/cli/main.ts
 * imports src/agent/run.ts only afterwards): node options that load or expose code are refused,
 * the start-up integrity check runs (under --protect a problem stops the start), SIGTTIN and
 * SIGTTOU are ignored. This module and what it imports use node's built-ins only, never a package
 * from node_modules: those are what the check is about.
 */
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { RunOptions } from './runOptions.js';
import { escapeControlChars } from '../log/escape.js';
import { sha256File } from '../integrity/fileDigest.js';
import { createDigestCache } from '../integrity/digestCache.js';
import { allFindings, runStartupCheck, type StartupIntegrity } from '../integrity/startupCheck.js';
import type { IntegrityFinding } from '../integrity/selfIntegrityChecker.js';
import { loadAddon } from '../sensor/nativeAddon.js';
import { checkNodeOptions, describeNodeRuntime, describeRefused, type NodeRuntimeInfo } from './nodeRuntime.js';
import { IGNORED_SIGNALS, signalNumbers } from './signals.js';

export interface AgentStartup {
  node: NodeRuntimeInfo;
  integrity: StartupIntegrity;
}

/** --protect and the start-up check found a problem: the agent does not start (exit status 1). */
export class StartupRefusedError extends Error {
  readonly code = 'EINTEGRITY';
  constructor(readonly findings: IntegrityFinding[]) {
    super(
      `refusing to start with --protect: the start-up integrity check found ${findings.length} problem${findings.length === 1 ? '' : 's'}: ` +
        findings.map(describeFinding).join('; ') +
        '. Rebuild (make build) if the change is yours, or pass --allow-integrity-mismatch to start anyway',
    );
    this.name = 'StartupRefusedError';
  }
}

function describeFinding(f: IntegrityFinding): string {
  const what = f.name ? `${f.name} ${f.file ?? ''}`.trim() : f.file ?? 'a file';
  if (f.status === 'mismatch') return `${what} does not match the manifest`;
  return `${what} is ${f.status}${f.error ? ` (${f.error})` : ''}`;
}

export async function prepareAgentStart(
  options: RunOptions,
  io: {
    packageRoot: string;
    stdout: Writable;
    stderr: Writable;
    env?: NodeJS.ProcessEnv;
    execArgv?: string[];
    /** defaults to the addon's ignoreSignals (tests pass their own) */
    ignoreSignals?: (signals: number[]) => void;
    hashFile?: (absPath: string) => Promise<string>;
  },
): Promise<AgentStartup> {
  const env = io.env ?? process.env;
  const execArgv = io.execArgv ?? process.execArgv;
  const allowed = checkNodeOptions(execArgv, env, options.allowNodeOptions); // throws NodeOptionsError
  for (const r of allowed) io.stderr.write(`lsmwatch: warning: running with ${escapeControlChars(describeRefused(r))}: allowed by --allow-node-options\n`);

  const cache = createDigestCache({ stat: (p) => stat(p, { bigint: true }), hashFile: io.hashFile ?? sha256File, now: () => performance.now() });
  const integrity = await runStartupCheck({ packageRoot: io.packageRoot, hashFile: (p) => cache.hash(p) });
  const problems = allFindings(integrity);
  if (options.protect && problems.length > 0 && !options.allowIntegrityMismatch) {
    const time = new Date().toISOString();
    for (const f of problems) io.stdout.write(JSON.stringify({ ...f, time }) + '\n');
    throw new StartupRefusedError(problems);
  }
  (io.ignoreSignals ?? ((n) => loadAddon(io.packageRoot).ignoreSignals(n)))(signalNumbers(IGNORED_SIGNALS));
  const node = describeNodeRuntime({
    version: process.version,
    executable: integrity.executable.path,
    sha256: integrity.executable.sha256,
    execArgv,
    env,
    allowNodeOptions: options.allowNodeOptions,
  });
  return { node, integrity };
}
