import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerOfProcess, createCgroupResolver } from '../../../src/process/cgroups.js';

const ID = 'c'.repeat(64);
const tree: Record<string, bigint> = {
  '': 1n,
  '/system.slice': 2n,
  [`/system.slice/docker-${ID}.scope`]: 300n,
  '/user.slice': 4n,
};

function resolver(walkIntervalMs = 10_000, procText: string | null = null) {
  const calls = { inode: 0, subdirs: 0, proc: 0 };
  let now = 0;
  const r = createCgroupResolver(
    {
      inode: (path) => {
        calls.inode++;
        return tree[path.slice('/sys/fs/cgroup'.length)] ?? null;
      },
      subdirectories: (path) => {
        calls.subdirs++;
        const rel = path.slice('/sys/fs/cgroup'.length);
        return Object.keys(tree)
          .filter((d) => d !== '' && d.startsWith(`${rel}/`) && !d.slice(rel.length + 1).includes('/'))
          .map((d) => d.slice(rel.length + 1));
      },
      nowMs: () => now,
    },
    {
      unified: true,
      walkIntervalMs,
      procCgroup: () => {
        calls.proc++;
        return procText;
      },
    },
  );
  return { r, calls, advance: (ms: number) => (now += ms) };
}

test("cgroup v2: an id is resolved through the process's /proc/PID/cgroup, checked against the directory's inode, and kept", () => {
  const { r, calls } = resolver(10_000, `0::/system.slice/docker-${ID}.scope\n`);
  assert.equal(r.containerOfId(300n, 5, 1n), { runtime: 'docker', id: ID });
  assert.equal(r.containerOfId(300n, 5, 1n), { runtime: 'docker', id: ID });
  assert.is(calls.proc, 1, 'the second event of the container reads nothing');
  assert.is(r.containerOfId(1n, 5, 1n), null, 'the root cgroup is known from the start');
  assert.is(calls.proc, 1);
  assert.is(calls.subdirs, 0, 'no walk needed');
});

test('a process already gone: the id is found by walking the cgroup tree (rate-limited)', () => {
  const { r, calls, advance } = resolver(1000);
  assert.equal(r.containerOfId(300n, 5, 1n), { runtime: 'docker', id: ID });
  assert.ok(calls.subdirs > 0);
  assert.is(r.containerOfId(4n, 5, 1n), null, 'learnt by the same walk: the host');
  const walks = calls.subdirs;
  assert.is(r.containerOfId(999n, 5, 1n), null, 'unknown, and a walk was just made: not now');
  assert.is(calls.subdirs, walks);
  advance(1000);
  assert.is(r.containerOfId(999n, 5, 1n), null);
  assert.ok(calls.subdirs > walks, 'walked again after the interval');
});

test('a /proc path whose directory has another inode (moved, recreated) is not trusted', () => {
  const { r } = resolver(10_000, `0::/system.slice/docker-${ID}.scope\n`);
  assert.is(r.containerOfId(12345n, 5, 1n), null);
});

test('cgroup v1 and hybrid hosts: the process\'s own /proc/PID/cgroup lines', () => {
  assert.equal(containerOfProcess(`4:memory:/docker/${ID}\n0::/\n`), { runtime: 'docker', id: ID });
  assert.is(containerOfProcess(null), null);
});

test.run();
