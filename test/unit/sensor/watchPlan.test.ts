import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWatchPlan, type NodeKind, type PlanFs, type WatchPlan } from '../../../src/sensor/watchPlan.js';
import { MarkFlag, ROOT_ANCHOR_ID, WatchFlag, WatchKey, WILDCARD_ID } from '../../../src/sensor/contract.js';

/** A file system from a list of paths: "x/" is a directory, "x -> /y" a symlink, else a file. */
function fakeFs(spec: string[]): PlanFs {
  const kinds = new Map<string, NodeKind>([['/', 'dir']]);
  const links = new Map<string, string>();
  for (const line of spec) {
    const [path, target] = line.split(' -> ');
    const clean = path.endsWith('/') ? path.slice(0, -1) : path;
    kinds.set(clean, target ? 'symlink' : path.endsWith('/') ? 'dir' : 'file');
    if (target) links.set(clean, target);
  }
  return {
    kind: (p) => kinds.get(p) ?? null,
    readdir: (dir) => {
      const base = dir === '/' ? '/' : dir + '/';
      return [...kinds.keys()].filter((p) => p !== dir && p.startsWith(base) && !p.slice(base.length).includes('/')).map((p) => p.slice(base.length));
    },
    realpath: (p) => {
      let out = p;
      for (const [link, target] of links) if (out === link || out.startsWith(link + '/')) out = target + out.slice(link.length);
      return out;
    },
  };
}

const lists = (over: Partial<{ watch: string[]; watchReads: string[]; ignore: string[] }>) => ({ watch: [], watchReads: [], ignore: [], ...over });

/** label → watch flags of every planned trie key */
const keys = (plan: WatchPlan) => new Map(plan.keys.map((k) => [k.label, k.value.readUInt32LE(0)]));
const markOf = (plan: WatchPlan, path: string) => plan.marks.find((m) => m.path === path);

test('every existing ancestor of an entry is a pinned anchor; "/" has the root id', () => {
  const plan = buildWatchPlan(lists({ watch: ['/etc/cron.d/'] }), fakeFs(['/etc/', '/etc/cron.d/', '/etc/cron.d/job']));
  assert.equal(markOf(plan, '/'), { path: '/', flags: MarkFlag.ANCHOR, watch: 0, id: ROOT_ANCHOR_ID, pin: true });
  const etc = markOf(plan, '/etc')!;
  assert.is(etc.flags, MarkFlag.ANCHOR);
  assert.ok(etc.pin);
  assert.is(markOf(plan, '/etc/cron.d')!.flags, MarkFlag.ROOT);
  assert.is(markOf(plan, '/etc/cron.d')!.watch, WatchFlag.WRITE);
  assert.is(markOf(plan, '/etc/cron.d/job')!.watch, WatchFlag.WRITE, 'files below a watched directory are marked');
  assert.is(markOf(plan, '/etc/cron.d/job')!.pin, false);
});

test('entries are keyed under each existing ancestor; the directory itself is matched too', () => {
  const plan = buildWatchPlan(lists({ watch: ['/etc/cron.d/'] }), fakeFs(['/etc/', '/etc/cron.d/']));
  const k = keys(plan);
  assert.is(k.get('/|etc/cron.d/'), WatchFlag.WRITE);
  assert.is(k.get('/|etc/cron.d$'), WatchFlag.WRITE);
  assert.is(k.get('/etc|cron.d/'), WatchFlag.WRITE);
  assert.is(k.get('/etc|cron.d$'), WatchFlag.WRITE);
  // the anchor's own name: renaming /etc is reported, its other contents are not watched
  assert.is(k.get('/|etc$'), WatchFlag.NAME);
});

test('a key holds the anchor id and the bytes below it', () => {
  const plan = buildWatchPlan(lists({ watch: ['/etc/shadow'] }), fakeFs(['/etc/', '/etc/shadow']));
  const etcId = markOf(plan, '/etc')!.id;
  const key = plan.keys.find((x) => x.label === '/etc|shadow$')!.key;
  assert.is(key.length, WatchKey.size);
  assert.is(key.readUInt32LE(WatchKey.anchor), etcId);
  assert.is(key.readUInt32LE(WatchKey.prefixlen), 32 + 7 * 8);
  assert.is(key.subarray(WatchKey.path, WatchKey.path + 7).toString('latin1'), 'shadow\0');
  assert.ok(plan.names.get(etcId) === '/etc');
});

test('a name that does not exist yet is keyed under the ancestors that do', () => {
  const plan = buildWatchPlan(lists({ watch: ['/root/.ssh/authorized_keys'] }), fakeFs(['/root/']));
  const k = keys(plan);
  assert.is(k.get('/root|.ssh/authorized_keys$'), WatchFlag.WRITE);
  assert.is(k.get('/|root/.ssh/authorized_keys$'), WatchFlag.WRITE);
  assert.is(markOf(plan, '/root/.ssh'), undefined);
});

test('ignore and read entries inside a watched tree: longest prefix, also in the marks', () => {
  const plan = buildWatchPlan(
    lists({ watch: ['/etc/'], watchReads: ['/etc/shadow'], ignore: ['/etc/mtab', '/etc/cache/'] }),
    fakeFs(['/etc/', '/etc/shadow', '/etc/mtab', '/etc/passwd', '/etc/cache/', '/etc/cache/x']),
  );
  assert.is(markOf(plan, '/etc/passwd')!.watch, WatchFlag.WRITE);
  assert.is(markOf(plan, '/etc/shadow')!.watch, WatchFlag.WRITE | WatchFlag.READ);
  // ignored inodes get no mark at all: a stale one could only hide (verdict.bpf.h, rule 6)
  assert.is(markOf(plan, '/etc/mtab'), undefined);
  assert.is(markOf(plan, '/etc/cache'), undefined);
  assert.is(markOf(plan, '/etc/cache/x'), undefined, 'an ignored directory is not walked');
  assert.is(markOf(plan, '/etc')!.flags, MarkFlag.ROOT | MarkFlag.ANCHOR);
  assert.is(keys(plan).get('/etc|mtab$'), WatchFlag.IGNORE);
});

test('a wildcard: its parent is a wildcard anchor; the rest is keyed relative to the child', () => {
  const plan = buildWatchPlan(lists({ watch: ['/home/*/.ssh/'] }), fakeFs(['/home/', '/home/alice/', '/home/alice/.ssh/', '/home/alice/.ssh/id']));
  const home = markOf(plan, '/home')!;
  assert.is(home.flags, MarkFlag.ANCHOR | MarkFlag.WILDCARD);
  const wild = plan.keys.find((x) => x.label === '/home/*|.ssh/')!;
  assert.is(wild.key.readUInt32LE(WatchKey.anchor), (home.id | WILDCARD_ID) >>> 0);
  assert.is(wild.value.readUInt32LE(0), WatchFlag.WRITE);
  // the match present now is a concrete entry with marks
  assert.is(markOf(plan, '/home/alice/.ssh/id')!.watch, WatchFlag.WRITE);
  assert.is(keys(plan).get('/home/alice|.ssh/'), WatchFlag.WRITE);
  assert.equal(plan.multiWildcards, []);
});

test('wildcards: more than one *, or a missing parent, are listed', () => {
  const plan = buildWatchPlan(lists({ watch: ['/srv/*/conf/*/', '/nope/*/x'] }), fakeFs(['/srv/']));
  assert.equal(plan.multiWildcards, ['/srv/*/conf/*/']);
  assert.equal(plan.orphanWildcards, ['/nope/*/x']);
});

test('symlinked directories in an entry are resolved to what the dentries say', () => {
  const plan = buildWatchPlan(lists({ watch: ['/var/run/app/'] }), fakeFs(['/var/', '/run/', '/run/app/', '/var/run -> /run']));
  const k = keys(plan);
  assert.is(k.get('/run|app/'), WatchFlag.WRITE);
  assert.is(k.get('/|run/app/'), WatchFlag.WRITE);
  assert.is(k.get('/|var/run/app/'), undefined);
});

test('maxMarks bounds the walk and says so', () => {
  const files = Array.from({ length: 50 }, (_, i) => `/w/f${i}`);
  const plan = buildWatchPlan(lists({ watch: ['/w/'] }), fakeFs(['/w/', ...files]), { maxMarks: 10, maxKeys: 100 });
  assert.is(plan.marks.length, 10);
  assert.ok(plan.unmarked);
});

test('too many keys is an error naming the limit', () => {
  const watch = Array.from({ length: 20 }, (_, i) => `/a/b/c/d${i}/`);
  assert.throws(() => buildWatchPlan(lists({ watch }), fakeFs(['/a/', '/a/b/', '/a/b/c/']), { maxMarks: 1000, maxKeys: 50 }), /more than the 50/);
});

test('ids are unique and names map back to paths', () => {
  const plan = buildWatchPlan(lists({ watch: ['/etc/'] }), fakeFs(['/etc/', '/etc/a', '/etc/b/', '/etc/b/c']));
  const ids = plan.marks.map((m) => m.id);
  assert.is(new Set(ids).size, ids.length);
  for (const m of plan.marks) assert.is(plan.names.get(m.id), m.path);
});

test.run();
