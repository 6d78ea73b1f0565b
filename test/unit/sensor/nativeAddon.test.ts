import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAbiVersion, loadAddon, SensorError } from '../../../src/sensor/nativeAddon.js';
import { ABI_VERSION } from '../../../src/sensor/contract.js';

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

test('a missing addon says how to build it', () => {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-addon-'));
  try {
    loadAddon(root);
    assert.unreachable('should fail');
  } catch (err) {
    assert.is((err as SensorError).code, 'ENOBUILD');
    assert.match((err as Error).message, /run 'sudo make build'/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the built addon speaks this contract version', () => {
  const addon = loadAddon(join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..'));
  assert.is(addon.abiVersion, ABI_VERSION);
});

test.run();
