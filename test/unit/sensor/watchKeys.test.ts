import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWatchEntries, type WatchEntry } from '../../../src/sensor/watchKeys.js';
import { WatchFlag, WatchKey, WatchValue, WATCH_KEY_MAX } from '../../../src/sensor/contract.js';

const lists = (over: Partial<{ watch: string[]; watchReads: string[]; ignore: string[] }>) => ({
  watch: [],
  watchReads: [],
  ignore: [],
  ...over,
});

/** The prefix bytes a key holds, as the kernel compares them. */
function keyPrefix(e: WatchEntry): Buffer {
  const bits = e.key.readUInt32LE(WatchKey.prefixlen);
  assert.is(bits % 8, 0);
  return e.key.subarray(WatchKey.path, WatchKey.path + bits / 8);
}

function byLabel(entries: WatchEntry[]): Map<string, WatchEntry> {
  return new Map(entries.map((e) => [e.label, e]));
}

test('key is 260 bytes, value 8 bytes, prefixlen in bits, the rest zero', () => {
  const [e] = buildWatchEntries(lists({ watch: ['/etc/'] }));
  assert.is(WatchKey.size, 260);
  assert.is(e.key.length, 260);
  assert.is(e.value.length, WatchValue.size);
  assert.is(e.value.length, 8);
  assert.is(e.key.readUInt32LE(WatchKey.prefixlen), 5 * 8);
  assert.is(keyPrefix(e).toString(), '/etc/');
  assert.ok(e.key.subarray(WatchKey.path + 5).equals(Buffer.alloc(260 - 4 - 5)));
  assert.is(e.value.readUInt32LE(WatchValue.flags), WatchFlag.WRITE);
  assert.is(e.value.readUInt32LE(4), 0);
  assert.is(e.flags, WatchFlag.WRITE);
});

test('"dir/" gives one key; "file" gives "file\\0" and "file/"', () => {
  const entries = buildWatchEntries(lists({ watch: ['/etc/', '/etc/shadow'] }));
  assert.equal(
    entries.map((e) => e.label),
    ['/etc/', '/etc/shadow$', '/etc/shadow/'],
  );
  const m = byLabel(entries);
  const exact = m.get('/etc/shadow$')!;
  assert.ok(keyPrefix(exact).equals(Buffer.from('/etc/shadow\0', 'latin1')));
  assert.is(exact.key.readUInt32LE(WatchKey.prefixlen), 12 * 8);
  const below = m.get('/etc/shadow/')!;
  assert.ok(keyPrefix(below).equals(Buffer.from('/etc/shadow/')));
  assert.is(below.key.readUInt32LE(WatchKey.prefixlen), 12 * 8);
});

test('flags of the same prefix are merged across lists', () => {
  const entries = buildWatchEntries(
    lists({ watch: ['/etc/', '/root/.ssh/', '/etc/mtab'], watchReads: ['/root/.ssh/', '/etc/shadow'], ignore: ['/etc/mtab'] }),
  );
  const m = byLabel(entries);
  assert.is(entries.length, 6);
  assert.is(m.get('/etc/')!.flags, WatchFlag.WRITE);
  assert.is(m.get('/root/.ssh/')!.flags, WatchFlag.WRITE | WatchFlag.READ);
  assert.is(m.get('/root/.ssh/')!.value.readUInt32LE(0), WatchFlag.WRITE | WatchFlag.READ);
  assert.is(m.get('/etc/shadow$')!.flags, WatchFlag.WRITE | WatchFlag.READ);
  assert.is(m.get('/etc/mtab$')!.flags, WatchFlag.WRITE | WatchFlag.IGNORE);
});

test('duplicates in one list give one entry', () => {
  const entries = buildWatchEntries(lists({ watch: ['/etc/', '/etc/'] }));
  assert.is(entries.length, 1);
});

test('ignore entries carry only the IGNORE flag', () => {
  const entries = buildWatchEntries(lists({ watch: ['/etc/'], ignore: ['/etc/ld.so.cache', '/etc/cache/'] }));
  const m = byLabel(entries);
  assert.is(m.get('/etc/ld.so.cache$')!.flags, WatchFlag.IGNORE);
  assert.is(m.get('/etc/ld.so.cache/')!.flags, WatchFlag.IGNORE);
  assert.is(m.get('/etc/cache/')!.flags, WatchFlag.IGNORE);
  assert.is(m.get('/etc/cache/')!.value.readUInt32LE(WatchValue.flags), WatchFlag.IGNORE);
});

test('non-ASCII paths are keyed by their UTF-8 bytes', () => {
  const [e] = buildWatchEntries(lists({ watch: ['/srv/日本/'] }));
  const bytes = Buffer.from('/srv/日本/');
  assert.ok(keyPrefix(e).equals(bytes));
  assert.is(e.key.readUInt32LE(0), bytes.length * 8);
});

test('longest keys: 256 bytes fit, longer throws', () => {
  const file = '/' + 'a'.repeat(WATCH_KEY_MAX - 2); // 255 bytes: "file\0" and "file/" are 256
  const entries = buildWatchEntries(lists({ watch: [file] }));
  assert.is(entries.length, 2);
  for (const e of entries) assert.is(e.key.readUInt32LE(0), WATCH_KEY_MAX * 8);
  assert.throws(() => buildWatchEntries(lists({ watch: [file + 'a'] })), /longer than 255 bytes/);
});

test.run();
