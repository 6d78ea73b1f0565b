/** The host side of the process context: bounded reads of /proc, the account files and the cgroup
 * tree (what src/process takes as parameters, so its logic stays testable without a host). */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import type { AccountsIo } from './accounts.js';
import type { MapsIo } from './fileMappers.js';
import type { CgroupIo } from './cgroups.js';
import type { ProcIo } from './procfs.js';

/** At most maxBytes of a file (a /proc file has no size to trust), or null. */
export function readBounded(path: string, maxBytes: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.allocUnsafe(maxBytes);
    let used = 0;
    while (used < maxBytes) {
      const n = readSync(fd, buf, used, maxBytes - used, null);
      if (n === 0) break;
      used += n;
    }
    return buf.subarray(0, used);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export const hostProcIo: ProcIo = {
  readFile: readBounded,
  readlink(path) {
    try {
      return readlinkSync(path, { encoding: 'buffer' });
    } catch {
      return null;
    }
  },
  stat(path) {
    try {
      const st = statSync(path, { bigint: true });
      return { ino: st.ino, dev: Number(st.dev) };
    } catch {
      return null;
    }
  },
};

export const hostAccountsIo: AccountsIo = {
  readText(path, maxBytes) {
    return readBounded(path, maxBytes)?.toString('utf8') ?? null;
  },
  signature(path) {
    try {
      const st = statSync(path, { bigint: true });
      return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch {
      return null;
    }
  },
  nowMs: () => Date.now(),
};

export const hostCgroupIo: CgroupIo = {
  inode(path) {
    try {
      const st = statSync(path, { bigint: true });
      return st.isDirectory() ? st.ino : null;
    } catch {
      return null;
    }
  },
  subdirectories(path) {
    try {
      return readdirSync(path, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  },
  nowMs: () => Date.now(),
};

/** cgroup v2 at /sys/fs/cgroup (not v1 or hybrid): its root has cgroup.controllers. */
export function cgroupV2Mounted(root = '/sys/fs/cgroup'): boolean {
  return existsSync(`${root}/cgroup.controllers`);
}

/** Numeric entries of /proc: the processes there now. */
export function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** /proc/PID/maps read whole (its length is bounded by the kernel's map count, not by the file). */
export const hostMapsIo: MapsIo = {
  listPids,
  readMaps(pid) {
    try {
      return readFileSync(`/proc/${pid}/maps`, 'latin1');
    } catch {
      return null;
    }
  },
};
