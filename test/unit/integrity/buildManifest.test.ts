import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBuildManifestArgs, runBuildManifest } from '../../../src/integrity/buildManifest.js';
import { readManifest } from '../../../src/integrity/manifest.js';

let root = '';
let out: string[] = [];
let err: string[] = [];
test.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-build-'));
  out = [];
  err = [];
  for (const rel of ['build/dist/cli/main.js', 'build/dist/integrity/buildManifest.js', 'bin/lsmwatch.js', 'build/native/lsmwatch.node', 'build/bpf/lsm.bpf.o']) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), rel);
  }
});
test.after.each(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const io = () => ({
  cwd: root,
  stdout: (line: string) => out.push(line),
  stderr: (line: string) => err.push(line),
  now: () => new Date('2025-01-02T03:04:05.000Z'),
});
const makefileArgs = ['build/dist', 'bin/lsmwatch.js', 'build/native/lsmwatch.node', 'build/bpf/*.bpf.o'];

test('writes the manifest for the Makefile inputs', async () => {
  const code = await runBuildManifest(['--root', root, '--out', 'build/manifest.json', ...makefileArgs], io());
  assert.is(code, 0);
  assert.equal(err, []);
  assert.equal(out, ['buildManifest: wrote build/manifest.json (5 files, 0 of them runtime node_modules)']);
  const manifest = await readManifest(path.join(root, 'build/manifest.json'));
  assert.equal(Object.keys(manifest.files), [
    'bin/lsmwatch.js',
    'build/bpf/lsm.bpf.o',
    'build/dist/cli/main.js',
    'build/dist/integrity/buildManifest.js',
    'build/native/lsmwatch.node',
  ]);
  assert.is(manifest.created, '2025-01-02T03:04:05.000Z');
});

/** A package-lock with chalk and a nested dependency, installed under root/node_modules. */
function installPackages(lock: Record<string, unknown>, files: string[]): void {
  fs.writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: lock }));
  for (const rel of files) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), rel);
  }
}

test('--runtime-dependencies adds the loadable files of the production node_modules, from package-lock.json', async () => {
  installPackages(
    {
      '': { dependencies: { chalk: '^5' }, devDependencies: { typescript: '^5' } },
      'node_modules/chalk': { version: '5.6.2', dependencies: { helper: '^1' } },
      'node_modules/chalk/node_modules/helper': { version: '1.0.0' },
      'node_modules/typescript': { version: '5.9.3', dev: true },
    },
    [
      'node_modules/chalk/package.json',
      'node_modules/chalk/source/index.js',
      'node_modules/chalk/readme.md',
      'node_modules/chalk/node_modules/helper/index.cjs',
      'node_modules/typescript/lib/tsc.js',
    ],
  );
  fs.writeFileSync(path.join(root, 'build/dist/cli/main.js'), "import { Chalk } from 'chalk';\nimport { readFileSync } from 'node:fs';\nimport path from 'path';\n");
  const code = await runBuildManifest(['--root', root, '--out', 'build/manifest.json', '--runtime-dependencies', ...makefileArgs], io());
  assert.equal(err, []);
  assert.is(code, 0);
  const manifest = await readManifest(path.join(root, 'build/manifest.json'));
  const modules = Object.keys(manifest.files).filter((k) => k.startsWith('node_modules/'));
  assert.equal(modules, ['node_modules/chalk/node_modules/helper/index.cjs', 'node_modules/chalk/package.json', 'node_modules/chalk/source/index.js']);
  assert.match(out[0], /3 of them runtime node_modules/);
});

test('--runtime-dependencies fails when the build imports a package that is not a production dependency', async () => {
  installPackages({ '': { dependencies: {} }, 'node_modules/typescript': { version: '5.9.3', dev: true } }, ['node_modules/typescript/lib/tsc.js']);
  fs.writeFileSync(path.join(root, 'build/dist/cli/main.js'), "const ts = await import('typescript');\n");
  assert.is(await runBuildManifest(['--root', root, '--out', 'build/manifest.json', '--runtime-dependencies', ...makefileArgs], io()), 1);
  assert.match(err.join('\n'), /build\/dist\/cli\/main\.js imports typescript, which is not a production dependency/);
  assert.not.ok(fs.existsSync(path.join(root, 'build/manifest.json')));
});

test('--executable records the node executable; it must be absolute', async () => {
  fs.writeFileSync(path.join(root, 'node'), 'an executable');
  assert.is(await runBuildManifest(['--root', root, '--out', 'build/manifest.json', '--executable', path.join(root, 'node'), ...makefileArgs], io()), 0);
  const manifest = await readManifest(path.join(root, 'build/manifest.json'));
  assert.is(manifest.executable?.path, path.join(root, 'node'));
  assert.is(manifest.executable?.size, 13);
  assert.equal(parseBuildManifestArgs(['--root', '.', '--out', 'm.json', '--executable', 'node', 'a']), { error: '--executable needs an absolute path' });
});

test('rebuilding with the manifest inside an input directory does not list it', async () => {
  const args = ['--root', '.', '--out', 'build/dist/manifest.json', 'build/dist'];
  assert.is(await runBuildManifest(args, io()), 0);
  assert.is(await runBuildManifest(args, io()), 0);
  const manifest = await readManifest(path.join(root, 'build/dist/manifest.json'));
  assert.equal(Object.keys(manifest.files), ['build/dist/cli/main.js', 'build/dist/integrity/buildManifest.js']);
});

test('a missing input exits 1 naming it and writes nothing', async () => {
  fs.rmSync(path.join(root, 'build/native/lsmwatch.node'));
  const code = await runBuildManifest(['--root', root, '--out', 'build/manifest.json', ...makefileArgs], io());
  assert.is(code, 1);
  assert.equal(err, ['buildManifest: build/native/lsmwatch.node: no such file or directory']);
  assert.not.ok(fs.existsSync(path.join(root, 'build/manifest.json')));
});

test('usage errors exit 2', async () => {
  assert.is(await runBuildManifest(['--out', 'm.json', 'bin'], io()), 2);
  assert.match(err[0]!, /--root is required/);
  assert.match(err[1]!, /^usage:/);
});

test('parseBuildManifestArgs', () => {
  assert.equal(parseBuildManifestArgs(['--root', '/r', '--out', 'o.json', 'a', '--', '--odd']), { root: '/r', out: 'o.json', inputs: ['a', '--odd'] });
  assert.equal(parseBuildManifestArgs(['--root', '/r', '--out', 'o.json']), { error: 'no input files given' });
  assert.equal(parseBuildManifestArgs(['--root']), { error: '--root needs a value' });
  assert.equal(parseBuildManifestArgs(['--root', '/r', '--out', 'o', '-v', 'a']), { error: 'unknown option -v' });
});

test('run as a script: missing input gives exit status 1 and a message', () => {
  const script = fileURLToPath(new URL('../../../src/integrity/buildManifest.ts', import.meta.url));
  // Resolved here: the child runs in the temp root, where a bare 'tsx' would not be found.
  const tsx = import.meta.resolve('tsx');
  const result = spawnSync(process.execPath, ['--import', tsx, script, '--root', root, '--out', 'build/manifest.json', 'build/nope.o'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.is(result.status, 1, result.stderr);
  assert.match(result.stderr, /buildManifest: build\/nope\.o: no such file or directory/);
});

test.run();
