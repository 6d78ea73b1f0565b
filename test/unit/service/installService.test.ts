import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installService, parseInstallArgs } from '../../../src/service/installService.js';

const defaults = { packageRoot: '/opt/lsmwatch', node: '/usr/bin/node' };

test('arguments: absolute paths; defaults are the system locations', () => {
  assert.equal(parseInstallArgs([], defaults), { print: false, packageRoot: '/opt/lsmwatch', destdir: '', unitDir: '/etc/systemd/system', configDir: '/etc/lsmwatch', stateDir: '/var/lib/lsmwatch', node: '/usr/bin/node' });
  assert.match(String(parseInstallArgs(['--unit-dir', 'rel'], defaults)), /needs an absolute path/);
  assert.match(String(parseInstallArgs(['--bogus'], defaults)), /usage: lsmwatch install-service/);
});

test('into a staging root: the unit, the state directory 0700, the default policy once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-install-'));
  try {
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'policy.json'), '{"watch":["/etc/"]}');
    const dest = join(dir, 'root');
    const o = parseInstallArgs(['--destdir', dest, '--package-root', pkg], defaults);
    if (typeof o === 'string') throw new Error(o);
    mkdirSync(join(dest, 'var/lib'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dest, 'var/lib/lsmwatch'), { mode: 0o755 }); // an existing, too open directory
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    assert.is(installService(o, '0.1.0', out), 0);
    const unit = readFileSync(join(dest, 'etc/systemd/system/lsmwatch.service'), 'utf8');
    assert.match(unit, new RegExp(`^ExecStart=/usr/bin/node ${pkg}/bin/lsmwatch.js run `, 'm'));
    assert.is(statSync(join(dest, 'var/lib/lsmwatch')).mode & 0o777, 0o700);
    assert.is(statSync(join(dest, 'var/lib')).mode & 0o777, 0o755, 'parents keep the usual mode');
    assert.is(readFileSync(join(dest, 'etc/lsmwatch/policy.json'), 'utf8'), '{"watch":["/etc/"]}');
    writeFileSync(join(dest, 'etc/lsmwatch/policy.json'), '{"watch":["/srv/"]}');
    installService(o, '0.1.0', out);
    assert.is(readFileSync(join(dest, 'etc/lsmwatch/policy.json'), 'utf8'), '{"watch":["/srv/"]}', 'an edited policy is kept');
    assert.match(text, /kept the existing policy/);
    assert.match(text, /systemctl daemon-reload && systemctl enable --now lsmwatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
