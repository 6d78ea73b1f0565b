import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordExecutable } from '../../../src/integrity/executable.js';
import { sha256File } from '../../../src/integrity/fileDigest.js';

test('records the running node executable via /proc/self/exe', async () => {
  if (!fs.existsSync('/proc/self/exe')) return; // not Linux: nothing to check
  const record = await recordExecutable();
  assert.is(record.path, fs.realpathSync(process.execPath));
  assert.is(record.sha256, await sha256File(process.execPath));
});

test('hashes the link, not the path it names', async () => {
  const hashed: string[] = [];
  const record = await recordExecutable({
    exeLink: '/proc/123/exe',
    hashFile: async (p) => {
      hashed.push(p);
      return 'ab'.repeat(32);
    },
    readLink: async () => '/usr/bin/node (deleted)',
  });
  assert.equal(hashed, ['/proc/123/exe']);
  assert.equal(record, { path: '/usr/bin/node (deleted)', sha256: 'ab'.repeat(32) });
});

test('falls back to the given path when the link cannot be read', async () => {
  const record = await recordExecutable({
    hashFile: async () => 'cd'.repeat(32),
    readLink: async () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    },
    fallbackPath: '/opt/node/bin/node',
  });
  assert.equal(record, { path: '/opt/node/bin/node', sha256: 'cd'.repeat(32) });
});

test('a failure to hash is not hidden', async () => {
  try {
    await recordExecutable({ exeLink: '/nonexistent/exe' });
  } catch (err) {
    assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
    return;
  }
  assert.unreachable('expected a rejection');
});

test.run();
