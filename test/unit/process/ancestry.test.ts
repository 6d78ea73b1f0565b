import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildAncestry, privilegeTool, type AncestorNode, type ProcessRef } from '../../../src/process/ancestry.js';

type Plain = { pid: number; startNs: bigint; comm: string; exe: string | null; parent: ProcessRef | null };
const node = (n: Plain): AncestorNode => ({ pid: n.pid, startNs: n.startNs, view: { pid: n.pid, comm: n.comm, exe: n.exe }, parent: n.parent });

/** sshd(100) → bash(200) → sudo(300) → bash(400); pid 1 above sshd. */
const plain: Plain[] = [
  { pid: 1, startNs: 1n, comm: 'systemd', exe: '/usr/lib/systemd/systemd', parent: null },
  { pid: 100, startNs: 10n, comm: 'sshd', exe: '/usr/sbin/sshd', parent: { pid: 1, startNs: 1n } },
  { pid: 200, startNs: 20n, comm: 'bash', exe: '/usr/bin/bash', parent: { pid: 100, startNs: 10n } },
  { pid: 300, startNs: 30n, comm: 'sudo', exe: '/usr/bin/sudo', parent: { pid: 200, startNs: 20n } },
  { pid: 400, startNs: 40n, comm: 'bash', exe: '/usr/bin/bash', parent: { pid: 300, startNs: 30n } },
];
const nodes = plain.map(node);
function lookupIn(list: AncestorNode[]) {
  const asked: ProcessRef[] = [];
  const lookup = (ref: ProcessRef) => {
    asked.push(ref);
    return list.find((n) => n.pid === ref.pid && (ref.startNs === null || n.startNs === ref.startNs));
  };
  return { lookup, asked };
}

test('the chain from the parent up, nearest first, with pid, comm and exe', () => {
  const { lookup } = lookupIn(nodes);
  assert.equal(buildAncestry({ pid: 400, startNs: 40n }, 8, lookup), [
    { pid: 400, comm: 'bash', exe: '/usr/bin/bash' },
    { pid: 300, comm: 'sudo', exe: '/usr/bin/sudo' },
    { pid: 200, comm: 'bash', exe: '/usr/bin/bash' },
    { pid: 100, comm: 'sshd', exe: '/usr/sbin/sshd' },
    { pid: 1, comm: 'systemd', exe: '/usr/lib/systemd/systemd' },
  ]);
});

test('at most `depth` levels (and never more than 32); depth 0 asks nothing', () => {
  const { lookup, asked } = lookupIn(nodes);
  assert.equal(buildAncestry({ pid: 400, startNs: 40n }, 2, lookup).map((a) => a.pid), [400, 300]);
  assert.is(asked.length, 2);
  const none = lookupIn(nodes);
  assert.equal(buildAncestry({ pid: 400, startNs: 40n }, 0, none.lookup), []);
  assert.is(none.asked.length, 0);
  const long = Array.from({ length: 100 }, (_, i) =>
    node({ pid: i + 1, startNs: BigInt(i + 1), comm: 'sh', exe: null, parent: i === 0 ? null : { pid: i, startNs: BigInt(i) } }),
  );
  assert.is(buildAncestry({ pid: 100, startNs: 100n }, 1000, lookupIn(long).lookup).length, 32);
});

test('a parent identity that is unknown ends the chain: a reused pid is never taken for the parent', () => {
  // bash(200) exited and its pid now belongs to a process started later (start 99)
  const reused = plain.map((n) => node(n.pid === 200 ? { ...n, startNs: 99n } : n));
  assert.equal(buildAncestry({ pid: 400, startNs: 40n }, 8, lookupIn(reused).lookup).map((a) => a.pid), [400, 300]);
});

test('a parent named without a start (from /proc) that started after its child is a reused pid: the chain ends', () => {
  const fromProc = [
    node({ pid: 50, startNs: 500n, comm: 'child', exe: null, parent: { pid: 60, startNs: null } }),
    node({ pid: 60, startNs: 900n, comm: 'newcomer', exe: null, parent: null }), // started after 50: not its parent
  ];
  assert.equal(buildAncestry({ pid: 50, startNs: 500n }, 8, lookupIn(fromProc).lookup).map((a) => a.comm), ['child']);
});

test('a loop (corrupt or hostile data) ends the walk', () => {
  const loop = [
    node({ pid: 7, startNs: 1n, comm: 'a', exe: null, parent: { pid: 8, startNs: 1n } }),
    node({ pid: 8, startNs: 1n, comm: 'b', exe: null, parent: { pid: 7, startNs: 1n } }),
  ];
  assert.equal(buildAncestry({ pid: 7, startNs: 1n }, 32, lookupIn(loop).lookup).map((a) => a.pid), [7, 8]);
  assert.equal(buildAncestry({ pid: 0, startNs: 0n }, 8, lookupIn(loop).lookup), [], 'pid 0 has no process');
});

test('privilege tool: the nearest sudo/su/doas/pkexec, by executable where known', () => {
  const chain = buildAncestry({ pid: 400, startNs: 40n }, 8, lookupIn(nodes).lookup);
  assert.is(privilegeTool({ comm: 'useradd', exe: '/usr/sbin/useradd' }, chain), 'sudo');
  assert.is(privilegeTool({ comm: 'useradd', exe: '/usr/sbin/useradd' }, chain.slice(2)), null);
  assert.is(privilegeTool({ comm: 'su', exe: '/usr/bin/su' }, []), 'su');
  // a process that calls itself sudo is not sudo when its executable is something else
  assert.is(privilegeTool({ comm: 'x', exe: '/tmp/x' }, [{ pid: 9, comm: 'sudo', exe: '/tmp/fake' }]), null);
  assert.is(privilegeTool({ comm: 'x', exe: null }, [{ pid: 9, comm: 'doas', exe: null }]), 'doas', 'comm only where no exe is known');
});

test.run();
