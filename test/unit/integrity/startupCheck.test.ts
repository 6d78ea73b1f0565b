import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createManifest, writeManifest } from '../../../src/integrity/manifest.js';
import { sha256File } from '../../../src/integrity/fileDigest.js';
import { allFindings, runStartupCheck } from '../../../src/integrity/startupCheck.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
let root = '';
test.before.each(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-startup-'));
  for (const [rel, text] of [['build/dist/a.js', 'a'], ['node_modules/chalk/source/index.js', 'chalk'], ['node', 'node v1']]) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  const manifest = await createManifest(root, ['build/dist/a.js', 'node_modules/chalk/source/index.js'], { executable: path.join(root, 'node') });
  await writeManifest(path.join(root, 'build', 'manifest.json'), manifest);
});
test.after.each(() => fs.rmSync(root, { recursive: true, force: true }));

const running = (file: string, content: string) => async () => ({ path: file, sha256: sha(content) });

test('a clean tree on the recorded node: no findings', async () => {
  const result = await runStartupCheck({ packageRoot: root, hashFile: sha256File, executable: running(path.join(root, 'node'), 'node v1') });
  assert.equal(allFindings(result), []);
  assert.is(result.filesChecked, 3, 'two files and the executable');
  assert.is(result.manifest.executable?.path, path.join(root, 'node'));
});

test('a changed runtime dependency is a mismatch naming it', async () => {
  fs.appendFileSync(path.join(root, 'node_modules/chalk/source/index.js'), '\n// injected\n');
  const result = await runStartupCheck({ packageRoot: root, hashFile: sha256File, executable: running(path.join(root, 'node'), 'node v1') });
  assert.equal(result.fileFindings.map((f) => [f.status, f.file]), [['mismatch', path.join(root, 'node_modules/chalk/source/index.js')]]);
  assert.equal(result.startupFindings, []);
});

test('another node than the recorded one is a node executable finding; a changed recorded node too', async () => {
  const other = await runStartupCheck({ packageRoot: root, hashFile: sha256File, executable: running('/opt/node22/bin/node', 'node v22') });
  assert.is(other.startupFindings.length, 1);
  assert.is(other.startupFindings[0].name, 'node executable');
  assert.is(other.startupFindings[0].file, '/opt/node22/bin/node');
  assert.match(other.startupFindings[0].error!, /not on the node executable the build recorded/);
  fs.writeFileSync(path.join(root, 'node'), 'node v1, patched');
  const patched = await runStartupCheck({ packageRoot: root, hashFile: sha256File, executable: running(path.join(root, 'node'), 'node v1, patched') });
  assert.equal(patched.fileFindings.map((f) => [f.status, f.name]), [['mismatch', 'node executable']]);
  assert.match(patched.startupFindings[0].error!, /changed since the build recorded it/);
});

test('an unreadable manifest is a finding, and the check still runs (with no files)', async () => {
  fs.writeFileSync(path.join(root, 'build', 'manifest.json'), '{');
  const result = await runStartupCheck({ packageRoot: root, hashFile: sha256File, executable: running(path.join(root, 'node'), 'node v1') });
  assert.equal(result.startupFindings.map((f) => f.status), ['missing']);
  assert.is(result.filesChecked, 0);
});

test.run();
