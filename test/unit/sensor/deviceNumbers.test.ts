import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { kernelDevFromStat, userDev } from '../../../src/sensor/deviceNumbers.js';

// ---- userDev ----

test('userDev: kernel MAJOR<<20|MINOR to the st_dev numbering of stat()', () => {
  assert.is(userDev((254 << 20) | 0), 65024); // dm-0
  assert.is(userDev((8 << 20) | 1), 2049); // sda1
  assert.is(userDev((259 << 20) | 3), (259 << 8) | 3); // nvme0n1p3: major > 255
  assert.is(userDev(0x12345), 0x45 | (0x123 << 20)); // anonymous dev with a large minor (major 0)
  assert.is(userDev((0 << 20) | 27), 27);
});

test('userDev agrees with fs.statSync on this host', () => {
  const st = statSync('/').dev;
  // glibc major()/minor() of the user st_dev, then the kernel encoding
  const major = Math.floor(st / 2 ** 8) % 2 ** 12;
  const minor = (st % 2 ** 8) + (Math.floor(st / 2 ** 20) % 2 ** 12) * 2 ** 8;
  assert.is(userDev(major * 2 ** 20 + minor), st);
});

test('kernelDevFromStat inverts userDev for the devices of this host', () => {
  for (const path of ['/', '/proc', '/sys']) {
    const dev = statSync(path, { bigint: true }).dev;
    assert.is(userDev(kernelDevFromStat(dev)), Number(dev), path);
  }
});

test.run();
