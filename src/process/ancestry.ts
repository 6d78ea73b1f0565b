/**
 * The ancestry of a process: its parent, the parent's parent, … as far as they are known, up to a
 * depth. Each step follows a parent *identity* (pid and start time), never a bare pid, so a parent
 * that exited and whose pid was reused is not mistaken for the new holder of that pid. Pure: the
 * lookup (process cache, /proc) comes in as a parameter.
 */

/** A process identity: a pid is reused, (pid, start) is not. */
export interface ProcessRef {
  pid: number;
  /** start of the process, ns since boot (the kernel's start_boottime); null where only /proc named
   * it (whoever holds the pid, if it started no later than the child) */
  startNs: bigint | null;
}

export interface AncestorNode {
  pid: number;
  startNs: bigint;
  /** how it is listed: { pid, comm, exe } (the lookup may hand out one shared object per process) */
  view: Ancestor;
  /** the parent of this ancestor, or null where the chain ends (pid 1, a kernel thread, unknown) */
  parent: ProcessRef | null;
}

/** One ancestor as events report it. */
export interface Ancestor {
  pid: number;
  comm: string;
  exe: string | null;
}

export const MAX_ANCESTRY_DEPTH = 32;

/**
 * Walks up from `parent` for at most `depth` steps. Stops at pid 0, at an unknown identity, at an
 * ancestor said to have started after its child (a reused pid), and at a loop.
 */
export function buildAncestry(
  parent: ProcessRef | null,
  depth: number,
  lookup: (ref: ProcessRef) => AncestorNode | undefined,
): Ancestor[] {
  const chain: Ancestor[] = [];
  const seen = new Set<string>();
  let ref = parent;
  let childStart: bigint | null = null;
  const limit = Math.min(depth, MAX_ANCESTRY_DEPTH);
  while (ref !== null && ref.pid > 0 && chain.length < limit) {
    const key = `${ref.pid}:${ref.startNs}`;
    if (seen.has(key)) break;
    seen.add(key);
    const node = lookup(ref);
    if (node === undefined) break;
    if (childStart !== null && node.startNs > childStart) break;
    chain.push(node.view);
    childStart = node.startNs;
    ref = node.parent;
  }
  return chain;
}

/** Programs that run a command as another user: "by alice via sudo". */
const PRIVILEGE_TOOLS = new Set(['sudo', 'sudo-rs', 'su', 'doas', 'pkexec', 'run0', 'sudoedit']);

/** The nearest ancestor (or the process itself, first) that is sudo, su, doas, …: its name, or null. */
export function privilegeTool(self: { comm: string; exe: string | null }, ancestors: readonly Ancestor[]): string | null {
  for (const p of [self, ...ancestors]) {
    const exeName = p.exe === null ? null : p.exe.slice(p.exe.lastIndexOf('/') + 1);
    // exe where known: a process can call itself "sudo", but not run /usr/bin/sudo without being it
    const name = exeName ?? p.comm;
    if (PRIVILEGE_TOOLS.has(name)) return name;
  }
  return null;
}
