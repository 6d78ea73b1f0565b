/** What the host offers: root, BTF, whether BPF is an active LSM. I/O is injected for tests. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface HostProbe {
  isRoot: boolean;
  hasBtf: boolean;
  /** contents of /sys/kernel/security/lsm, or null if it cannot be read */
  activeLsms: string[] | null;
}

export function probeHost(
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  exists: (path: string) => boolean = existsSync,
  mountSecurityfs: () => void = () => {
    execFileSync('mount', ['-t', 'securityfs', 'securityfs', '/sys/kernel/security'], { stdio: 'ignore' });
  },
): HostProbe {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasBtf = exists('/sys/kernel/btf/vmlinux');
  let activeLsms: string[] | null = null;
  const lsmFile = '/sys/kernel/security/lsm';
  try {
    if (!exists(lsmFile) && isRoot) mountSecurityfs();
  } catch {
    // not mountable here: activeLsms stays unknown
  }
  try {
    activeLsms = read(lsmFile).trim().split(',').filter(Boolean);
  } catch {
    activeLsms = null;
  }
  return { isRoot, hasBtf, activeLsms };
}

/** Why BPF LSM cannot be used on this host, or null if it may be (loading still decides). */
export function lsmUnavailableReason(probe: HostProbe): string | null {
  if (probe.activeLsms === null) return 'the active LSM list (/sys/kernel/security/lsm) cannot be read';
  if (!probe.activeLsms.includes('bpf')) {
    return `bpf is not an active LSM (active: ${probe.activeLsms.join(',')}); add it to the kernel command line, e.g. lsm=${[...probe.activeLsms, 'bpf'].join(',')}, and reboot`;
  }
  return null;
}
