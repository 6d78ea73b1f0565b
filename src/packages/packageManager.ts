/**
 * Whether a process chain (the writer and its ancestors) is a package manager at work: dpkg,
 * apt, rpm, dnf and friends, or a maintainer script they run.
 *
 * comm is chosen by the process itself (prctl, or naming a binary "dpkg"), so it alone proves
 * nothing. Where the sensor knows the executable, it must be the package manager's own binary
 * in a system directory (`via: "exe"`). The Python ones (dnf, yum, unattended-upgrade) can only
 * be recognised as a system Python with the right comm (`via: "interpreter"`), which any process
 * that can run Python can imitate. Without an exe only comm is left (`via: "comm"`). The caller
 * picks the weakest evidence it accepts (`minimum`).
 */
import { basename, dirname } from 'node:path';
import type { ProcessIdentity } from '../rules/types.js';

interface KnownPackageManager {
  name: string;
  /** comm values (the kernel keeps 15 bytes: "unattended-upgr"). */
  comms: readonly string[];
  /** Executable basenames of its own binaries. */
  exes: readonly string[];
  /** Written in Python: a system interpreter with the right comm is the best evidence there is. */
  script?: true;
}

const INTERPRETER = /^(python[23]?(\.\d+)?|perl)$/;

const KNOWN: readonly KnownPackageManager[] = [
  { name: 'dpkg', comms: ['dpkg'], exes: ['dpkg'] },
  { name: 'apt', comms: ['apt'], exes: ['apt'] },
  { name: 'apt-get', comms: ['apt-get'], exes: ['apt-get'] },
  { name: 'aptitude', comms: ['aptitude', 'aptitude-curses'], exes: ['aptitude', 'aptitude-curses'] },
  { name: 'unattended-upgrade', comms: ['unattended-upgr', 'unattended-upgrade'], exes: [], script: true },
  { name: 'packagekitd', comms: ['packagekitd'], exes: ['packagekitd'] },
  { name: 'rpm', comms: ['rpm'], exes: ['rpm'] },
  { name: 'dnf', comms: ['dnf', 'dnf-3', 'dnf5'], exes: ['dnf5'], script: true },
  { name: 'yum', comms: ['yum'], exes: [], script: true },
  { name: 'microdnf', comms: ['microdnf'], exes: ['microdnf'] },
  { name: 'zypper', comms: ['zypper'], exes: ['zypper'] },
  { name: 'pacman', comms: ['pacman'], exes: ['pacman'] },
  { name: 'apk', comms: ['apk'], exes: ['apk'] },
];

/** Where a package manager's binary (or its interpreter) is installed. */
export const SYSTEM_EXE_DIRS: readonly string[] = Object.freeze(['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/libexec', '/usr/lib/packagekit']);

export type Evidence = 'exe' | 'interpreter' | 'comm';
const STRENGTH: Record<Evidence, number> = { exe: 2, interpreter: 1, comm: 0 };

export interface PackageManagerMatch {
  name: string;
  /** The matching process; 0 is the writer itself, 1 its parent, … */
  depth: number;
  pid?: number;
  via: Evidence;
}

/** At most this many ancestors are looked at (a chain is short; a long one is not worth the walk). */
export const MAX_CHAIN = 32;

/** How well the executable backs the comm: its own binary, a system interpreter, or not at all. */
function exeEvidence(known: KnownPackageManager, exe: string): Evidence | null {
  // A deleted or out-of-tree binary named like the package manager is not it.
  if (exe.endsWith(' (deleted)') || !SYSTEM_EXE_DIRS.includes(dirname(exe))) return null;
  const name = basename(exe);
  if (known.exes.includes(name)) return 'exe';
  if (known.script && INTERPRETER.test(name)) return 'interpreter';
  return null;
}

function match(process: ProcessIdentity): { known: KnownPackageManager; via: Evidence } | null {
  const known = KNOWN.find((k) => k.comms.includes(process.comm));
  if (!known) return null;
  if (process.exe === undefined || process.exe === null || process.exe === '') return { known, via: 'comm' };
  const via = exeEvidence(known, process.exe);
  return via === null ? null : { known, via };
}

/**
 * The nearest package manager in the chain (writer first, then parent, …) backed by at least
 * `minimum` evidence (default "interpreter": comm alone does not count), or null.
 */
export function findPackageManager(
  chain: readonly ProcessIdentity[],
  options: { minimum?: Evidence } = {},
): PackageManagerMatch | null {
  const minimum = STRENGTH[options.minimum ?? 'interpreter'];
  const limit = Math.min(chain.length, MAX_CHAIN);
  for (let depth = 0; depth < limit; depth++) {
    const process = chain[depth]!;
    const found = match(process);
    if (!found || STRENGTH[found.via] < minimum) continue;
    const result: PackageManagerMatch = { name: found.known.name, depth, via: found.via };
    if (process.pid !== undefined) result.pid = process.pid;
    return result;
  }
  return null;
}

/** The names this module knows, for documentation. */
export const PACKAGE_MANAGER_NAMES: readonly string[] = Object.freeze(KNOWN.map((k) => k.name));
