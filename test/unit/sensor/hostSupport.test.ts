import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lsmUnavailableReason, probeHost, type HostProbe } from '../../../src/sensor/hostSupport.js';

const probe = (activeLsms: string[] | null): HostProbe => ({ isRoot: true, hasBtf: true, activeLsms });

test('bpf not in the active list: says so and suggests lsm=...,bpf', () => {
  const reason = lsmUnavailableReason(probe(['lockdown', 'capability', 'yama', 'apparmor']));
  assert.type(reason, 'string');
  assert.match(reason!, /bpf is not an active LSM/);
  assert.match(reason!, /active: lockdown,capability,yama,apparmor/);
  assert.ok(reason!.includes('lsm=lockdown,capability,yama,apparmor,bpf'), reason!);
  assert.match(reason!, /reboot/);
});

test('an empty active list still suggests lsm=bpf', () => {
  assert.ok(lsmUnavailableReason(probe([]))!.includes('lsm=bpf'));
});

test('bpf in the active list: available', () => {
  assert.is(lsmUnavailableReason(probe(['capability', 'lockdown', 'bpf'])), null);
  assert.is(lsmUnavailableReason(probe(['bpf'])), null);
});

test('bpf must be a whole entry, not a substring', () => {
  assert.type(lsmUnavailableReason(probe(['bpfx', 'notbpf'])), 'string');
});

test('unreadable list: a reason naming the file', () => {
  assert.match(lsmUnavailableReason(probe(null))!, /\/sys\/kernel\/security\/lsm/);
});

test('probeHost with injected I/O: reads and splits the LSM list, BTF from existence', () => {
  const read = (p: string) => {
    assert.is(p, '/sys/kernel/security/lsm');
    return 'lockdown,capability,landlock,yama,bpf\n';
  };
  const exists = (p: string) => p === '/sys/kernel/btf/vmlinux' || p === '/sys/kernel/security/lsm';
  let mounted = 0;
  const host = probeHost(read, exists, () => mounted++);
  assert.equal(host.activeLsms, ['lockdown', 'capability', 'landlock', 'yama', 'bpf']);
  assert.is(host.hasBtf, true);
  assert.is(mounted, 0); // file present: nothing mounted
  assert.is(host.isRoot, process.getuid?.() === 0);
});

test('probeHost: unreadable list gives null, failing mount is not fatal', () => {
  const host = probeHost(
    () => {
      throw new Error('EACCES');
    },
    () => false,
    () => {
      throw new Error('mount failed');
    },
  );
  assert.is(host.activeLsms, null);
  assert.is(host.hasBtf, false);
});

test('probeHost mounts securityfs only as root and only when the list is missing', () => {
  let mounted = 0;
  let present = false;
  const host = probeHost(
    () => {
      if (!present) throw new Error('ENOENT');
      return 'capability,bpf';
    },
    (p) => (p === '/sys/kernel/security/lsm' ? present : true),
    () => {
      mounted++;
      present = true;
    },
  );
  if (host.isRoot) {
    assert.is(mounted, 1);
    assert.equal(host.activeLsms, ['capability', 'bpf']);
  } else {
    assert.is(mounted, 0);
    assert.is(host.activeLsms, null);
  }
});

test.run();
