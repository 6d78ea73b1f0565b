import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pathText, putText } from '../../../src/shared/pathText.js';

test('valid UTF-8 passes as text without base64', () => {
  assert.equal(pathText(Buffer.from('/etc/passwd')), { text: '/etc/passwd' });
  assert.equal(pathText(Buffer.from('/home/jürgen/日本')), { text: '/home/jürgen/日本' });
  assert.equal(pathText(Buffer.alloc(0)), { text: '' });
});

test('control characters are valid UTF-8: kept in the text, no base64', () => {
  const t = pathText(Buffer.from('/tmp/a\nb\x1b[31m\x7f\x00'));
  assert.is(t.text, '/tmp/a\nb\x1b[31m\x7f\x00');
  assert.is(t.b64, undefined);
});

test('invalid UTF-8: lossy text plus exact base64', () => {
  for (const bytes of [
    Buffer.from([0x2f, 0xff, 0xfe]),
    Buffer.from([0x2f, 0xc3]), // truncated sequence
    Buffer.from([0xed, 0xa0, 0x80]), // encoded lone surrogate (CESU-8)
    Buffer.from([0xc0, 0xaf]), // overlong "/"
  ]) {
    const t = pathText(bytes);
    assert.ok(t.b64 !== undefined, bytes.toString('hex'));
    assert.ok(Buffer.from(t.b64, 'base64').equals(bytes), bytes.toString('hex'));
    assert.ok(t.text.includes('\ufffd'), bytes.toString('hex'));
  }
});

test('putText adds name and name_b64 only where needed', () => {
  const out: Record<string, unknown> = {};
  putText(out, 'path', pathText(Buffer.from('/ok')));
  putText(out, 'old_path', pathText(Buffer.from([0x2f, 0xff])));
  assert.equal(out, { path: '/ok', old_path: '/\ufffd', old_path_b64: 'L/8=' });
});

test.run();
