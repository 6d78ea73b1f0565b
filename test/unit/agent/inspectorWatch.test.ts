import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { watchInspector } from '../../../src/agent/inspectorWatch.js';

test('an inspector found open is closed at once, with an alert; with --allow-node-options it is left alone', () => {
  let open: string | undefined = 'ws://127.0.0.1:9229/abc';
  const closed: string[] = [];
  const inspector = { url: () => open, close: () => (open = undefined) };
  const watch = watchInspector({ allowed: false, inspector, onClosed: (url) => closed.push(url), intervalMs: 60_000 });
  watch.stop();
  assert.equal(closed, ['ws://127.0.0.1:9229/abc']);
  assert.is(open, undefined);

  open = 'ws://127.0.0.1:9229/def';
  watchInspector({ allowed: true, inspector, onClosed: (url) => closed.push(url) }).stop();
  assert.is(open, 'ws://127.0.0.1:9229/def');
  assert.is(closed.length, 1);
});

test.run();
