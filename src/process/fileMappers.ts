/**
 * Which process still maps a file shared: /proc/PID/maps lines name each mapping's device and
 * inode ("start-end perms offset MAJ:MIN inode path", perms "rw-s" for a shared one). A shared
 * mapping outlives the process that made it in every child it forked, so when that process is gone
 * the follower of a mapped baseline file (src/agent/mappingFollower.ts) asks here for another.
 * Everything read is untrusted: unparsable lines are skipped, a process gone meanwhile is no match.
 */

export interface MapsIo {
  /** pids of the processes there now */
  listPids(): number[];
  /** the text of /proc/PID/maps, or null (gone, or unreadable) */
  readMaps(pid: number): string | null;
}

/** The kernel-internal dev_t of the records (MAJOR << 20 | MINOR) as maps prints it. */
export function mapsDevice(kernelDev: number): string {
  const major = kernelDev >>> 20;
  const minor = kernelDev & 0xfffff;
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** Whether a maps text has a shared mapping of (device as maps prints it, inode). */
export function mapsShareFile(text: string, device: string, ino: bigint): boolean {
  const inode = ino.toString();
  for (const line of text.split('\n')) {
    const fields = line.split(/\s+/, 5);
    if (fields.length < 5) continue;
    const [, perms, , dev, lineIno] = fields;
    if (perms.length === 4 && perms[3] === 's' && dev === device && lineIno === inode) return true;
  }
  return false;
}

/** A process other than `except` that maps (kernelDev, ino) shared, or null. */
export function findSharedMapper(io: MapsIo, kernelDev: number, ino: bigint, except: number): number | null {
  const device = mapsDevice(kernelDev);
  for (const pid of io.listPids()) {
    if (pid === except) continue;
    const text = io.readMaps(pid);
    if (text !== null && mapsShareFile(text, device, ino)) return pid;
  }
  return null;
}
