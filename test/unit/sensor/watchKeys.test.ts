import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildPrefixEntries,
  buildWatchEntries,
  encodeWatchKey,
  encodeWatchValue,
  longestPrefixFlags,
  prefixesFor,
} from '../../../src/sensor/watchKeys.js';
import { WatchFlag, WatchKey, WatchValue, WATCH_KEY_MAX } from '../../../src/sensor/contract.js';

const lists = (over: Partial<{ watch: string[]; watchReads: string[]; ignore: string[] }>) => ({
  watch: [],
  watchReads: [],
  ignore: [],
  ...over,
});
const text = (b: Buffer) => b.toString('latin1').replace(/\0/g, '$');

test('"dir/" gives "dir/" and "dir\\0" (the directory itself); "file" gives "file\\0" and "file/"', () => {
  assert.equal(prefixesFor('/etc/').map(text), ['/etc/', '/etc$']);
  assert.equal(prefixesFor('/etc/shadow').map(text), ['/etc/shadow$', '/etc/shadow/']);
  assert.equal(prefixesFor('.ssh/').map(text), ['.ssh/', '.ssh$']);
});

test('flags of the same prefix are merged across lists; ignore entries carry IGNORE', () => {
  const entries = buildPrefixEntries(
    lists({ watch: ['/etc/', '/root/.ssh/', '/etc/mtab'], watchReads: ['/root/.ssh/', '/etc/shadow'], ignore: ['/etc/mtab'] }),
  );
  const m = new Map(entries.map((e) => [text(e.prefix), e.flags]));
  assert.is(m.get('/etc/'), WatchFlag.WRITE);
  assert.is(m.get('/root/.ssh/'), WatchFlag.WRITE | WatchFlag.READ);
  assert.is(m.get('/etc/shadow$'), WatchFlag.WRITE | WatchFlag.READ);
  assert.is(m.get('/etc/mtab$'), WatchFlag.WRITE | WatchFlag.IGNORE);
  assert.is(buildPrefixEntries(lists({ watch: ['/etc/', '/etc/'] })).length, 2);
});

test('longestPrefixFlags: longest prefix wins, ignore gives 0, nothing gives 0', () => {
  const entries = buildPrefixEntries(lists({ watch: ['/etc/'], watchReads: ['/etc/shadow'], ignore: ['/etc/cache/'] }));
  const flags = (p: string) => longestPrefixFlags(entries, Buffer.from(p));
  assert.is(flags('/etc/passwd\0'), WatchFlag.WRITE);
  assert.is(flags('/etc\0'), WatchFlag.WRITE, 'the directory itself');
  assert.is(flags('/etc/shadow\0'), WatchFlag.WRITE | WatchFlag.READ);
  assert.is(flags('/etc/shadowfoo\0'), WatchFlag.WRITE);
  assert.is(flags('/etc/cache/x\0'), 0);
  assert.is(flags('/usr/bin/x\0'), 0);
});

test('a watch key: prefixlen counts the anchor, then the bytes; value 8 bytes', () => {
  const key = encodeWatchKey(7, Buffer.from('cron.d/'));
  assert.is(key.length, WatchKey.size);
  assert.is(key.readUInt32LE(WatchKey.prefixlen), 32 + 7 * 8);
  assert.is(key.readUInt32LE(WatchKey.anchor), 7);
  assert.is(key.subarray(WatchKey.path, WatchKey.path + 7).toString(), 'cron.d/');
  assert.ok(key.subarray(WatchKey.path + 7).equals(Buffer.alloc(WatchKey.size - WatchKey.path - 7)));
  const value = encodeWatchValue(WatchFlag.WRITE | WatchFlag.NAME);
  assert.is(value.length, WatchValue.size);
  assert.is(value.readUInt32LE(0), WatchFlag.WRITE | WatchFlag.NAME);
  assert.is(encodeWatchKey(0x80000005, Buffer.from('x')).readUInt32LE(WatchKey.anchor), 0x80000005);
});

test('longest paths: entries fit the key below "/", longer throws', () => {
  const file = '/' + 'a'.repeat(WATCH_KEY_MAX - 1); // "a...a\0" below "/" is WATCH_KEY_MAX bytes
  assert.is(buildPrefixEntries(lists({ watch: [file] })).length, 2);
  assert.throws(() => buildPrefixEntries(lists({ watch: [file + 'a'] })), /longer than 252 bytes/);
  assert.throws(() => encodeWatchKey(1, Buffer.alloc(WATCH_KEY_MAX + 1)), /longer than/);
});

test('non-ASCII paths are keyed by their UTF-8 bytes', () => {
  const [e] = buildPrefixEntries(lists({ watch: ['/srv/日本/'] }));
  assert.ok(e.prefix.equals(Buffer.from('/srv/日本/')));
});

test('buildWatchEntries: entries keyed below the root anchor, labelled "/|<prefix>"', () => {
  const entries = buildWatchEntries(lists({ watch: ['/etc/'], ignore: ['/etc/mtab'] }));
  assert.equal(entries.map((e) => e.label), ['/|etc/', '/|etc$', '/|etc/mtab$', '/|etc/mtab/']);
  assert.is(entries[0]!.key.readUInt32LE(WatchKey.anchor), 1);
  assert.is(entries[2]!.flags, WatchFlag.IGNORE);
});

test.run();
