import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startStatsTimer, watchCapacity } from '../../../src/agent/operations.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';

test('the stats timer can be re-timed by a reload, unless --stats-interval fixed it', async () => {
  let reports = 0;
  const timer = startStatsTimer(3600, false, () => reports++);
  assert.ok(timer.control);
  timer.control!.set(0.01);
  await new Promise((r) => setTimeout(r, 60));
  timer.stop();
  assert.ok(reports >= 2, `${reports} reports after re-timing`);
  const fixed = startStatsTimer(3600, true, () => {});
  assert.is(fixed.control, null);
  fixed.stop();
});

test('the watch map capacity comes from the loaded map', () => {
  const n = fakeNative();
  assert.is(watchCapacity(n), 4096);
  n.mapInfos = [];
  assert.is(watchCapacity(n), 4096, 'a default when the map is unknown');
  n.mapInfos = [{ name: 'lw_watch', id: 1, type: 11, maxEntries: 128, keySize: 260, valueSize: 8 }];
  assert.is(watchCapacity(n), 128);
});

test.run();
