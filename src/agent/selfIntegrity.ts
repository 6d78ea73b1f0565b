/** Wires the self-integrity checker into the agent: the build manifest, the policy as loaded, the
 * attached BPF programs; findings go to the output (and so the history) and to stderr (red), on
 * every check until fixed. */
import { join } from 'node:path';
import { readManifest } from '../integrity/manifest.js';
import { createSelfIntegrityChecker, NODE_EXECUTABLE, type IntegrityFinding, type KernelStateCheck } from '../integrity/selfIntegrityChecker.js';
import type { StartupIntegrity } from '../integrity/startupCheck.js';
import { startPeriodicCheck } from '../integrity/periodicCheck.js';
import { recordExecutable } from '../integrity/executable.js';
import { sha256File } from '../integrity/fileDigest.js';
import { integrityIntervalMs } from '../integrity/integrityConfig.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import type { Output } from '../output/sink.js';
import { integrityBaselineLine, integrityLine } from '../output/records.js';
import type { Notices } from '../log/notices.js';
import type { AgentPolicy } from './agentPolicy.js';

export interface SelfIntegrity {
  stop(): Promise<void>;
  /** A reload put this policy in force: checks expect its digest, at its interval. */
  policyReloaded(policy: AgentPolicy): Promise<void>;
  /** what the last completed check found (for metrics and health), or null before the first */
  lastCheck(): { timeMs: number; problems: number; checks: number } | null;
}

function describe(f: IntegrityFinding): string {
  if (f.status === 'detached') return `BPF ${f.kind ?? 'prog'} ${f.name ?? ''} (id ${f.prog_id ?? '?'}) is no longer attached`;
  if (f.status === 'resolved') return `${f.file ?? f.name ?? 'item'} is intact again`;
  if (f.status === 'mismatch' && f.name === NODE_EXECUTABLE && f.error) return `node executable: ${f.error} (sha256 ${f.actual}, expected ${f.expected})`;
  if (f.status === 'tampered') return `BPF map ${f.name ?? '?'} was changed by another process: ${f.error ?? ''}`;
  if (f.status === 'mismatch') return `${f.file} was modified (sha256 ${f.actual}, expected ${f.expected})`;
  return `${f.file ?? f.name} is ${f.status}${f.error ? `: ${f.error}` : ''}`;
}

export async function startSelfIntegrity(deps: {
  packageRoot: string;
  policy: AgentPolicy;
  native: NativeSensor;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  /** the agent's maps read back and compared with what it wrote */
  checkKernelState?: () => Promise<KernelStateCheck[]>;
  /** the start-up check (src/integrity/startupCheck.ts): its manifest, digests and findings are reused */
  startup?: StartupIntegrity;
}): Promise<SelfIntegrity> {
  const emit = (finding: IntegrityFinding) => {
    deps.output.write(integrityLine(finding, deps.nowRfc3339()));
    if (finding.status === 'resolved') deps.notices.info(`integrity: ${describe(finding)}`);
    else deps.notices.alert(`integrity: ${describe(finding)}`);
  };
  const manifestPath = join(deps.packageRoot, 'build', 'manifest.json');
  let manifest;
  if (deps.startup) {
    manifest = deps.startup.manifest;
    deps.startup.startupFindings.forEach(emit); // the unreadable manifest, a node that is not the recorded one
  } else {
    try {
      manifest = await readManifest(manifestPath);
    } catch (err) {
      emit({ type: 'integrity', status: 'missing', file: manifestPath, error: (err as Error).message });
      manifest = { version: 1 as const, created: '', files: {} };
    }
  }
  const checker = createSelfIntegrityChecker({
    rootDir: deps.packageRoot,
    manifest,
    extraFiles: [{ path: deps.policy.file, sha256: deps.policy.sha256 }],
    hashFile: deps.startup?.hashFile ?? sha256File,
    checkAttachments: async () =>
      deps.native.verifyAttachments().map((a) => ({
        id: a.progId,
        kind: 'prog' as const,
        name: a.hook,
        attached: a.progPresent && a.linkPresent,
      })),
    ...(deps.checkKernelState ? { checkKernelState: deps.checkKernelState } : {}),
  });
  const executable =
    deps.startup?.executable ??
    (await recordExecutable().catch((err: Error) => ({ path: process.execPath, sha256: `unreadable: ${err.message}` })));
  let first = true;
  // Outstanding problems, by what they concern, so the count follows findings and their resolutions.
  const outstanding = new Set<string>();
  let last: { timeMs: number; problems: number; checks: number } | null = null;
  const keyOf = (f: IntegrityFinding) => f.file ?? `${f.kind ?? 'prog'}:${f.prog_id ?? f.name ?? '?'}`;
  const counted = {
    check: async () => {
      const result = await checker.check();
      for (const f of result.findings) {
        if (f.status === 'resolved') outstanding.delete(keyOf(f));
        else outstanding.add(keyOf(f));
      }
      last = { timeMs: Date.now(), problems: outstanding.size, checks: (last?.checks ?? 0) + 1 };
      return result;
    },
    abort: () => checker.abort(),
  };
  const startChecks = (intervalMs: number, immediate: boolean) =>
    startPeriodicCheck(counted, {
      intervalMs,
      immediate,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t),
      onFindings: (findings) => findings.forEach(emit),
      onError: (err) => deps.notices.error(`integrity check failed: ${(err as Error).message}`),
    });
  let intervalMs = integrityIntervalMs(deps.policy.integrity);
  let periodic = startChecks(intervalMs, true);
  let stopped = false;
  // One line recording what the first check covered and the node executable in use.
  void checker.check().then((result) => {
    if (!first || result.aborted) return;
    first = false;
    deps.output.write(integrityBaselineLine(deps.nowRfc3339(), result.filesChecked, result.findings.length + (deps.startup?.startupFindings.length ?? 0), executable));
  });
  return {
    stop: () => {
      stopped = true;
      return periodic.stop();
    },
    async policyReloaded(policy) {
      checker.expect({ path: policy.file, sha256: policy.sha256 });
      const next = integrityIntervalMs(policy.integrity);
      if (next === intervalMs) return;
      intervalMs = next;
      await periodic.stop();
      if (!stopped) periodic = startChecks(intervalMs, false);
    },
    lastCheck: () => last,
  };
}
