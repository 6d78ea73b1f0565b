import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import ndjson from 'ndjson';
import { createNdjsonWriter, toNdjsonLine } from '../../../src/output/ndjsonWriter.js';
import { withTailMembers } from '../../../src/output/jsonTail.js';
import { enrichRecord } from '../../../src/events/enrich.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import { eventLine } from '../../../src/output/eventRecord.js';
import type { FileRecordData } from '../../../src/sensor/decoder.js';
import { RecordType } from '../../../src/sensor/contract.js';
import { createWallClock } from '../../../src/events/wallClock.js';
import { procFields, testProcesses } from '../../fixtures/process/processFixtures.js';

/** The parts of a Writable the writer uses; everything else is absent on purpose. */
class FakeWritable extends EventEmitter {
  chunks: string[] = [];
  /** what the next write() calls return */
  accept = true;
  writableLength = 0;
  destroyed = false;
  writableEnded = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return this.accept;
  }
  /** the consumer caught up */
  drain(): void {
    this.writableLength = 0;
    this.accept = true;
    this.emit('drain');
  }
  asWritable(): Writable {
    return this as unknown as Writable;
  }
}

const clock = createWallClock(
  () => 0n,
  () => 1_700_000_000_000_000_000n,
);

function fileRec(path: Buffer): FileRecordData {
  return {
    kind: 'file',
    type: RecordType.WRITE,
    flags: 0,
    timeNs: 1n,
    proc: { ...procFields({ pid: 1, tid: 1, ppid: 0 }), comm: Buffer.from('sh\x1b]0;pwn\x07') },
    ino: 5n,
    dev: 2049,
    openFlags: 1,
    count: 1,
    bytes: 3,
    mode: 0o100644,
    path,
    path2: null,
    anchor: 0,
    anchorOff: 0,
    anchor2: 0,
    anchor2Off: 0,
    rdev: 0,
    attr: null,
    mount: null,
    xattr: null,
    mmap: null,
  };
}

const NASTY_PATHS: Array<[string, Buffer]> = [
  ['newline', Buffer.from('/etc/a\nb\r\nc\u2028d')],
  ['ANSI escape', Buffer.from('/etc/\x1b[31mred\x1b[0m\x9b2J')],
  ['invalid UTF-8 (lossy)', Buffer.from([0x2f, 0xff, 0xfe, 0x0a, 0xed, 0xa0, 0x80])],
  ['NUL and quotes', Buffer.from('/etc/"q"\\\x00\t')],
];

const formatFile = (rec: FileRecordData): Record<string, unknown> =>
  eventLine(enrichRecord(rec, { sensor: 'lsm', toRfc3339: clock.toRfc3339, agentPid: 1, lookupComm: () => undefined, inodePaths: createInodePaths(), ...testProcesses() })!);

/** Objects whose fields hold the nastiest strings a path or comm can become. */
function nastyObjects(): Array<{ name: string; obj: Record<string, unknown> }> {
  const objs = NASTY_PATHS.map(([name, p]) => ({ name, obj: formatFile(fileRec(p)) }));
  objs.push({ name: 'lone surrogates', obj: { path: '/etc/\ud800x\udfff', comm: '\udbff' } });
  return objs;
}

function parseWithNdjson(text: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const rows: unknown[] = [];
    const parser = ndjson.parse({ strict: true });
    parser.on('data', (row: unknown) => rows.push(row));
    parser.on('error', reject);
    parser.on('end', () => resolve(rows));
    parser.end(text);
  });
}

test('every line is one valid JSON object, whatever the path held', async () => {
  const fake = new FakeWritable();
  const writer = createNdjsonWriter(fake.asWritable());
  const objs = nastyObjects();
  for (const { obj } of objs) assert.is(writer.write(obj), 'written');
  assert.is(writer.linesWritten, objs.length);

  for (const [i, chunk] of fake.chunks.entries()) {
    assert.ok(chunk.endsWith('\n'), objs[i].name);
    const body = chunk.slice(0, -1);
    assert.not.ok(body.includes('\n'), `${objs[i].name}: raw newline inside the line`);
    assert.not.ok(body.includes('\r'), `${objs[i].name}: raw CR inside the line`);
    assert.not.ok(body.includes('\x1b'), `${objs[i].name}: raw ESC inside the line`);
    assert.not.ok(/[\ud800-\udfff]/.test(body.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')), `${objs[i].name}: lone surrogate`);
    assert.equal(JSON.parse(body), withTailMembers(objs[i].obj), objs[i].name);
  }

  const all = fake.chunks.join('');
  assert.is(all.split('\n').length - 1, objs.length);
  const rows = await parseWithNdjson(all);
  assert.is(rows.length, objs.length);
  rows.forEach((row, i) => assert.equal(row, withTailMembers(objs[i].obj), objs[i].name));
});

test('lossy-decoded path and its base64 round-trip to the exact bytes', () => {
  const bytes = Buffer.from([0x2f, 0xff, 0xfe, 0x0a, 0x1b]);
  const line = toNdjsonLine(formatFile(fileRec(bytes)));
  const parsed = JSON.parse(line) as { path: string; path_b64: string; time: string };
  assert.ok(Buffer.from(parsed.path_b64, 'base64').equals(bytes));
  assert.is(parsed.path, '/\ufffd\ufffd\n\x1b');
  assert.is(parsed.time, '2023-11-14T22:13:20.000000001Z');
});

test('back-pressure: blocked when write() returns false, drain listeners fire', () => {
  const fake = new FakeWritable();
  const writer = createNdjsonWriter(fake.asWritable());
  let drains = 0;
  writer.onDrain(() => drains++);
  writer.onDrain(() => drains++);
  assert.is(writer.blocked, false);
  assert.is(writer.write({ a: 1 }), 'written');
  fake.accept = false;
  assert.is(writer.write({ a: 2 }), 'blocked');
  assert.is(writer.blocked, true);
  assert.is(writer.linesWritten, 2); // the line was still handed to the stream
  assert.is(writer.linesDropped, 0);
  assert.is(drains, 0);
  fake.drain();
  assert.is(drains, 2);
  assert.is(writer.blocked, false);
  assert.is(writer.write({ a: 3 }), 'written');
  assert.equal(fake.chunks, ['{"a":1}\n', '{"a":2}\n', '{"a":3}\n']);
});

test('lines past maxBufferedBytes are dropped and counted, not buffered', () => {
  const fake = new FakeWritable();
  fake.accept = false;
  const writer = createNdjsonWriter(fake.asWritable(), 20);
  assert.is(writer.write({ n: 1 }), 'blocked'); // 8 bytes buffered
  assert.is(writer.write({ n: 2 }), 'blocked'); // 16
  assert.is(writer.write({ n: 3 }), 'blocked'); // 24 > 20 from now on
  assert.is(writer.write({ n: 4 }), 'dropped');
  assert.is(writer.write({ n: 5 }), 'dropped');
  assert.is(writer.linesWritten, 3);
  assert.is(writer.linesDropped, 2);
  assert.is(fake.chunks.length, 3);
  assert.is(writer.blocked, true);
  fake.drain();
  assert.is(writer.write({ n: 6 }), 'written');
  assert.is(writer.linesDropped, 2);
  assert.is(writer.linesWritten, 4);
});

test('the final stats line is buffered however full the buffer is: it carries the count of what was dropped', () => {
  const fake = new FakeWritable();
  fake.accept = false;
  const writer = createNdjsonWriter(fake.asWritable(), 20);
  for (let n = 1; n <= 3; n++) writer.write({ n });
  assert.is(writer.write({ type: 'stats', final: false }), 'dropped', 'a periodic stats line is dropped like any other');
  assert.is(writer.write({ type: 'stats', final: true, lost: 1 }), 'blocked');
  assert.is(writer.linesDropped, 1);
  assert.is(fake.chunks.at(-1), '{"type":"stats","final":true,"lost":1}\n');
});

test('a destroyed or ended stream drops lines instead of throwing', () => {
  const fake = new FakeWritable();
  const writer = createNdjsonWriter(fake.asWritable());
  fake.destroyed = true;
  assert.is(writer.write({ x: 1 }), 'dropped');
  fake.destroyed = false;
  fake.writableEnded = true;
  assert.is(writer.write({ x: 2 }), 'dropped');
  assert.is(writer.linesDropped, 2);
  assert.is(fake.chunks.length, 0);
});

test('bigint values serialize: safe ones as numbers, larger ones as strings', () => {
  assert.is(toNdjsonLine({ a: 5n, b: 'x' }), '{"a":5,"b":"x"}\n');
  assert.is(toNdjsonLine({ nested: { v: -(2n ** 53n) + 1n } }), `{"nested":{"v":${-(2 ** 53) + 1}}}\n`);
  const big = 2n ** 64n - 1n;
  const line = toNdjsonLine({ inode: big, list: [1n, big] });
  assert.equal(JSON.parse(line), { inode: big.toString(), list: [1, big.toString()] });
  const fake = new FakeWritable();
  assert.is(createNdjsonWriter(fake.asWritable()).write({ ino: big }), 'written');
  assert.is(fake.chunks[0], `{"ino":"${big}"}\n`);
});

test.run();
