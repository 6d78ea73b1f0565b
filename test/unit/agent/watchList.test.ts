import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWatchList, WatchCapacityError } from '../../../src/agent/watchList.js';
import { buildWatchEntries, type WatchEntry } from '../../../src/sensor/watchKeys.js';
import { WatchFlag } from '../../../src/sensor/contract.js';
import { fakeNative, type FakeNative } from '../../fixtures/agent/fakeNative.js';

const entries = (watch: string[], ignore: string[] = [], watchReads: string[] = []) => buildWatchEntries({ watch, watchReads, ignore });
const plan = (keys: WatchEntry[]) => ({ keys, marks: [] });
const NO_MARKS = { keys: new Set<string>(), missing: 0 };

/** The kernel's view: longest-prefix match over the fake map (the LPM trie's rule). */
function lookup(n: FakeNative, path: string): number {
  const map = n.maps.get('lw_watch') ?? new Map<string, Buffer>();
  // the root anchor's id, then the path below "/"
  const bytes = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.from(path.slice(1)), Buffer.from([0])]);
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
  return { n, list: createWatchList(n, { entries: initial, marks: NO_MARKS }, capacity) };
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
  const result = list.replace(plan(entries(['/etc/ssh/', '/etc/passwd', '/srv/x'])));
  assert.ok(steps.length > 0);
  for (const s of steps) assert.ok(s['/etc/passwd'], `/etc/passwd unwatched at a step: ${JSON.stringify(steps)}`);
  // the end state is exactly the new list
  assert.is(lookup(n, '/etc/shadow'), 0);
  assert.ok(lookup(n, '/etc/ssh/sshd_config') & WatchFlag.WRITE);
  assert.ok(lookup(n, '/srv/x') & WatchFlag.WRITE);
  assert.is(n.maps.get('lw_watch')!.size, entries(['/etc/ssh/', '/etc/passwd', '/srv/x']).length);
  assert.is(result.ordering, 'added_first');
  assert.equal(result.removed.sort(), ['/|etc$', '/|etc/']);
  assert.equal(result.updated.sort(), ['/|etc/ssh$', '/|etc/ssh/']); // ignore → watch is an update of the same key
  assert.equal(result.added.sort(), ['/|srv/x$', '/|srv/x/']);
});

test('a path watched through a different entry in each list (/etc/ then /etc/ssh/) is never unwatched in between', () => {
  const { n, list } = loaded(entries(['/etc/', '/var/log/app.log']));
  const steps = watchedAfterEachStep(n, ['/etc/ssh/sshd_config', '/var/log/app.log']);
  list.replace(plan(entries(['/etc/ssh/', '/srv/', '/var/log/app.log'], ['/etc/ssh/moduli'])));
  assert.ok(steps.length >= 3, `${steps.length} steps`);
  for (const step of steps) assert.ok(step['/etc/ssh/sshd_config'], `/etc/ssh/sshd_config unwatched at a step: ${JSON.stringify(steps)}`);
  assert.is(lookup(n, '/etc/passwd'), 0, 'and /etc/ is gone at the end');
  assert.is(lookup(n, '/etc/ssh/moduli'), 0, 'the new ignore entry is in force');
});

test('new and changed keys go in before any key leaves; the policy epoch is bumped after each step', () => {
  const { n, list } = loaded(entries(['/a/', '/b/']));
  list.replace(plan(entries(['/b/', '/c/'], [], [])));
  const ops = [...n.writes.map((w) => `update:${w.map}`)];
  assert.equal(ops, ['update:lw_watch', 'update:lw_watch', 'update:lw_policy_epoch_map', 'update:lw_policy_epoch_map']);
  const order = n.calls.filter((c) => c.startsWith('delete:') || c.startsWith('clear:'));
  assert.equal(order, ['clear:lw_sticky_marks', 'delete:lw_watch', 'delete:lw_watch', 'clear:lw_sticky_marks']);
  assert.is(n.maps.get('lw_policy_epoch_map')!.get(Buffer.alloc(4).toString('latin1'))!.readUInt32LE(0), 2);
  assert.is(list.epoch, 2);
});

test('marks of the new plan go in; marks the new plan does not have are removed', () => {
  const n = fakeNative();
  const first = { keys: entries(['/a/']), marks: [{ path: '/a', flags: 1, watch: 1, id: 2, pin: false }, { path: '/a/x', flags: 1, watch: 1, id: 3, pin: false }] };
  const marked = { keys: new Set(first.marks.map((m) => n.markPath(m.path, m.flags, m.watch, m.id, m.pin).toString('hex'))), missing: 0 };
  const list = createWatchList(n, { entries: first.keys, marks: marked }, 4096);
  const r = list.replace({ keys: entries(['/a/']), marks: [first.marks[0]!] });
  assert.is(r.marked, 1);
  assert.is(r.unmarked, 1);
  assert.is(n.maps.get('lw_inode_marks')!.size, 1);
  assert.ok(list.epoch >= 1, 'the epoch moved: verdicts computed under the old marks no longer count');
});

test('the same list again touches nothing in the kernel', () => {
  const { n, list } = loaded(entries(['/a/', '/b/x']));
  const r = list.replace(plan(entries(['/a/', '/b/x'])));
  assert.equal([r.added, r.removed, r.updated, r.verdictsCleared], [[], [], [], 0]);
  assert.equal(n.writes, []);
  assert.equal(n.calls, []);
});

test('a map too small for both lists at once: removed keys go first, and the result says so', () => {
  const { n, list } = loaded(entries(['/a/', '/b/']), 6);
  const r = list.replace(plan(entries(['/c/', '/d/', '/b/'])));
  assert.is(r.ordering, 'removed_first');
  assert.is(n.maps.get('lw_watch')!.size, 6);
});

test('a list larger than the map is refused before anything changes', () => {
  const { n, list } = loaded(entries(['/a/']), 4);
  assert.throws(() => list.replace(plan(entries(['/a/', '/b/', '/c/']))), (e: unknown) => e instanceof WatchCapacityError);
  assert.equal(n.writes, []);
  assert.is(list.entries.length, 2);
});

test('a kernel failure half way restores the previous list exactly', () => {
  const before = entries(['/a/', '/b/'], ['/a/tmp/']);
  const { n, list } = loaded(before);
  const snapshot = new Map(n.maps.get('lw_watch'));
  let writes = 0;
  n.failUpdate = (map) => (map === 'lw_watch' && ++writes === 3 ? Object.assign(new Error('updating map lw_watch: Cannot allocate memory'), { code: 'ENOMEM' }) : null);
  assert.throws(() => list.replace(plan(entries(['/a/', '/c/', '/d/', '/e/']))), /Cannot allocate memory/);
  n.failUpdate = null;
  assert.equal([...n.maps.get('lw_watch')!.keys()].sort(), [...snapshot.keys()].sort());
  for (const [k, v] of snapshot) assert.ok(n.maps.get('lw_watch')!.get(k)!.equals(v));
  assert.is(list.entries, list.entries);
  assert.equal(list.entries.map((e) => e.label), before.map((e) => e.label));
  assert.ok(n.calls.includes('clear:lw_sticky_marks'), 'verdicts from the half-applied list are dropped');
  assert.is(list.epoch, 1);
});

test.run();
