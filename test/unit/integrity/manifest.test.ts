import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ManifestError,
  createManifest,
  parseManifest,
  readManifest,
  relativePathProblem,
  serializeManifest,
  writeManifest,
  type Manifest,
} from '../../../src/integrity/manifest.js';

let dir = '';
test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-manifest-'));
});
test.after.each(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The rejection of `fn()`, failing the test if it resolves. */
async function rejection(fn: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    assert.instance(err, Error);
    return err as Error & { code?: string };
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

const sha = (data: string) => createHash('sha256').update(data).digest('hex');
const fixedClock = () => new Date('2025-01-02T03:04:05.000Z');

function write(rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), content);
}

function validManifest(): Manifest {
  return { version: 1, created: '2025-01-02T03:04:05.000Z', files: { 'a.js': { sha256: sha('a'), size: 1 } } };
}

test('createManifest hashes files into sorted, de-duplicated entries', async () => {
  write('b/x.js', 'xx');
  write('a.js', 'a');
  const manifest = await createManifest(dir, ['b/x.js', 'a.js', 'a.js'], { now: fixedClock });
  assert.equal(manifest, {
    version: 2,
    created: '2025-01-02T03:04:05.000Z',
    files: { 'a.js': { sha256: sha('a'), size: 1 }, 'b/x.js': { sha256: sha('xx'), size: 2 } },
  });
  assert.equal(Object.keys(manifest.files), ['a.js', 'b/x.js']);
});

test('createManifest records the node executable by absolute path (version 2), and reads back', async () => {
  write('a.js', 'a');
  write('node', 'an executable');
  const manifest = await createManifest(dir, ['a.js'], { now: fixedClock, executable: path.join(dir, 'node') });
  assert.equal(manifest.executable, { path: path.join(dir, 'node'), sha256: sha('an executable'), size: 13 });
  const file = path.join(dir, 'manifest.json');
  await writeManifest(file, manifest);
  assert.equal(await readManifest(file), manifest);
  assert.match((await rejection(() => createManifest(dir, ['a.js'], { executable: 'node' }))).message, /absolute/);
});

test('createManifest rejects paths that leave the root and missing files', async () => {
  assert.match((await rejection(() => createManifest(dir, ['../etc/passwd']))).message, /"\.\." components/);
  assert.match((await rejection(() => createManifest(dir, ['/etc/passwd']))).message, /absolute/);
  const err = await createManifest(dir, ['nope.js']).catch((e: NodeJS.ErrnoException) => e);
  assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
});

test('write then read round-trips; the file is 0644 and no temp file is left', async () => {
  write('a.js', 'a');
  write('lib/b.js', 'bee');
  const manifest = await createManifest(dir, ['a.js', 'lib/b.js']);
  const out = path.join(dir, 'manifest.json');
  await writeManifest(out, manifest);
  assert.equal(await readManifest(out), manifest);
  assert.is(fs.statSync(out).mode & 0o777, 0o644);
  assert.equal(fs.readdirSync(dir).sort(), ['a.js', 'lib', 'manifest.json']);
  assert.is(fs.readFileSync(out, 'utf8'), serializeManifest(manifest));
});

test('writeManifest replaces an existing manifest', async () => {
  const out = path.join(dir, 'manifest.json');
  fs.writeFileSync(out, 'old');
  await writeManifest(out, validManifest());
  assert.equal(await readManifest(out), validManifest());
});

test('writeManifest refuses an invalid manifest and leaves nothing behind', async () => {
  const out = path.join(dir, 'manifest.json');
  const bad = { ...validManifest(), files: { '../x': { sha256: sha('a'), size: 1 } } };
  assert.instance(await rejection(() => writeManifest(out, bad)), ManifestError);
  assert.equal(fs.readdirSync(dir), []);
});

test('writeManifest into a missing directory fails without leaving a temp file', async () => {
  assert.is((await rejection(() => writeManifest(path.join(dir, 'no', 'manifest.json'), validManifest()))).code, 'ENOENT');
  assert.equal(fs.readdirSync(dir), []);
});

test('a "__proto__" key stays an ordinary entry', () => {
  const raw = JSON.parse(`{"version":1,"created":"2025-01-02T03:04:05Z","files":{"__proto__":{"sha256":"${sha('p')}","size":1}}}`);
  const manifest = parseManifest(raw, 'm.json');
  assert.equal(Object.keys(manifest.files), ['__proto__']);
  assert.is(Object.getPrototypeOf(manifest.files), Object.prototype);
});

const malformed: [string, string, RegExp][] = [
  ['not JSON', '{"version":1,', /valid JSON/],
  ['an array', '[]', /\(top level\): expected an object/],
  ['wrong version', JSON.stringify({ ...validManifest(), version: 3 }), /version: expected 1 or 2/],
  ['executable in a version 1 manifest', JSON.stringify({ ...validManifest(), executable: { path: '/usr/bin/node', sha256: sha('n'), size: 1 } }), /executable: expected absent/],
  ['relative executable', JSON.stringify({ ...validManifest(), version: 2, executable: { path: 'usr/bin/node', sha256: sha('n'), size: 1 } }), /executable\.path: expected an absolute path/],
  ['executable with ..', JSON.stringify({ ...validManifest(), version: 2, executable: { path: '/usr/../bin/node', sha256: sha('n'), size: 1 } }), /executable\.path: expected a normalized path/],
  ['executable without digest', JSON.stringify({ ...validManifest(), version: 2, executable: { path: '/usr/bin/node', size: 1 } }), /executable\.sha256/],
  ['executable with an unknown key', JSON.stringify({ ...validManifest(), version: 2, executable: { path: '/usr/bin/node', sha256: sha('n'), size: 1, x: 1 } }), /executable\.x/],
  ['missing version', JSON.stringify({ created: validManifest().created, files: {} }), /version/],
  ['unknown top-level key', JSON.stringify({ ...validManifest(), extra: true }), /extra: expected only the keys/],
  ['created not a date', JSON.stringify({ ...validManifest(), created: 'yesterday' }), /created: expected an RFC 3339/],
  ['created impossible', JSON.stringify({ ...validManifest(), created: '2025-13-45T99:00:00Z' }), /created/],
  ['files an array', JSON.stringify({ ...validManifest(), files: [] }), /files: expected an object/],
  ['absolute key', JSON.stringify({ ...validManifest(), files: { '/etc/shadow': { sha256: sha('a'), size: 1 } } }), /absolute/],
  ['dot-dot key', JSON.stringify({ ...validManifest(), files: { 'a/../../x': { sha256: sha('a'), size: 1 } } }), /"\.\." components/],
  ['empty component', JSON.stringify({ ...validManifest(), files: { 'a//b': { sha256: sha('a'), size: 1 } } }), /empty components/],
  ['entry not an object', JSON.stringify({ ...validManifest(), files: { 'a.js': 'abc' } }), /files\["a\.js"\]: expected an object/],
  ['uppercase digest', JSON.stringify({ ...validManifest(), files: { 'a.js': { sha256: sha('a').toUpperCase(), size: 1 } } }), /sha256: expected a lowercase hex/],
  ['short digest', JSON.stringify({ ...validManifest(), files: { 'a.js': { sha256: 'abc', size: 1 } } }), /sha256/],
  ['negative size', JSON.stringify({ ...validManifest(), files: { 'a.js': { sha256: sha('a'), size: -1 } } }), /size: expected a non-negative integer/],
  ['fractional size', JSON.stringify({ ...validManifest(), files: { 'a.js': { sha256: sha('a'), size: 1.5 } } }), /size/],
  ['string size', JSON.stringify({ ...validManifest(), files: { 'a.js': { sha256: sha('a'), size: '1' } } }), /size/],
  ['unknown entry key', JSON.stringify({ ...validManifest(), files: { 'a.js': { sha256: sha('a'), size: 1, mode: 420 } } }), /mode: expected only the keys/],
];

for (const [name, text, message] of malformed) {
  test(`readManifest rejects ${name}`, async () => {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, text);
    const err = await readManifest(file).catch((e: unknown) => e);
    assert.instance(err, ManifestError);
    assert.match((err as Error).message, message);
    assert.ok((err as Error).message.startsWith(`${file}: invalid manifest: `), (err as Error).message);
  });
}

test('readManifest rejects a directory and a missing file', async () => {
  assert.match((await rejection(() => readManifest(dir))).message, /expected a regular file/);
  const err = await readManifest(path.join(dir, 'none.json')).catch((e: NodeJS.ErrnoException) => e);
  assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
});

test('readManifest accepts an offset timestamp and an empty file list', async () => {
  const file = path.join(dir, 'manifest.json');
  fs.writeFileSync(file, JSON.stringify({ version: 1, created: '2025-01-02T03:04:05+02:00', files: {} }));
  assert.equal(await readManifest(file), { version: 1, created: '2025-01-02T03:04:05+02:00', files: {} });
});

test('relativePathProblem', () => {
  assert.is(relativePathProblem('dist/a.js'), null);
  assert.is(relativePathProblem('..hidden/a'), null);
  assert.ok(relativePathProblem(''));
  assert.ok(relativePathProblem('./a'));
  assert.ok(relativePathProblem('a/'));
  assert.ok(relativePathProblem('a\0b'));
});

test.run();
