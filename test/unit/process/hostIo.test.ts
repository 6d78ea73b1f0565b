import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostProcIo, listPids, readBounded } from '../../../src/process/hostIo.js';

test('reads are bounded and never throw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-hostio-'));
  try {
    writeFileSync(join(dir, 'f'), 'x'.repeat(10_000));
    assert.is(readBounded(join(dir, 'f'), 100)?.length, 100);
    assert.is(readBounded(join(dir, 'f'), 20_000)?.length, 10_000);
    assert.is(readBounded(join(dir, 'missing'), 10), null);
    assert.is(readBounded(dir, 10), null, 'a directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('this process through /proc: stat, exe, cmdline', () => {
  const stat = readBounded(`/proc/${process.pid}/stat`, 2048)?.toString();
  assert.match(stat ?? '', new RegExp(`^${process.pid} \\(`));
  assert.ok(hostProcIo.readlink(`/proc/${process.pid}/exe`)?.length);
  assert.ok(hostProcIo.stat(`/proc/${process.pid}/exe`)?.ino);
  assert.is(hostProcIo.readlink('/proc/0/exe'), null);
  assert.ok(listPids().includes(process.pid));
});

test.run();
