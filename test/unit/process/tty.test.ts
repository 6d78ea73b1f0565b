import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ttyFromDeviceNumber, ttyFromKernelName } from '../../../src/process/tty.js';

test('kernel tty names as /dev names', () => {
  assert.is(ttyFromKernelName('pts3'), 'pts/3');
  assert.is(ttyFromKernelName('tty1'), 'tty1');
  assert.is(ttyFromKernelName('ttyS0'), 'ttyS0');
  assert.is(ttyFromKernelName(''), null);
});

test('tty_nr of /proc/PID/stat', () => {
  assert.is(ttyFromDeviceNumber(0), null);
  assert.is(ttyFromDeviceNumber((136 << 8) | 3), 'pts/3');
  assert.is(ttyFromDeviceNumber((137 << 8) | 1), 'pts/257');
  assert.is(ttyFromDeviceNumber((136 << 8) | 44 | (1 << 20)), 'pts/300', 'minor bits above 255 sit at bit 20');
  assert.is(ttyFromDeviceNumber((4 << 8) | 1), 'tty1');
  assert.is(ttyFromDeviceNumber((4 << 8) | 64), 'ttyS0');
  assert.is(ttyFromDeviceNumber((5 << 8) | 1), 'console');
  assert.is(ttyFromDeviceNumber((204 << 8) | 64), '204:64');
});

test.run();
