/**
 * The package manager at work in a process, from its process context (src/process/): the process
 * itself and its ancestors, each with the executable the kernel or /proc named. Only an executable
 * backs a name (see ./packageManager.ts): a process that calls itself "dpkg" is not dpkg.
 */
import type { ProcessContext, ProcessInfo } from '../process/types.js';
import { findPackageManager, type PackageManagerMatch } from './packageManager.js';
import type { ProcessIdentity } from '../rules/types.js';

/** One answer per process context (shared by all events of a process; a new one after exec). */
const memo = new WeakMap<ProcessContext, PackageManagerMatch | null>();

export function processChain(p: ProcessInfo): ProcessIdentity[] {
  return [
    { pid: p.pid, comm: p.comm.text, exe: p.context.exe?.text ?? null },
    ...p.context.ancestors.map((a) => ({ pid: a.pid, comm: a.comm, exe: a.exe })),
  ];
}

/** The nearest package manager in the process's chain, or null. */
export function packageManagerOf(p: ProcessInfo): PackageManagerMatch | null {
  const known = memo.get(p.context);
  if (known !== undefined) return known;
  const found = findPackageManager(processChain(p));
  memo.set(p.context, found);
  return found;
}
