/**
 * The container of an event, from its cgroup. On a cgroup v2 host the kernel's cgroup id is exact
 * (the cgroup directory's inode number), so the answer is kept per id and holds for every process
 * of the container, also one gone before the agent looked: the id's path comes from the process's
 * /proc/PID/cgroup (checked against the directory's inode), or else from a bounded walk of the
 * cgroup tree, at most every `walkIntervalMs`. On v1 or hybrid hosts the v2 id says nothing
 * (everything sits in its root), so the process's own /proc/PID/cgroup is read, once per process.
 */
import { containerFromCgroupPath, containerFromProcCgroup, unifiedCgroupPath, type ContainerRef } from './containerId.js';

export interface CgroupIo {
  /** inode number of a directory, or null */
  inode(path: string): bigint | null;
  /** subdirectory names, or [] */
  subdirectories(path: string): string[];
  nowMs(): number;
}

export interface CgroupResolver {
  /** cgroup v2 host: the container of a cgroup id, seen on an event of process (pid, startTicks) */
  containerOfId(cgroupId: bigint, pid: number, startTicks: bigint): ContainerRef | null;
  /** whether ids tell containers apart here (cgroup v2 mounted at the root) */
  readonly unified: boolean;
}

const MAX_DIRS = 20_000;
const MAX_DEPTH = 32;
const MAX_IDS = 65_536;

export interface CgroupResolverOptions {
  root?: string;
  unified: boolean;
  walkIntervalMs?: number;
  /** /proc/PID/cgroup of the process if it is still the one that started at startTicks */
  procCgroup: (pid: number, startTicks: bigint) => string | null;
}

export function createCgroupResolver(io: CgroupIo, options: CgroupResolverOptions): CgroupResolver {
  const root = options.root ?? '/sys/fs/cgroup';
  const walkIntervalMs = options.walkIntervalMs ?? 10_000;
  const byId = new Map<bigint, ContainerRef | null>();
  let lastWalkMs = -Infinity;

  const remember = (id: bigint, ref: ContainerRef | null) => {
    if (byId.size >= MAX_IDS) byId.clear(); // ids are cheap to learn again
    byId.set(id, ref);
    return ref;
  };
  // the root cgroup: most host processes, and no container
  const rootId = options.unified ? io.inode(root) : null;
  if (rootId !== null) remember(rootId, null);

  /** Maps the inode of every cgroup directory (bounded) to its path. */
  const walk = (wanted: bigint): string | null => {
    let found: string | null = null;
    let visited = 0;
    const stack: Array<[string, number]> = [['', 0]];
    while (stack.length > 0 && visited < MAX_DIRS) {
      const [rel, depth] = stack.pop()!;
      visited++;
      const ino = io.inode(root + rel);
      if (ino === null) continue;
      if (!byId.has(ino)) remember(ino, containerFromCgroupPath(rel || '/'));
      if (ino === wanted) found = rel || '/';
      if (depth < MAX_DEPTH) for (const name of io.subdirectories(root + rel)) stack.push([`${rel}/${name}`, depth + 1]);
    }
    return found;
  };

  return {
    unified: options.unified,
    containerOfId(cgroupId, pid, startTicks) {
      const known = byId.get(cgroupId);
      if (known !== undefined) return known;
      const text = options.procCgroup(pid, startTicks);
      const path = text === null ? null : unifiedCgroupPath(text);
      if (path !== null && io.inode(root + path) === cgroupId) return remember(cgroupId, containerFromCgroupPath(path));
      const now = io.nowMs();
      if (now - lastWalkMs < walkIntervalMs) return null; // not remembered: a later walk may find it
      lastWalkMs = now;
      const walked = walk(cgroupId);
      return walked === null ? remember(cgroupId, null) : (byId.get(cgroupId) ?? null);
    },
  };
}

/** cgroup v1 or hybrid hosts: the container from the process's own /proc/PID/cgroup text. */
export function containerOfProcess(procCgroup: string | null): ContainerRef | null {
  return procCgroup === null ? null : containerFromProcCgroup(procCgroup);
}
