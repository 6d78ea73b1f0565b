/**
 * What the sensor in use cannot see, as the `blind_spots` list of the ready line (the README's
 * conformance matrix lists the same ids). Ids that match a conformance case
 * (test/integration/conformance.test.ts) let that case miss; every other miss fails the suite.
 */
import type { SensorName } from '../sensor/settings.js';
import type { SensorFeatures } from '../sensor/nativeAddon.js';
import type { WatchPlan } from '../sensor/watchPlan.js';

export interface BlindSpot {
  id: string;
  what: string;
}

const UNRESOLVED_PATHS = [
  'path-dotdot',
  'path-double-slash',
  'path-symlinked-dir',
  'path-proc-self-root',
  'unlink-symlinked-dir',
];

/** What the tracepoint sensor does not see of the write paths that bypass write(2)
 * (copy_file_range, sendfile, splice and fallocate it sees at their syscalls; io_submit where
 * bpf_loop exists, see LINUX_AIO). */
const TRACEPOINT_WRITE_PATHS: BlindSpot[] = [
  { id: 'io-uring', what: 'opens and writes submitted through io_uring are not seen by syscall tracepoints' },
  // mprotect(2) names an address, not a file: finding the mapping needs the LSM hook
  { id: 'mprotect-shared-write', what: 'an mprotect that makes a shared mapping of a watched file writable has no line (its mmap, if writable, has)' },
];

const LINUX_AIO: BlindSpot = {
  id: 'linux-aio',
  what: 'this kernel has no bpf_loop (5.17+): writes submitted through Linux AIO (io_submit) have no write line (the open for writing is reported, and the baseline is compared after it)',
};

export function blindSpotsOf(
  sensor: SensorName,
  features: SensorFeatures & { utimesHook?: boolean },
  plan: Pick<WatchPlan, 'unmarked' | 'multiWildcards' | 'orphanWildcards'>,
  variants: ReadonlyArray<{ program: string; variant: string }> = [],
  skipped: ReadonlyArray<{ program: string; reason: string }> = [],
): BlindSpot[] {
  const out: BlindSpot[] = [];
  if (sensor === 'tracepoint') {
    out.push(...TRACEPOINT_WRITE_PATHS);
    if (skipped.some((p) => p.program === 'lw_tp_enter_io_submit')) out.push(LINUX_AIO);
    out.push({
      id: 'syscall-argument-race',
      what: 'the path strings of renames, unlinks and links are read at syscall entry: a thread that rewrites them while the call runs can make the sensor judge another name',
    });
    out.push({
      id: 'symlink-target-outside-inode',
      what: 'a rename or unlink through a symbolic link whose target is not kept in the inode (ext4 links of 60 bytes or more) is judged by its string (path_unresolved)',
    });
    out.push({
      id: 'identity-lru',
      what: 'files first seen as watched after start keep their identity (hard links, bind mounts) in an LRU of 65536 entries',
    });
    out.push({
      id: 'metadata-through-symlink',
      what: 'chmod, chown, truncate, utimes and setxattr by a name whose last component is a symbolic link are judged by the link, not by the file it points to',
    });
    if (!features.dcacheResolver) {
      for (const id of UNRESOLVED_PATHS) {
        out.push({ id, what: 'this kernel has no bpf_loop (5.17+): rename and unlink paths are taken from the syscall strings, unnormalised' });
      }
      // what a bind or move attached is found from its mount point, which is then only a string
      out.push({ id: 'mount-source-watched', what: 'this kernel has no bpf_loop (5.17+): a bind mount or move of a watched tree to an unwatched name is no mount line (writes through the new name are reported: watched inodes are marked)' });
    }
  }
  if (sensor === 'lsm' && !features.postOpRecords) {
    out.push({
      id: 'refused-path-ops',
      what: 'this kernel has no bpf_get_func_ret (5.17+): renames, unlinks and rmdirs are reported when they start, also when they are then refused',
    });
  }
  if (sensor === 'lsm' && !features.utimesHook) {
    // utimes is seen in inode_setattr (not told otherwise, e.g. a caller that did not say: declared)
    out.push({ id: 'utimes-backdate', what: 'utimensat and utimes (timestomping) are not reported by this LSM sensor (inode_setattr not attached); the baseline shows them at the next re-check' });
  }
  if (sensor === 'lsm' && variants.some((v) => v.variant === 'lw_lsm_path_rename__no_flags')) {
    out.push({
      id: 'dir-exchange',
      what: 'before Linux 5.19 the path_rename hook is not told the renameat2 flags: an exchange (RENAME_EXCHANGE) is reported as a rename, and the inode swapped in is not marked watched',
    });
  }
  if (plan.unmarked) {
    out.push({
      id: 'mark-limit',
      what: 'watched directories hold more files than the agent marks at start: hard links and bind mounts of the rest are not recognised as watched',
    });
  }
  for (const entry of plan.multiWildcards) {
    out.push({ id: 'wildcard-multi', what: `${entry}: only the first * follows directories made after start; the rest matches what existed at start` });
  }
  for (const entry of plan.orphanWildcards) {
    out.push({ id: 'wildcard-parent-missing', what: `${entry}: the directory above the * did not exist at start; only matches present at start are watched` });
  }
  return out;
}
