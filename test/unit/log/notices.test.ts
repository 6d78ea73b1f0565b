import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Writable } from 'node:stream';
import { createNotices } from '../../../src/log/notices.js';

function fakeStream(isTTY?: boolean): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, write: (c: string) => (chunks.push(String(c)), true) };
  return { stream: stream as unknown as Writable & { isTTY?: boolean }, text: () => chunks.join('') };
}

const HOSTILE = 'bad \x1b[31mpath\x1b[0m\n\x9b2J \x07 done';

test('colour off: no ESC byte anywhere, even when the message holds one', () => {
  const { stream, text } = fakeStream();
  const n = createNotices(stream, false);
  n.info(HOSTILE);
  n.warn(HOSTILE);
  n.error(HOSTILE);
  n.alert(HOSTILE);
  const out = text();
  assert.not.ok(out.includes('\x1b'), JSON.stringify(out));
  assert.not.ok(out.includes('\x9b'));
  assert.not.ok(out.includes('\x07'));
  const lines = out.split('\n');
  assert.is(lines.length, 5); // four lines, the embedded newline escaped
  assert.is(lines[4], '');
  const body = 'bad \\x1b[31mpath\\x1b[0m\\x0a\\x9b2J \\x07 done';
  assert.equal(lines.slice(0, 4), [
    `lsmwatch: ${body}`,
    `lsmwatch: warning: ${body}`,
    `lsmwatch: error: ${body}`,
    `lsmwatch: ALERT: ${body}`,
  ]);
});

test('colour defaults to the stream being a TTY', () => {
  const plain = fakeStream(false);
  createNotices(plain.stream).warn('x');
  assert.not.ok(plain.text().includes('\x1b'));
  const noTty = fakeStream(undefined);
  createNotices(noTty.stream).warn('x');
  assert.not.ok(noTty.text().includes('\x1b'));
  const tty = fakeStream(true);
  createNotices(tty.stream).warn('x');
  assert.ok(tty.text().includes('\x1b['));
});

test('colour on: only the prefix is painted, the message stays escaped', () => {
  const { stream, text } = fakeStream(true);
  createNotices(stream, true).alert(HOSTILE);
  const out = text();
  assert.ok(out.endsWith(' bad \\x1b[31mpath\\x1b[0m\\x0a\\x9b2J \\x07 done\n'), JSON.stringify(out));
  const prefix = out.slice(0, out.indexOf(' bad '));
  assert.ok(prefix.includes('\x1b['));
  assert.is(prefix.replace(/\x1b\[[0-9;]*m/g, ''), 'lsmwatch: ALERT:');
  assert.is(out.split('\n').length, 2);
});

test.run();
