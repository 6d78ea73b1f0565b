import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistorySink } from '../../../src/agent/historySink.js';
import { openStateStore } from '../../../src/state/store.js';
import { recordingNotices } from '../../fixtures/agent/fakes.js';

test('keeps alerts and integrity findings (not event lines, not the integrity baseline line); a failing store drops and counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-history-'));
  try {
    const store = openStateStore(join(dir, 'db', 'state.db'));
    const notices = recordingNotices();
    const history = createHistorySink(store, notices, () => new Date('2026-12-01T00:00:00Z'));
    assert.is(history.accepts({ type: 'alert', rule: 'x' }), true);
    assert.is(history.accepts({ type: 'integrity', status: 'mismatch' }), true);
    assert.is(history.accepts({ type: 'integrity', status: 'baseline' }), false);
    assert.is(history.accepts({ type: 'write' }), false);
    assert.is(history.accepts({ type: 'change' }), false);
    assert.is(history.write({ type: 'alert', rule: 'x', time: 'now' }), 'written');
    assert.equal(history.counts(), { written: 1, dropped: 0 });
    assert.is(history.blocked, false);
    store.close();
    assert.is(history.write({ type: 'alert', rule: 'y' }), 'dropped');
    assert.equal(history.counts(), { written: 1, dropped: 1 });
    assert.match(notices.lines[0]!, /^warn: recording alert in the history failed: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
