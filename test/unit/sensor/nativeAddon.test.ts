import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { addonPath, checkAbiVersion, checkAddonFile, loadAddon, SensorError, variantsByReason, type AttachResult } from '../../../src/sensor/nativeAddon.js';
import { ABI_VERSION } from '../../../src/sensor/contract.js';

const attach = (variants: AttachResult['variants']): AttachResult => ({ attached: [], skipped: [], variants });

test('variantsByReason: one entry per reason, variants in order', () => {
  const groups = variantsByReason(
    attach([
      { program: 'lw_a', variant: 'lw_a__no_atomics', reason: 'lacks atomics' },
      { program: 'lw_r', variant: 'lw_r__no_flags', reason: 'verifier refused it' },
      { program: 'lw_b', variant: 'lw_b__no_atomics', reason: 'lacks atomics' },
    ]),
  );
  assert.equal([...groups], [
    ['lacks atomics', ['lw_a__no_atomics', 'lw_b__no_atomics']],
    ['verifier refused it', ['lw_r__no_flags']],
  ]);
});

test('addonPath: absolute, under the package root, whatever the current directory', () => {
  const p = addonPath('/opt/lsmwatch');
  assert.is(p, '/opt/lsmwatch/build/native/lsmwatch.node');
  assert.ok(isAbsolute(p));
});

test('addonPath: a relative package root is refused (it would depend on the current directory)', () => {
  assert.throws(() => addonPath('lib/lsmwatch'), (e: unknown) => e instanceof SensorError && e.code === 'EADDONPATH');
});

function fakePackage(fileMode: number, dirMode = 0o755) {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-addon-'));
  const dir = join(root, 'build', 'native');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lsmwatch.node');
  writeFileSync(file, 'not an ELF file');
  chmodSync(file, fileMode);
  chmodSync(dir, dirMode);
  return { root, file, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as SensorError).code;
  }
  return 'no error';
};

test('checkAddonFile: a file or directory writable by group or others is refused before dlopen', () => {
  for (const [fileMode, dirMode] of [[0o666, 0o755], [0o644, 0o777], [0o664, 0o755]]) {
    const pkg = fakePackage(fileMode, dirMode);
    try {
      assert.is(code(() => checkAddonFile(pkg.file)), 'EADDONPERM', `modes ${fileMode.toString(8)} ${dirMode.toString(8)}`);
      assert.is(code(() => loadAddon(pkg.root)), 'EADDONPERM');
    } finally {
      pkg.cleanup();
    }
  }
});

test('checkAddonFile: a file owned by another user is refused; root-owned or our own is fine', () => {
  const pkg = fakePackage(0o644);
  try {
    const me = process.geteuid?.() ?? 0;
    assert.is(code(() => checkAddonFile(pkg.file, me)), 'no error');
    if (me === 0) {
      chownSync(pkg.file, 4242, 4242); // a user who could have swapped it
      assert.is(code(() => checkAddonFile(pkg.file, 0)), 'EADDONPERM');
      assert.is(code(() => checkAddonFile(pkg.file, 4242)), 'no error', 'their own file, for their own process');
    }
  } finally {
    pkg.cleanup();
  }
});

test('loadAddon: a file that passes the checks but is no addon gives ENOADDON, not a stack trace', () => {
  const pkg = fakePackage(0o644);
  try {
    assert.is(code(() => loadAddon(pkg.root)), 'ENOADDON');
  } finally {
    pkg.cleanup();
  }
});

test('loadAddon: a missing addon gives ENOBUILD', () => {
  assert.is(code(() => loadAddon('/nonexistent-lsmwatch-root')), 'ENOBUILD');
});

test('an addon of another contract version is refused with a clear error', () => {
  checkAbiVersion({ abiVersion: ABI_VERSION }, '/x.node');
  try {
    checkAbiVersion({ abiVersion: ABI_VERSION + 1 }, '/x.node');
    assert.unreachable('should refuse');
  } catch (err) {
    assert.instance(err, SensorError);
    assert.is((err as SensorError).code, 'EABI');
    assert.match((err as Error).message, new RegExp(`speaks contract version ${ABI_VERSION + 1}, this agent version ${ABI_VERSION}: rebuild`));
  }
});

test('a missing addon says how to build it, or to reinstall the package', () => {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-addon-'));
  try {
    loadAddon(root);
    assert.unreachable('should fail');
  } catch (err) {
    assert.is((err as SensorError).code, 'ENOBUILD');
    assert.match((err as Error).message, /'sudo make build' in the checkout, or reinstall the package/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the built addon speaks this contract version', () => {
  const addon = loadAddon(join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..'));
  assert.is(addon.abiVersion, ABI_VERSION);
});

test.run();
