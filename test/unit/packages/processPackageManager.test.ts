import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageManagerOf, processChain } from '../../../src/packages/processPackageManager.js';
import { processInfo } from '../../fixtures/process/processFixtures.js';

const DPKG = { pid: 40, comm: 'dpkg', exe: '/usr/bin/dpkg' };
const APT = { pid: 30, comm: 'apt-get', exe: '/usr/bin/apt-get' };

test('the chain is the process, then its ancestors, each with the executable it ran', () => {
  const p = processInfo({ pid: 50, comm: { text: 'sh' } }, { exe: { text: '/usr/bin/dash' }, ancestors: [DPKG, APT] });
  assert.equal(processChain(p), [{ pid: 50, comm: 'sh', exe: '/usr/bin/dash' }, DPKG, APT]);
});

test("dpkg itself, and a maintainer script dpkg runs, are the package manager's work", () => {
  const dpkg = processInfo({ pid: 40, comm: { text: 'dpkg' } }, { exe: { text: '/usr/bin/dpkg' }, ancestors: [APT] });
  assert.equal(packageManagerOf(dpkg), { name: 'dpkg', depth: 0, pid: 40, via: 'exe' });
  const script = processInfo({ pid: 50, comm: { text: 'postinst' } }, { exe: { text: '/usr/bin/dash' }, ancestors: [DPKG, APT] });
  assert.equal(packageManagerOf(script)?.name, 'dpkg');
  assert.is(packageManagerOf(script)?.depth, 1);
});

test('a process named dpkg whose executable is elsewhere, or unknown, is not; nor is a plain shell', () => {
  const fake = processInfo({ comm: { text: 'dpkg' } }, { exe: { text: '/tmp/dpkg' } });
  assert.is(packageManagerOf(fake), null);
  const unknown = processInfo({ comm: { text: 'dpkg' } }, { exe: null });
  assert.is(packageManagerOf(unknown), null, 'comm alone is not evidence');
  const fakeParent = processInfo({ comm: { text: 'cp' } }, { exe: { text: '/usr/bin/cp' }, ancestors: [{ pid: 9, comm: 'apt-get', exe: '/home/x/apt-get' }] });
  assert.is(packageManagerOf(fakeParent), null);
  assert.is(packageManagerOf(processInfo()), null);
});

test('the answer is kept per process context (an exec gives a new one)', () => {
  const p = processInfo({ comm: { text: 'dpkg' } }, { exe: { text: '/usr/bin/dpkg' } });
  const first = packageManagerOf(p);
  assert.ok(first);
  assert.is(packageManagerOf(p), first, 'same object: looked up once');
  const afterExec = { ...p, comm: { text: 'bash' }, context: { ...p.context, exe: { text: '/usr/bin/bash' } } };
  assert.is(packageManagerOf(afterExec), null);
});

test.run();
