/** Wires the self-integrity checker into the agent: the build manifest, the policy as loaded, the
 * attached BPF programs; findings go to stdout (NDJSON) and stderr (red), on every check until fixed. */
import { join } from 'node:path';
import { readManifest } from '../integrity/manifest.js';
import { createSelfIntegrityChecker, NODE_EXECUTABLE, type IntegrityFinding } from '../integrity/selfIntegrityChecker.js';
import type { StartupIntegrity } from '../integrity/startupCheck.js';
import { startPeriodicCheck } from '../integrity/periodicCheck.js';
import { recordExecutable } from '../integrity/executable.js';
import { sha256File } from '../integrity/fileDigest.js';
import { integrityIntervalMs } from '../integrity/integrityConfig.js';
import type { Policy } from '../policy/policy.js';
import type { NativeSensor } from '../sensor/nativeAddon.js';
import type { NdjsonWriter } from '../output/ndjsonWriter.js';
import type { Notices } from '../log/notices.js';
import type { WallClock } from '../events/wallClock.js';
import type { EventPipeline } from './eventPipeline.js';

export interface SelfIntegrity {
  stop(): Promise<void>;
}

function describe(f: IntegrityFinding): string {
  if (f.status === 'detached') return `BPF ${f.kind ?? 'prog'} ${f.name ?? ''} (id ${f.prog_id ?? '?'}) is no longer attached`;
  if (f.status === 'resolved') return `${f.file ?? f.name ?? 'item'} is intact again`;
  if (f.status === 'mismatch' && f.name === NODE_EXECUTABLE && f.error) return `node executable: ${f.error} (sha256 ${f.actual}, expected ${f.expected})`;
  if (f.status === 'mismatch') return `${f.file} was modified (sha256 ${f.actual}, expected ${f.expected})`;
  return `${f.file ?? f.name} is ${f.status}${f.error ? `: ${f.error}` : ''}`;
}

export async function startSelfIntegrity(deps: {
  packageRoot: string;
  policy: Policy;
  native: NativeSensor;
  writer: NdjsonWriter;
  notices: Notices;
  clock: WallClock;
  pipeline: EventPipeline;
  /** the start-up check (src/integrity/startupCheck.ts): its manifest, digests and findings are reused */
  startup?: StartupIntegrity;
}): Promise<SelfIntegrity> {
  const emit = (finding: IntegrityFinding) => {
    const record = { ...finding, time: deps.clock.nowRfc3339() };
    deps.writer.write(record);
    deps.pipeline.recordHistory('integrity', record);
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
  const hashFile = deps.startup?.hashFile ?? sha256File;
  const checker = createSelfIntegrityChecker({
    rootDir: deps.packageRoot,
    manifest,
    extraFiles: [{ path: deps.policy.file, sha256: deps.policy.sha256 }],
    hashFile,
    checkAttachments: async () =>
      deps.native.verifyAttachments().map((a) => ({
        id: a.progId,
        kind: 'prog' as const,
        name: a.hook,
        attached: a.progPresent && a.linkPresent,
      })),
  });
  const executable =
    deps.startup?.executable ??
    (await recordExecutable().catch((err: Error) => ({ path: process.execPath, sha256: `unreadable: ${err.message}` })));
  let first = true;
  const periodic = startPeriodicCheck(checker, {
    intervalMs: integrityIntervalMs(deps.policy.integrity),
    immediate: true,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (t) => clearTimeout(t),
    onFindings: (findings) => findings.forEach(emit),
    onError: (err) => deps.notices.error(`integrity check failed: ${(err as Error).message}`),
  });
  // One line recording what the first check covered and the node executable in use.
  void checker.check().then((result) => {
    if (!first) return;
    first = false;
    deps.writer.write({
      type: 'integrity',
      status: 'baseline',
      time: deps.clock.nowRfc3339(),
      files_checked: result.filesChecked,
      problems: result.findings.length + (deps.startup?.startupFindings.length ?? 0),
      executable: executable.path,
      executable_sha256: executable.sha256,
    });
  });
  return { stop: () => periodic.stop() };
}
