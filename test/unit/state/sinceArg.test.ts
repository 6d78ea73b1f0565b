import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSince } from '../../../src/state/sinceArg.js';

const now = new Date('2024-05-01T12:00:00.000Z');

test('durations', () => {
  assert.is(parseSince('1h', now)!.toISOString(), '2024-05-01T11:00:00.000Z');
  assert.is(parseSince('30m', now)!.toISOString(), '2024-05-01T11:30:00.000Z');
  assert.is(parseSince('2d', now)!.toISOString(), '2024-04-29T12:00:00.000Z');
  assert.is(parseSince('45s', now)!.toISOString(), '2024-05-01T11:59:15.000Z');
});

test('RFC 3339', () => {
  assert.is(parseSince('2024-04-30T10:00:00Z', now)!.toISOString(), '2024-04-30T10:00:00.000Z');
  assert.is(parseSince('2024-04-30T12:00:00.123456789+02:00', now)!.toISOString(), '2024-04-30T10:00:00.123Z');
});

test('rejects anything else', () => {
  for (const bad of ['', '1', 'h', '1w', '-1h', '1.5h', 'yesterday', '2024-04-30', '2024-02-31T00:00:00Z', '2024-04-30T25:00:00Z']) {
    assert.is(parseSince(bad, now), null, bad);
  }
});

test.run();
