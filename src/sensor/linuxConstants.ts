/** Linux ABI numbers the kernel puts into records (open flags, ptrace requests and modes), and the
 * names errno and signal numbers print as. */
import { constants as osConstants } from 'node:os';

export const O_ACCMODE = 0o3;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;

export const PTRACE_TRACEME = 0;
export const PTRACE_ATTACH = 16;
export const PTRACE_SEIZE = 0x4206;
export const PTRACE_MODE_ATTACH = 0x02;

export const PTRACE_REQUEST_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'PTRACE_TRACEME',
  1: 'PTRACE_PEEKTEXT',
  2: 'PTRACE_PEEKDATA',
  4: 'PTRACE_POKETEXT',
  5: 'PTRACE_POKEDATA',
  7: 'PTRACE_CONT',
  8: 'PTRACE_KILL',
  12: 'PTRACE_GETREGS',
  13: 'PTRACE_SETREGS',
  16: 'PTRACE_ATTACH',
  17: 'PTRACE_DETACH',
  0x4206: 'PTRACE_SEIZE',
  0x4207: 'PTRACE_INTERRUPT',
});

/** errno number → name; the first name wins (EAGAIN, not its alias EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osConstants.errno)) if (!ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name);

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES.get(errno);
}

export function signalName(signal: number): string | undefined {
  return SIGNAL_NAMES.get(signal);
}
