import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type DpkgFs, DpkgOwnerIndex, detectUsrMerge, formatOwner, parseDiversions, usrMergeAlias } from '../../../src/packages/dpkgOwner.js';

const INFO = fileURLToPath(new URL('../../fixtures/dpkg/info', import.meta.url));

/** node:fs with a count of what was read. */
function countingFs(): DpkgFs & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readdir: (dir) => fsp.readdir(dir),
    readFile: (path) => {
      reads.push(path);
      return fsp.readFile(path);
    },
    stat: (path) => fsp.stat(path),
  };
}

/** An in-memory dpkg database whose files the test changes. */
function memoryFs(files: Map<string, string>, dirMtime: { value: number }): DpkgFs {
  return {
    readdir: async (dir) => [...files.keys()].filter((p) => p.startsWith(dir + '/')).map((p) => p.slice(dir.length + 1)),
    readFile: async (path) => {
      const text = files.get(path);
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return Buffer.from(text);
    },
    stat: async (path) => {
      if (path === '/db/info') return { mtimeMs: dirMtime.value, size: 4096, isFile: () => false };
      const text = files.get(path);
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { mtimeMs: 1, size: Buffer.byteLength(text), isFile: () => true };
    },
  };
}

test('owners from the file lists, with multi-arch names and shared paths', async () => {
  const index = new DpkgOwnerIndex({ infoDir: INFO });
  assert.equal(await index.lookup('/bin/ls'), { packages: ['coreutils'] });
  assert.equal(await index.lookup('/usr/bin/env'), { packages: ['coreutils', 'shared'] });
  assert.equal(await index.lookup('/lib/x86_64-linux-gnu/libc.so.6'), { packages: ['libc6:amd64'] });
  assert.is(await index.lookup('/usr/local/bin/backdoor'), null);
  assert.is(await index.lookup('relative/path'), null);
  assert.is(formatOwner(await index.lookup('/usr/bin/env')), 'coreutils, shared');
  assert.is(formatOwner(null), undefined);
});

test('merged /usr: the kernel\'s /usr/bin/ls is the /bin/ls coreutils lists (and only when merged)', async () => {
  assert.equal(await new DpkgOwnerIndex({ infoDir: INFO, usrMerged: true }).lookup('/usr/bin/ls'), { packages: ['coreutils'] });
  assert.is(await new DpkgOwnerIndex({ infoDir: INFO, usrMerged: false }).lookup('/usr/bin/ls'), null);
  assert.is(usrMergeAlias('/usr/bin/ls'), '/bin/ls');
  assert.is(usrMergeAlias('/lib64/ld.so'), '/usr/lib64/ld.so');
  assert.is(usrMergeAlias('/usr/share/x'), null);
  assert.is(usrMergeAlias('/binx/y'), null);
  assert.is(await detectUsrMerge(async () => ({ isSymbolicLink: () => true })), true);
  assert.is(await detectUsrMerge(async () => { throw new Error('ENOENT'); }), false);
});

test('diversions: the diverting package owns the original name, the diverted file keeps its package', async () => {
  const index = new DpkgOwnerIndex({ infoDir: INFO, usrMerged: true });
  const sh = { from: '/bin/sh', to: '/bin/sh.distrib', by: 'dash' };
  assert.equal(await index.lookup('/bin/sh'), { packages: ['dash'], diversion: sh });
  assert.equal(await index.lookup('/usr/bin/sh'), { packages: ['dash'], diversion: sh }, 'under its merged name too');
  assert.equal(await index.lookup('/bin/sh.distrib'), { packages: ['bash'], diversion: sh });
  // a local diversion (dpkg-divert --local): the file at the original name is nobody's package
  const ldd = { from: '/usr/bin/ldd', to: '/usr/bin/ldd.real', by: null };
  assert.equal(await index.lookup('/usr/bin/ldd'), { packages: [], diversion: ldd });
  assert.is(formatOwner(await index.lookup('/usr/bin/ldd')), 'local diversion to /usr/bin/ldd.real');
  assert.equal(await index.lookup('/usr/bin/ldd.real'), { packages: ['libc6:amd64'], diversion: ldd });
  assert.equal(parseDiversions('/a\n/b\npkg\n/c\nbroken\n'), [{ from: '/a', to: '/b', by: 'pkg' }], 'stops at a malformed triple');
});

test('lazy and cached: nothing read before the first lookup, nothing again until dpkg changes', async () => {
  const fs = countingFs();
  let clock = 0;
  const index = new DpkgOwnerIndex({ infoDir: INFO, fs, now: () => clock, recheckMs: 1000 });
  assert.is(fs.reads.length, 0);
  assert.is(index.stats(), null);
  await Promise.all([index.lookup('/bin/ls'), index.lookup('/bin/cat'), index.lookup('/bin/bash')]);
  const firstBuild = fs.reads.length;
  assert.ok(firstBuild > 0);
  assert.not.ok(fs.reads.some((p) => p.endsWith('.md5sums')), 'only the .list files');
  await index.lookup('/usr/bin/env');
  clock = 5000; // recheck: the database did not change
  await index.lookup('/usr/bin/env');
  assert.is(fs.reads.length, firstBuild, 'one build for concurrent lookups and none after');
  assert.equal(index.stats(), { entries: 16, listFiles: 5, skippedLists: 0, truncated: false });
});

test('a package installed later is found once dpkg\'s database changes', async () => {
  const files = new Map([['/db/info/a.list', '/usr/bin/a\n']]);
  const mtime = { value: 1 };
  let clock = 0;
  const index = new DpkgOwnerIndex({ infoDir: '/db/info', fs: memoryFs(files, mtime), now: () => clock, recheckMs: 1000 });
  assert.equal(await index.lookup('/usr/bin/a'), { packages: ['a'] });
  assert.is(await index.lookup('/usr/bin/b'), null);
  files.set('/db/info/b.list', '/usr/bin/b\n');
  mtime.value = 2;
  assert.is(await index.lookup('/usr/bin/b'), null, 'not before the recheck interval');
  clock = 2000;
  assert.equal(await index.lookup('/usr/bin/b'), { packages: ['b'] });
});

test('bounded: prefixes limit what is indexed, entries and list sizes are capped, junk lines ignored', async () => {
  const files = new Map([
    ['/db/info/a.list', '/usr/bin/a\n/etc/a.conf\nnot-a-path\n/' + 'x'.repeat(5000) + '\n/usr/bin/a2\n'],
    ['/db/info/huge.list', '/usr/bin/huge\n' + '/usr/share/pad\n'.repeat(1000)],
  ]);
  const fs = memoryFs(files, { value: 1 });
  const scoped = new DpkgOwnerIndex({ infoDir: '/db/info', fs, prefixes: ['/usr/bin'], maxListBytes: 10_000 });
  assert.equal(await scoped.lookup('/usr/bin/a'), { packages: ['a'] });
  assert.is(await scoped.lookup('/etc/a.conf'), null, 'outside the prefixes: not looked up');
  assert.is(await scoped.lookup('/usr/bin/huge'), null, 'the oversized list is skipped');
  assert.equal(scoped.stats(), { entries: 2, listFiles: 1, skippedLists: 1, truncated: false });
  const capped = new DpkgOwnerIndex({ infoDir: '/db/info', fs, maxEntries: 1 });
  assert.equal(await capped.lookup('/usr/bin/a'), { packages: ['a'] });
  assert.is(await capped.lookup('/usr/bin/a2'), null);
  assert.is(capped.stats()!.truncated, true);
});

test('no dpkg database (an RPM system): every lookup is null, nothing throws', async () => {
  const index = new DpkgOwnerIndex({ infoDir: '/nonexistent/dpkg/info' });
  assert.is(await index.lookup('/usr/bin/ls'), null);
  assert.equal(index.stats(), { entries: 0, listFiles: 0, skippedLists: 0, truncated: false });
});

test.run();
