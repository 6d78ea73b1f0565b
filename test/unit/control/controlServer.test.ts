import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer } from '../../../src/control/controlServer.js';

test('replies come back in request order, also when an earlier one is slow (a reload)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-ctl-'));
  const path = join(dir, 'run', 'c.sock');
  const server = await startControlServer(path, {
    handle: (r) =>
      r.command === 'reload'
        ? new Promise((res) => setTimeout(() => res({ ok: true, status: 'reloaded', policy_sha256: 'a', changes: {}, requires_restart: [] }), 50))
        : { ok: true, sensor: 'lsm', enforcement: true, forbid_ptrace: 'off' },
  });
  try {
    assert.is(statSync(path).mode & 0o777, 0o600);
    const lines = await new Promise<string[]>((resolve, reject) => {
      const s = createConnection(path);
      let got = '';
      s.setEncoding('utf8');
      s.on('connect', () => s.write('{"command":"reload"}\n{"command":"status"}\n'));
      s.on('data', (d: string) => {
        got += d;
        if (got.split('\n').length > 2) {
          s.end();
          resolve(got.trim().split('\n'));
        }
      });
      s.on('error', reject);
    });
    assert.equal(lines.map((l) => Object.keys(JSON.parse(l))[1]), ['status', 'sensor']);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
