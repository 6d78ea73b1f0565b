import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEventConsumers, type EventConsumer } from '../../../src/agent/eventConsumers.js';
import { fileEvent, ptraceEvent, recordingNotices } from '../../fixtures/agent/fakes.js';

const MINUTE = 60_000_000_000n;

test('a throwing consumer does not stop the others and is counted per event', () => {
  const seen: string[] = [];
  const broken: EventConsumer = { name: 'broken', consume: () => { throw new TypeError('boom'); } };
  const good: EventConsumer = { name: 'good', consume: (e) => seen.push(e.kind) };
  const notices = recordingNotices();
  const consumers = createEventConsumers([broken, good], notices, () => 0n);
  consumers.consume(fileEvent());
  consumers.consume(ptraceEvent());
  assert.equal(seen, ['file', 'ptrace']);
  assert.is(consumers.errors, 2);
});

test('failures are reported at most once a minute, naming consumer and event type, with the count since', () => {
  let now = 0n;
  const notices = recordingNotices();
  const consumers = createEventConsumers([{ name: 'state tracking', consume: () => { throw new Error('bad path'); } }], notices, () => now);
  consumers.consume(fileEvent({ operation: 'write' }));
  consumers.consume(fileEvent());
  consumers.consume(fileEvent());
  assert.is(notices.lines.length, 1);
  assert.match(notices.lines[0]!, /^error: state tracking failed on a write event: bad path; the events were output/);
  now += MINUTE;
  consumers.consume(ptraceEvent());
  assert.is(notices.lines.length, 2);
  assert.match(notices.lines[1]!, /failed on a ptrace event: bad path \(3 failures since the last report\)/);
  assert.is(consumers.errors, 4);
});

test('non-Error throws are reported too', () => {
  const notices = recordingNotices();
  const consumers = createEventConsumers([{ name: 'x', consume: () => { throw 'str'; } }], notices, () => 0n);
  consumers.consume(fileEvent({ operation: 'open' }));
  assert.match(notices.lines[0]!, /x failed on a open event: str/);
});

test.run();
