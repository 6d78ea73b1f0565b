import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256File } from '../../../src/integrity/fileDigest.js';
import { createManifest, readManifest, writeManifest, type Manifest } from '../../../src/integrity/manifest.js';
import { createSelfIntegrityChecker, type BpfAttachment } from '../../../src/integrity/selfIntegrityChecker.js';

let root = '';
test.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-check-'));
  for (const rel of ['bin/lsmwatch.js', 'build/dist/main.js', 'build/bpf/lsm.bpf.o']) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), `content of ${rel}`);
  }
});
test.after.each(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const sha = (data: string) => createHash('sha256').update(data).digest('hex');
const files = ['bin/lsmwatch.js', 'build/bpf/lsm.bpf.o', 'build/dist/main.js'];

async function manifestRoundTrip(): Promise<Manifest> {
  const out = path.join(root, 'build/manifest.json');
  await writeManifest(out, await createManifest(root, files));
  return readManifest(out);
}

function enoent(p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
}

test('an untouched tree verifies clean after a manifest round-trip', async () => {
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await manifestRoundTrip(), hashFile: sha256File });
  assert.equal(await checker.check(), { findings: [], filesChecked: 3 });
  assert.equal(
    checker.files.map((f) => f.path),
    files.map((rel) => path.join(root, rel)),
  );
});

test('files are hashed at most `concurrency` at a time, and findings keep the manifest order', async () => {
  const manifest = await manifestRoundTrip();
  for (const rel of files) fs.writeFileSync(path.join(root, rel), 'tampered');
  let active = 0;
  let maxActive = 0;
  const slowHash = async (p: string) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, p.endsWith('lsmwatch.js') ? 20 : 1)); // the first finishes last
    active--;
    return sha256File(p);
  };
  for (const concurrency of [1, 2]) {
    maxActive = 0;
    const checker = createSelfIntegrityChecker({ rootDir: root, manifest, hashFile: slowHash, concurrency });
    const { findings } = await checker.check();
    assert.is(maxActive, concurrency);
    assert.equal(findings.map((f) => f.file), files.map((rel) => path.join(root, rel)));
  }
});

test('abort() ends the check in progress early, marked aborted, without touching what later checks report', async () => {
  const manifest = await manifestRoundTrip();
  const target = path.join(root, 'build/dist/main.js');
  fs.writeFileSync(target, 'tampered');
  let hashed = 0;
  let checker: ReturnType<typeof createSelfIntegrityChecker>;
  const hashFile = async (p: string) => {
    if (++hashed === 1) checker.abort(); // the agent stops while the first file is read
    return sha256File(p);
  };
  checker = createSelfIntegrityChecker({ rootDir: root, manifest, hashFile });
  const aborted = await checker.check();
  assert.equal(aborted, { findings: [], filesChecked: 1, aborted: true });
  const next = await checker.check();
  assert.is(next.aborted, undefined);
  assert.equal(next.findings.map((f) => f.status), ['mismatch'], 'the next check runs in full');
});

test('a changed file is reported as a mismatch with its absolute path, on every check', async () => {
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await manifestRoundTrip(), hashFile: sha256File });
  const target = path.join(root, 'build/dist/main.js');
  fs.writeFileSync(target, 'tampered');
  const expected = [
    { type: 'integrity', status: 'mismatch', file: target, expected: sha('content of build/dist/main.js'), actual: sha('tampered') },
  ];
  assert.equal((await checker.check()).findings, expected);
  assert.equal((await checker.check()).findings, expected);
});

test('a missing file is reported as missing', async () => {
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await manifestRoundTrip(), hashFile: sha256File });
  const target = path.join(root, 'bin/lsmwatch.js');
  fs.rmSync(target);
  const { findings, filesChecked } = await checker.check();
  assert.is(filesChecked, 3);
  assert.equal(findings, [{ type: 'integrity', status: 'missing', file: target, expected: sha('content of bin/lsmwatch.js') }]);
});

test('a file replaced by a directory is reported as unreadable', async () => {
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await manifestRoundTrip(), hashFile: sha256File });
  const target = path.join(root, 'build/bpf/lsm.bpf.o');
  fs.rmSync(target);
  fs.mkdirSync(target);
  const { findings } = await checker.check();
  assert.is(findings.length, 1);
  assert.is(findings[0]!.status, 'unreadable');
  assert.is(findings[0]!.file, target);
  assert.match(findings[0]!.error!, /EISDIR/);
});

test('an EACCES from hashFile is reported as unreadable; other files are still checked', async () => {
  const manifest = await manifestRoundTrip();
  const denied = path.join(root, 'bin/lsmwatch.js');
  const hashed: string[] = [];
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest,
    hashFile: async (p) => {
      hashed.push(p);
      if (p === denied) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
      return sha256File(p);
    },
  });
  const { findings, filesChecked } = await checker.check();
  assert.equal(findings, [
    {
      type: 'integrity',
      status: 'unreadable',
      file: denied,
      expected: manifest.files['bin/lsmwatch.js']!.sha256,
      error: `EACCES: permission denied, open '${denied}'`,
    },
  ]);
  assert.is(filesChecked, 3);
  assert.is(hashed.length, 3);
});

test('a path component turned into a file (ENOTDIR) counts as missing', async () => {
  const manifest = await manifestRoundTrip();
  fs.rmSync(path.join(root, 'build/bpf'), { recursive: true });
  fs.writeFileSync(path.join(root, 'build/bpf'), 'x');
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest, hashFile: sha256File });
  const { findings } = await checker.check();
  assert.equal(findings.map((f) => [f.status, f.file]), [['missing', path.join(root, 'build/bpf/lsm.bpf.o')]]);
});

test('extra files (the loaded policy) are checked by absolute path', async () => {
  const policy = path.join(root, 'policy.json');
  fs.writeFileSync(policy, '{"a":1}');
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest: await manifestRoundTrip(),
    extraFiles: [{ path: policy, sha256: sha('{"a":1}') }],
    hashFile: sha256File,
  });
  assert.equal(await checker.check(), { findings: [], filesChecked: 4 });
  fs.writeFileSync(policy, '{"a":2}');
  assert.equal((await checker.check()).findings, [
    { type: 'integrity', status: 'mismatch', file: policy, expected: sha('{"a":1}'), actual: sha('{"a":2}') },
  ]);
});

test('the node executable the manifest records is checked by absolute path and named in findings', async () => {
  const node = path.join(root, 'node');
  fs.writeFileSync(node, 'node v20');
  const out = path.join(root, 'build/manifest.json');
  await writeManifest(out, await createManifest(root, files, { executable: node }));
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await readManifest(out), hashFile: sha256File });
  assert.equal((await checker.check()).filesChecked, 4);
  fs.writeFileSync(node, 'node v20, patched');
  assert.equal((await checker.check()).findings, [{ type: 'integrity', status: 'mismatch', file: node, expected: sha('node v20'), actual: sha('node v20, patched'), name: 'node executable' }]);
  fs.writeFileSync(node, 'node v20');
  assert.equal((await checker.check()).findings, [{ type: 'integrity', status: 'resolved', file: node, name: 'node executable' }]);
});

test('a problem that goes away is reported resolved exactly once', async () => {
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await manifestRoundTrip(), hashFile: sha256File });
  const target = path.join(root, 'build/dist/main.js');
  fs.writeFileSync(target, 'tampered');
  assert.is((await checker.check()).findings[0]!.status, 'mismatch');
  fs.rmSync(target);
  assert.is((await checker.check()).findings[0]!.status, 'missing');
  fs.writeFileSync(target, 'content of build/dist/main.js');
  assert.equal((await checker.check()).findings, [{ type: 'integrity', status: 'resolved', file: target }]);
  assert.equal((await checker.check()).findings, []);
});

test('detached programs and links are reported, and resolved when attached again', async () => {
  let attachments: BpfAttachment[] = [
    { id: 41, kind: 'prog', name: 'lsm_file_open', attached: true },
    { id: 42, kind: 'prog', name: 'lsm_inode_unlink', attached: false },
    { id: 7, kind: 'link', name: 'lsm_file_open', attached: false },
  ];
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest: await manifestRoundTrip(),
    hashFile: sha256File,
    checkAttachments: async () => attachments,
  });
  assert.equal((await checker.check()).findings, [
    { type: 'integrity', status: 'detached', prog_id: 42, kind: 'prog', name: 'lsm_inode_unlink' },
    { type: 'integrity', status: 'detached', prog_id: 7, kind: 'link', name: 'lsm_file_open' },
  ]);
  // Still detached: reported again.
  assert.is((await checker.check()).findings.length, 2);
  attachments = attachments.map((a) => ({ ...a, attached: true }));
  assert.equal((await checker.check()).findings, [
    { type: 'integrity', status: 'resolved', prog_id: 42, kind: 'prog', name: 'lsm_inode_unlink' },
    { type: 'integrity', status: 'resolved', prog_id: 7, kind: 'link', name: 'lsm_file_open' },
  ]);
  assert.equal((await checker.check()).findings, []);
});

test('a failing attachment query is reported and does not resolve earlier detachments', async () => {
  let mode: 'detached' | 'fail' | 'attached' = 'detached';
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest: await manifestRoundTrip(),
    hashFile: sha256File,
    checkAttachments: async () => {
      if (mode === 'fail') throw new Error('bpf(BPF_PROG_GET_NEXT_ID): EPERM');
      return [{ id: 1, kind: 'prog', name: 'p', attached: mode === 'attached' }];
    },
  });
  assert.is((await checker.check()).findings[0]!.status, 'detached');
  mode = 'fail';
  assert.equal((await checker.check()).findings, [
    { type: 'integrity', status: 'unreadable', name: 'bpf attachments', error: 'bpf(BPF_PROG_GET_NEXT_ID): EPERM' },
  ]);
  mode = 'attached';
  assert.equal((await checker.check()).findings.map((f) => f.status), ['resolved']);
});

test('concurrent check() calls share one run', async () => {
  let calls = 0;
  const manifest: Manifest = { version: 1, created: '2025-01-02T03:04:05Z', files: { 'a.js': { sha256: sha('a'), size: 1 } } };
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest,
    hashFile: async () => {
      calls++;
      return sha('a');
    },
  });
  const [a, b] = await Promise.all([checker.check(), checker.check()]);
  assert.is(a, b);
  assert.is(calls, 1);
  await checker.check();
  assert.is(calls, 2);
});

test('hashFile returning uppercase hex still matches', async () => {
  const manifest: Manifest = { version: 1, created: '2025-01-02T03:04:05Z', files: { 'a.js': { sha256: sha('a'), size: 1 } } };
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest, hashFile: async () => sha('a').toUpperCase() });
  assert.equal((await checker.check()).findings, []);
});

test('bad options are rejected up front', () => {
  const manifest: Manifest = { version: 1, created: '2025-01-02T03:04:05Z', files: {} };
  const hashFile = async (p: string) => Promise.reject(enoent(p));
  assert.throws(() => createSelfIntegrityChecker({ rootDir: 'relative', manifest, hashFile }), /rootDir must be absolute/);
  assert.throws(
    () => createSelfIntegrityChecker({ rootDir: root, manifest, hashFile, extraFiles: [{ path: 'policy.json', sha256: sha('x') }] }),
    /not an absolute path/,
  );
  assert.throws(
    () => createSelfIntegrityChecker({ rootDir: root, manifest, hashFile, extraFiles: [{ path: '/etc/p.json', sha256: 'abc' }] }),
    /not a lowercase hex SHA-256/,
  );
});

test('kernel state: a tampered map is reported on every check until it is put right, then resolved once', async () => {
  let problem: string | null = 'protect read back as 0';
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest: await manifestRoundTrip(),
    hashFile: sha256File,
    checkKernelState: async () => [{ name: 'lw_settings_map', problem }, { name: 'lw_watch', problem: null }],
  });
  const first = await checker.check();
  assert.equal(first.findings, [{ type: 'integrity', status: 'tampered', name: 'lw_settings_map', error: 'protect read back as 0' }]);
  assert.is((await checker.check()).findings.length, 1);
  problem = null;
  assert.equal((await checker.check()).findings, [{ type: 'integrity', status: 'resolved', name: 'lw_settings_map' }]);
  assert.equal((await checker.check()).findings, []);
});

test('kernel state that cannot be read is itself a finding', async () => {
  const checker = createSelfIntegrityChecker({
    rootDir: root,
    manifest: await manifestRoundTrip(),
    hashFile: sha256File,
    checkKernelState: async () => {
      throw new Error('EBADF');
    },
  });
  assert.equal((await checker.check()).findings, [{ type: 'integrity', status: 'unreadable', name: 'kernel state', error: 'EBADF' }]);
});

test('expect(): a reloaded policy is the new expected content, and its earlier mismatch resolves', async () => {
  const policy = path.join(root, 'policy.json');
  fs.writeFileSync(policy, '{"watch":["/etc/"]}');
  const checker = createSelfIntegrityChecker({ rootDir: root, manifest: await manifestRoundTrip(), extraFiles: [{ path: policy, sha256: sha('{"watch":["/etc/"]}') }], hashFile: sha256File });
  fs.writeFileSync(policy, '{"watch":["/srv/"]}');
  assert.equal((await checker.check()).findings.map((f) => f.status), ['mismatch'], 'edited and not reloaded: reported');
  checker.expect({ path: policy, sha256: sha('{"watch":["/srv/"]}') });
  assert.equal((await checker.check()).findings, [{ type: 'integrity', status: 'resolved', file: policy }]);
  assert.equal((await checker.check()).findings, []);
  assert.throws(() => checker.expect({ path: 'relative', sha256: sha('') }), /not an absolute path/);
  assert.throws(() => checker.expect({ path: policy, sha256: 'nothex' }), /lowercase hex/);
});

test.run();
