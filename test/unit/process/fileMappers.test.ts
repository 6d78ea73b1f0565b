import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findSharedMapper, mapsDevice, mapsShareFile } from '../../../src/process/fileMappers.js';

const MAPS = [
  '55d0c0a00000-55d0c0a21000 r--p 00000000 fe:00 260689                     /usr/bin/node',
  '7f1c2a000000-7f1c2a001000 rw-s 00000000 00:28 49                         /tmp/x/w/map_fork',
  '7f1c2a100000-7f1c2a101000 rw-p 00000000 00:28 50                         /tmp/x/w/private',
  '7ffd1a1f0000-7ffd1a211000 rw-p 00000000 00:00 0                          [stack]',
  'garbage',
  '',
].join('\n');

test('mapsDevice prints the kernel dev_t as maps does (hex MAJ:MIN, at least two digits each)', () => {
  assert.is(mapsDevice((0xfe << 20) | 0), 'fe:00');
  assert.is(mapsDevice((0 << 20) | 0x28), '00:28');
  assert.is(mapsDevice((259 << 20) | 3), '103:03');
});

test('mapsShareFile: a shared mapping of the inode on the device; private mappings and other files are not', () => {
  assert.ok(mapsShareFile(MAPS, '00:28', 49n));
  assert.not.ok(mapsShareFile(MAPS, '00:28', 50n), 'private');
  assert.not.ok(mapsShareFile(MAPS, 'fe:00', 49n), 'another device');
  assert.not.ok(mapsShareFile(MAPS, '00:28', 4n), 'inode 4 is not 49 (whole-field match)');
  assert.not.ok(mapsShareFile('', '00:28', 49n));
});

test('findSharedMapper: the first other process mapping the file; a gone process and the one excepted are skipped', () => {
  const maps: Record<number, string | null> = { 1: '', 7: MAPS, 8: null, 9: MAPS };
  const io = { listPids: () => [1, 7, 8, 9], readMaps: (pid: number) => maps[pid] ?? null };
  assert.is(findSharedMapper(io, 0x28, 49n, 7), 9);
  assert.is(findSharedMapper(io, 0x28, 49n, 1), 7);
  assert.is(findSharedMapper(io, 0x28, 51n, 0), null);
});

test.run();
