/** Real cgroup paths, as /proc/PID/cgroup shows them under each runtime (cgroup v2 unless noted). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerFromCgroupPath, containerFromProcCgroup, unifiedCgroupPath } from '../../../src/process/containerId.js';

const ID = '3f9c1a0e5b7d2c4f6a8b0d1e3f5a7c9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c';
const POD = '6a1b2c3d-4e5f-6789-abcd-ef0123456789';

const cases: Array<[string, string, ReturnType<typeof containerFromCgroupPath>]> = [
  ['docker, systemd driver', `/system.slice/docker-${ID}.scope`, { runtime: 'docker', id: ID }],
  ['docker, cgroupfs driver (v1 memory line)', `/docker/${ID}`, { runtime: 'docker', id: ID }],
  ['docker, a process in a sub-cgroup of the container', `/system.slice/docker-${ID}.scope/init.scope`, { runtime: 'docker', id: ID }],
  [
    'Kubernetes with containerd, systemd driver',
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`,
    { runtime: 'containerd', id: ID, podUid: POD },
  ],
  ['Kubernetes with containerd, cgroupfs driver', `/kubepods/besteffort/pod${POD}/${ID}`, { runtime: 'containerd', id: ID, podUid: POD }],
  [
    'Kubernetes guaranteed QoS (no QoS slice)',
    `/kubepods.slice/kubepods-pod${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`,
    { runtime: 'containerd', id: ID, podUid: POD },
  ],
  [
    'Kubernetes with CRI-O',
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD.replace(/-/g, '_')}.slice/crio-${ID}.scope`,
    { runtime: 'cri-o', id: ID, podUid: POD },
  ],
  ['containerd without Kubernetes (nerdctl, cgroupfs: /NAMESPACE/ID)', `/default/${ID}`, { runtime: 'containerd', id: ID }],
  ['nerdctl, systemd driver', `/system.slice/nerdctl-${ID}.scope`, { runtime: 'containerd', id: ID }],
  ['podman, rootful', `/machine.slice/libpod-${ID}.scope/container`, { runtime: 'podman', id: ID }],
  [
    'podman, rootless',
    `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`,
    { runtime: 'podman', id: ID },
  ],
  ['podman, cgroupfs manager', `/libpod_parent/libpod-${ID}`, { runtime: 'podman', id: ID }],
  ['podman conmon (the monitor, not the container)', `/machine.slice/libpod-conmon-${ID}.scope`, null],
  [
    'systemd-nspawn, a unit inside the machine (name unescaped)',
    '/machine.slice/machine-debian\\x2dbookworm.scope/payload/system.slice/cron.service',
    { runtime: 'systemd-nspawn', id: 'debian-bookworm' },
  ],
  ['systemd-nspawn, the machine itself', '/machine.slice/machine-build01.scope', { runtime: 'systemd-nspawn', id: 'build01' }],
  ['LXC 4+ / LXD payload', '/lxc.payload.web01/system.slice/ssh.service', { runtime: 'lxc', id: 'web01' }],
  ['LXC 1-3 (v1 path)', '/lxc/web01', { runtime: 'lxc', id: 'web01' }],
  ['LXC monitor (not the container)', '/lxc.monitor.web01', null],
  ['host: a login session', '/user.slice/user-1000.slice/session-3.scope', null],
  ['host: a service', '/system.slice/ssh.service', null],
  ['host: the root', '/', null],
  ['not 64 hex digits', `/system.slice/docker-${ID.slice(1)}.scope`, null],
];

for (const [name, path, expected] of cases) {
  test(`cgroup path → container: ${name}`, () => {
    assert.equal(containerFromCgroupPath(path), expected, path);
  });
}

test('/proc/PID/cgroup: the v2 line is read first; v1 lines (hybrid hosts) after', () => {
  const hybrid = `12:memory:/docker/${ID}\n11:pids:/docker/${ID}\n0::/\n`;
  assert.equal(containerFromProcCgroup(hybrid), { runtime: 'docker', id: ID });
  const v2 = `0::/system.slice/docker-${ID}.scope\n`;
  assert.equal(containerFromProcCgroup(v2), { runtime: 'docker', id: ID });
  assert.is(containerFromProcCgroup('0::/user.slice/user-0.slice/session-1.scope\n'), null);
  assert.is(containerFromProcCgroup('garbage without colons\n'), null);
  assert.is(unifiedCgroupPath(hybrid), '/');
  assert.is(unifiedCgroupPath('1:cpu:/x\n'), null);
});

test('untrusted text: overlong paths are not parsed', () => {
  assert.is(containerFromCgroupPath(`/${'a/'.repeat(3000)}docker-${ID}.scope`), null);
});

test.run();
