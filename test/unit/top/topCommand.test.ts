import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colorWanted, parseTopArgs, runTopCommand } from '../../../src/top/topCommand.js';
import { startControlServer } from '../../../src/control/controlServer.js';

test('arguments', () => {
  assert.equal(parseTopArgs([]), { path: '/run/lsmwatch/control.sock', intervalMs: 1000, once: false });
  assert.equal(parseTopArgs(['--control=/tmp/c', '--interval', '0.5', '--once']), { path: '/tmp/c', intervalMs: 500, once: true });
  assert.match(String(parseTopArgs(['--interval', '0'])), /--interval/);
  assert.match(String(parseTopArgs(['-x'])), /usage: lsmwatch top/);
});

test('colour: only on a terminal, and NO_COLOR (set, not empty) turns it off', () => {
  assert.is(colorWanted(true, {}), true);
  assert.is(colorWanted(false, {}), false);
  assert.is(colorWanted(true, { NO_COLOR: '1' }), false);
  assert.is(colorWanted(true, { NO_COLOR: '' }), true);
});

test('--once without a terminal: two samples, one plain frame with rates, exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-top-'));
  const path = join(dir, 'c.sock');
  let asked = 0;
  const server = await startControlServer(path, {
    handle: () => {
      asked++;
      return {
        ok: true, command: 'top', time: '2026-12-01T12:00:00Z', version: '0.1.0', sensor: 'lsm', pid: 1, uptime_seconds: 1,
        events: { open: asked * 10 }, operations: { open: asked * 10 }, alerts: [], recent_alerts: [], lost: 0, losses: {},
        kernel: { seen: 0, filtered: 0, emitted: 0 }, queue: { bytes: 0, capacity: 1 }, processes: [], paths: [], policy_sha256: 'ab', watch_entries: 1, healthy: true,
      };
    },
  });
  try {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d) => (text += d));
    const code = await runTopCommand(['--control', path, '--once', '--interval', '0.2'], { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} });
    assert.is(code, 0);
    assert.is(asked, 2);
    assert.match(text, /^open\s+\d+(\.\d)?\s+20\s/m);
    assert.not.match(text, /\x1b/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no agent: one line, exit 1', async () => {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d) => (text += d));
  const code = await runTopCommand(['--control', '/nonexistent/c.sock', '--once'], { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} });
  assert.is(code, 1);
  assert.match(text, /^lsmwatch: no agent answers on \/nonexistent\/c\.sock \(ENOENT\)\n$/);
});

test.run();
