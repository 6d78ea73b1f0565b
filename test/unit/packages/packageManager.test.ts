import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_CHAIN, PACKAGE_MANAGER_NAMES, findPackageManager } from '../../../src/packages/packageManager.js';

test('dpkg, apt-get, rpm by their own binaries', () => {
  assert.equal(findPackageManager([{ pid: 10, comm: 'dpkg', exe: '/usr/bin/dpkg' }]), { name: 'dpkg', depth: 0, pid: 10, via: 'exe' });
  assert.equal(findPackageManager([{ comm: 'apt-get', exe: '/usr/bin/apt-get' }]), { name: 'apt-get', depth: 0, via: 'exe' });
  assert.equal(findPackageManager([{ comm: 'rpm', exe: '/usr/bin/rpm' }])?.name, 'rpm');
  for (const name of ['dpkg', 'apt', 'apt-get', 'aptitude', 'unattended-upgrade', 'rpm', 'dnf', 'yum']) assert.ok(PACKAGE_MANAGER_NAMES.includes(name), name);
});

test('a maintainer script: the writer is sh or useradd, dpkg is an ancestor', () => {
  const chain = [
    { pid: 300, comm: 'useradd', exe: '/usr/sbin/useradd' },
    { pid: 299, comm: 'postinst', exe: '/usr/bin/dash' },
    { pid: 200, comm: 'dpkg', exe: '/usr/bin/dpkg' },
    { pid: 100, comm: 'apt-get', exe: '/usr/bin/apt-get' },
    { pid: 1, comm: 'systemd', exe: '/usr/lib/systemd/systemd' },
  ];
  assert.equal(findPackageManager(chain), { name: 'dpkg', depth: 2, pid: 200, via: 'exe' }, 'the nearest one');
});

test('Python package managers: a system interpreter with the right comm', () => {
  assert.equal(findPackageManager([{ comm: 'unattended-upgr', exe: '/usr/bin/python3.11' }])?.via, 'interpreter');
  assert.equal(findPackageManager([{ comm: 'dnf', exe: '/usr/bin/python3.12' }])?.name, 'dnf');
  assert.is(findPackageManager([{ comm: 'dnf', exe: '/usr/bin/python3.12' }], { minimum: 'exe' }), null);
  assert.is(findPackageManager([{ comm: 'dpkg', exe: '/usr/bin/python3' }]), null, 'dpkg is not a script');
});

test('attacks: a process named like a package manager is not one', () => {
  // prctl(PR_SET_NAME, "dpkg"), or a binary called dpkg outside the system directories
  assert.is(findPackageManager([{ comm: 'dpkg', exe: '/tmp/dpkg' }]), null);
  assert.is(findPackageManager([{ comm: 'dpkg', exe: '/usr/bin/bash' }]), null);
  assert.is(findPackageManager([{ comm: 'apt', exe: '/usr/local/bin/apt' }]), null);
  assert.is(findPackageManager([{ comm: 'dpkg', exe: '/usr/bin/dpkg (deleted)' }]), null, 'a replaced dpkg binary');
  assert.is(findPackageManager([{ comm: 'dpkg', exe: '/usr/bin/../../tmp/dpkg' }]), null);
  // an exe-less chain matches on comm only, which is not enough unless the caller says so
  assert.is(findPackageManager([{ comm: 'dpkg' }]), null);
  assert.equal(findPackageManager([{ comm: 'dpkg' }], { minimum: 'comm' }), { name: 'dpkg', depth: 0, via: 'comm' });
  // a spoofed name in the middle does not hide a real one further up, nor count itself
  assert.equal(findPackageManager([{ comm: 'dpkg', exe: '/tmp/x' }, { comm: 'sh', exe: '/bin/sh' }])?.name, undefined);
  assert.is(findPackageManager([{ comm: 'bash', exe: '/usr/bin/bash' }]), null);
  assert.is(findPackageManager([]), null);
});

test('the walk is bounded', () => {
  const chain = Array.from({ length: MAX_CHAIN }, () => ({ comm: 'sh', exe: '/bin/sh' }));
  assert.is(findPackageManager([...chain, { comm: 'dpkg', exe: '/usr/bin/dpkg' }]), null);
  assert.ok(findPackageManager([...chain.slice(1), { comm: 'dpkg', exe: '/usr/bin/dpkg' }]));
});

test.run();
