import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createOutput, type Sink, type WriteOutcome } from '../../../src/output/sink.js';
import type { OutputRecord } from '../../../src/output/records.js';

function fakeSink(name: string, accepts: (r: OutputRecord) => boolean = () => true) {
  const drain: Array<() => void> = [];
  const sink = {
    name,
    got: [] as string[],
    outcome: 'written' as WriteOutcome,
    blocked: false,
    accepts,
    write(r: OutputRecord) {
      sink.got.push(r.type);
      return sink.outcome;
    },
    beginBatch() { sink.got.push('['); },
    endBatch() { sink.got.push(']'); },
    onDrain(l: () => void) { drain.push(l); },
    counts: () => ({ written: sink.got.length, dropped: 0 }),
    drain() {
      sink.blocked = false;
      for (const l of drain) l();
    },
  };
  return sink satisfies Sink;
}

test('each record goes to every sink that accepts it; batches reach every sink', () => {
  const all = fakeSink('all');
  const alerts = fakeSink('alerts', (r) => r.type === 'alert');
  const out = createOutput([all, alerts]);
  out.beginBatch();
  out.write({ type: 'open' });
  out.write({ type: 'alert' });
  out.endBatch();
  assert.equal(all.got, ['[', 'open', 'alert', ']']);
  assert.equal(alerts.got, ['[', 'alert', ']']);
  assert.equal(Object.keys(out.counts()), ['all', 'alerts']);
});

test('the outcome is the worst among the sinks that took the record', () => {
  const a = fakeSink('a');
  const b = fakeSink('b', (r) => r.type === 'alert');
  const out = createOutput([a, b]);
  b.outcome = 'dropped';
  assert.is(out.write({ type: 'open' }), 'written');
  assert.is(out.write({ type: 'alert' }), 'dropped');
  a.outcome = 'blocked';
  b.outcome = 'written';
  assert.is(out.write({ type: 'alert' }), 'blocked');
});

test('blocked while any sink is; drain listeners run once none is', () => {
  const a = fakeSink('a');
  const b = fakeSink('b');
  const out = createOutput([a, b]);
  let drained = 0;
  out.onDrain(() => drained++);
  a.blocked = true;
  b.blocked = true;
  assert.is(out.blocked, true);
  a.drain();
  assert.is(drained, 0);
  assert.is(out.blocked, true);
  b.drain();
  assert.is(drained, 1);
  assert.is(out.blocked, false);
});

test.run();
