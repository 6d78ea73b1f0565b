import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { createNdjsonSink } from '../../../src/output/ndjsonSink.js';

test('takes every record, writes one line each per batch, counts written and dropped', () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const sink = createNdjsonSink('stdout', stream);
  assert.is(sink.name, 'stdout');
  assert.is(sink.accepts({ type: 'write' }), true);
  sink.beginBatch();
  sink.write({ type: 'open', path: '/a' });
  sink.write({ type: 'alert', rule: 'x' });
  sink.endBatch();
  assert.is(text, '{"type":"open","path":"/a"}\n{"type":"alert","rule":"x"}\n');
  assert.equal(sink.counts(), { written: 2, dropped: 0 });
  stream.destroy();
  assert.is(sink.write({ type: 'open' }), 'dropped');
  assert.equal(sink.counts(), { written: 2, dropped: 1 });
});

test.run();
