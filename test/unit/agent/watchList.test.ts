import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWatchList, WatchCapacityError } from '../../../src/agent/watchList.js';
import { buildWatchEntries, type WatchEntry } from '../../../src/sensor/watchKeys.js';
import { WatchFlag } from '../../../src/sensor/contract.js';
import { fakeNative, type FakeNative } from '../../fixtures/agent/fakeNative.js';

const entries = (watch: string[], ignore: string[] = [], watchReads: string[] = []) => buildWatchEntries({ watch, watchReads, ignore });

/** The kernel's view: longest-prefix match over the fake map (the LPM trie's rule). */
function lookup(n: FakeNative, path: string): number {
  const map = n.maps.get('lw_watch') ?? new Map<string, Buffer>();
  const bytes = Buffer.concat([Buffer.from(path), Buffer.from([0])]);
  let best = -1;
  let flags = 0;
  for (const [k, v] of map) {
    const key = Buffer.from(k, 'latin1');
    const len = key.readUInt32LE(0) / 8;
    if (len <= bytes.length && len > best && key.subarray(4, 4 + len).equals(bytes.subarray(0, len))) {
      best = len;
      flags = v.readUInt32LE(0);
    }
  }
  return best < 0 || flags & WatchFlag.IGNORE ? 0 : flags;
}

function loaded(initial: WatchEntry[], capacity = 4096) {
  const n = fakeNative();
  for (const e of initial) n.updateElem('lw_watch', e.key, e.value);
  n.writes.length = 0;
  return { n, list: createWatchList(n, initial, capacity) };
}

/** Records, after every map write or delete, whether each probe path is watched. */
function watchedAfterEachStep(n: FakeNative, probes: string[]): Array<Record<string, boolean>> {
  const seen: Array<Record<string, boolean>> = [];
  const snapshot = () => seen.push(Object.fromEntries(probes.map((p) => [p, (lookup(n, p) & WatchFlag.WRITE) !== 0])));
  const update = n.updateElem;
  const del = n.deleteElem;
  n.updateElem = (m, k, v) => {
    update(m, k, v);
    if (m === 'lw_watch') snapshot();
  };
  n.deleteElem = (m, k) => {
    del(m, k);
    if (m === 'lw_watch') snapshot();
  };
  return seen;
}

test('a path watched by both lists is watched after every single map operation of the swap', () => {
  // old: /etc/ watched, /etc/ssh/ ignored; new: /etc/ gone, /etc/ssh/ and /srv/x watched, /etc/passwd watched
  const { n, list } = loaded(entries(['/etc/', '/etc/passwd'], ['/etc/ssh/']));
  const steps = watchedAfterEachStep(n, ['/etc/passwd', '/etc/shadow', '/etc/ssh/sshd_config', '/srv/x']);
  const result = list.replace(entries(['/etc/ssh/', '/etc/passwd', '/srv/x']));
  assert.ok(steps.length > 0);
  for (const s of steps) assert.ok(s['/etc/passwd'], `/etc/passwd unwatched at a step: ${JSON.stringify(steps)}`);
  // the end state is exactly the new list
  assert.is(lookup(n, '/etc/shadow'), 0);
  assert.ok(lookup(n, '/etc/ssh/sshd_config') & WatchFlag.WRITE);
  assert.ok(lookup(n, '/srv/x') & WatchFlag.WRITE);
  assert.is(n.maps.get('lw_watch')!.size, entries(['/etc/ssh/', '/etc/passwd', '/srv/x']).length);
  assert.is(result.ordering, 'added_first');
  assert.equal(result.removed.sort(), ['/etc/']);
  assert.equal(result.updated, ['/etc/ssh/']); // ignore → watch is an update of the same key
  assert.equal(result.added.sort(), ['/srv/x$', '/srv/x/']);
});

test('a path watched through a different entry in each list (/etc/ then /etc/ssh/) is never unwatched in between', () => {
  const { n, list } = loaded(entries(['/etc/', '/var/log/app.log']));
  const steps = watchedAfterEachStep(n, ['/etc/ssh/sshd_config', '/var/log/app.log']);
  list.replace(entries(['/etc/ssh/', '/srv/', '/var/log/app.log'], ['/etc/ssh/moduli']));
  assert.ok(steps.length >= 3, `${steps.length} steps`);
  for (const step of steps) assert.ok(step['/etc/ssh/sshd_config'], `/etc/ssh/sshd_config unwatched at a step: ${JSON.stringify(steps)}`);
  assert.is(lookup(n, '/etc/passwd'), 0, 'and /etc/ is gone at the end');
  assert.is(lookup(n, '/etc/ssh/moduli'), 0, 'the new ignore entry is in force');
});

test('new and changed keys go in before any key leaves; caches are invalidated after', () => {
  const { n, list } = loaded(entries(['/a/', '/b/']));
  list.replace(entries(['/b/', '/c/'], [], []));
  const ops = [...n.writes.map((w) => `update:${w.map}`)];
  assert.equal(ops, ['update:lw_watch', 'update:lw_generation_map']);
  const order = n.calls.filter((c) => c.startsWith('delete:') || c.startsWith('clear:'));
  assert.equal(order, ['delete:lw_watch', 'clear:lw_verdicts']);
  assert.is(n.maps.get('lw_generation_map')!.get(Buffer.alloc(4).toString('latin1'))!.readBigUInt64LE(0), 1n);
});

test('the rename generation is bumped from its current value', () => {
  const { n, list } = loaded(entries(['/a/']));
  const g = Buffer.alloc(8);
  g.writeBigUInt64LE(41n);
  n.maps.set('lw_generation_map', new Map([[Buffer.alloc(4).toString('latin1'), g]]));
  list.replace(entries(['/b/']));
  assert.is(n.maps.get('lw_generation_map')!.get(Buffer.alloc(4).toString('latin1'))!.readBigUInt64LE(0), 42n);
});

test('the same list again touches nothing in the kernel', () => {
  const { n, list } = loaded(entries(['/a/', '/b/x']));
  const r = list.replace(entries(['/a/', '/b/x']));
  assert.equal([r.added, r.removed, r.updated, r.verdictsCleared], [[], [], [], 0]);
  assert.equal(n.writes, []);
  assert.equal(n.calls, []);
});

test('a map too small for both lists at once: removed keys go first, and the result says so', () => {
  const { n, list } = loaded(entries(['/a/', '/b/']), 3);
  const r = list.replace(entries(['/c/', '/d/', '/b/']));
  assert.is(r.ordering, 'removed_first');
  assert.is(n.maps.get('lw_watch')!.size, 3);
});

test('a list larger than the map is refused before anything changes', () => {
  const { n, list } = loaded(entries(['/a/']), 2);
  assert.throws(() => list.replace(entries(['/a/', '/b/', '/c/'])), (e: unknown) => e instanceof WatchCapacityError);
  assert.equal(n.writes, []);
  assert.is(list.entries.length, 1);
});

test('a kernel failure half way restores the previous list exactly', () => {
  const before = entries(['/a/', '/b/'], ['/a/tmp/']);
  const { n, list } = loaded(before);
  const snapshot = new Map(n.maps.get('lw_watch'));
  let writes = 0;
  n.failUpdate = (map) => (map === 'lw_watch' && ++writes === 3 ? Object.assign(new Error('updating map lw_watch: Cannot allocate memory'), { code: 'ENOMEM' }) : null);
  assert.throws(() => list.replace(entries(['/a/', '/c/', '/d/', '/e/'])), /Cannot allocate memory/);
  n.failUpdate = null;
  assert.equal([...n.maps.get('lw_watch')!.keys()].sort(), [...snapshot.keys()].sort());
  for (const [k, v] of snapshot) assert.ok(n.maps.get('lw_watch')!.get(k)!.equals(v));
  assert.is(list.entries, list.entries);
  assert.equal(list.entries.map((e) => e.label), before.map((e) => e.label));
  assert.ok(n.calls.includes('clear:lw_verdicts'), 'verdicts from the half-applied list are dropped');
});

test.run();
