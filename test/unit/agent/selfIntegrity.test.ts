import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSelfIntegrity } from '../../../src/agent/selfIntegrity.js';
import { parseAgentPolicy } from '../../../src/agent/agentPolicy.js';
import { createManifest, writeManifest } from '../../../src/integrity/manifest.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';
import { recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

async function until(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** settled: what the output must hold before the agent stops (the first periodic check, whose
 * findings are the ones emitted, runs beside the one that writes the baseline line) */
async function run(prepare: (root: string) => Promise<void>, detached = false, settled: (records: Array<Record<string, unknown>>) => boolean = () => true) {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-selfint-'));
  const policyText = JSON.stringify({ watch: [], integrity: { interval: 3600 } });
  writeFileSync(join(root, 'policy.json'), policyText);
  await prepare(root);
  const native = fakeNative();
  if (detached) native.attachments[0]!.linkPresent = false;
  const output = recordingOutput();
  const notices = recordingNotices();
  const integrity = await startSelfIntegrity({
    packageRoot: root,
    policy: parseAgentPolicy(policyText, join(root, 'policy.json')),
    native,
    output,
    notices,
    nowRfc3339: () => 'now',
  });
  await until(() => output.records.some((r) => r.status === 'baseline'), 'the integrity baseline line');
  await until(() => settled(output.records), 'the findings of the first check');
  await integrity.stop();
  rmSync(root, { recursive: true, force: true });
  return { output, notices };
}

async function withFile(root: string, content: string) {
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, 'build', 'x.js'), 'original');
  await writeManifest(join(root, 'build', 'manifest.json'), await createManifest(root, ['build/x.js']));
  writeFileSync(join(root, 'build', 'x.js'), content);
}

test('an intact tree: one baseline line with what was checked and the node executable, no alert', async () => {
  const { output, notices } = await run((root) => withFile(root, 'original'));
  const baseline = output.records.find((r) => r.status === 'baseline')!;
  assert.is(baseline.type, 'integrity');
  assert.is(baseline.problems, 0);
  assert.is(baseline.executable, process.execPath);
  assert.equal(notices.lines.filter((l) => l.startsWith('alert')), []);
});

test('a file that differs from the manifest: a mismatch line and a red stderr line', async () => {
  const { output, notices } = await run((root) => withFile(root, 'tampered'), false, (records) => records.some((r) => r.status === 'mismatch'));
  const mismatch = output.records.find((r) => r.status === 'mismatch');
  assert.ok(mismatch, JSON.stringify(output.records));
  assert.match(String(mismatch.file), /build\/x\.js$/);
  assert.ok(notices.lines.some((l) => /^alert: integrity: .*x\.js was modified/.test(l)), notices.lines.join('\n'));
});

test('no manifest, and a program no longer attached: both reported', async () => {
  const { output } = await run(async () => {}, true, (records) => records.some((r) => r.status === 'detached'));
  assert.ok(output.records.some((r) => r.status === 'missing'), JSON.stringify(output.records));
  assert.ok(output.records.some((r) => r.status === 'detached' && r.prog_id === 7), JSON.stringify(output.records));
});

test.run();
