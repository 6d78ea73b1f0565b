/**
 * The acting process of an event, as the enrich stage hands it to consumers and sinks (re-exported
 * by src/events/types.ts): what its record said, and what the process context knows of it.
 */
import type { PathText } from '../shared/pathText.js';
import type { Ancestor } from './ancestry.js';
import type { ContainerRef } from './containerId.js';

/** Where a process's executable and command line came from. */
export type ContextSource =
  | 'exec' // the kernel's exec record (the program it runs now)
  | 'fork' // forked after the agent started and has not exec'd: its creator's program
  | 'procfs' // started before the agent: read from /proc, its start time checked
  | 'kernel'; // neither: only what the event's record says (a process gone before /proc was read)

/** What the agent knows about a process beyond the event's own record; one shared object per process. */
export interface ProcessContext {
  /** the executable (for a script: its interpreter); null when unknown */
  exe: PathText | null;
  exeInode: bigint | null;
  /** st_dev numbering, as stat() reports it */
  exeDev: number | null;
  /** the executable had no name left when it started (deleted, replaced, a memfd) */
  exeDeleted: boolean;
  /** arguments, secrets redacted (src/process/redaction.ts), bounded; null when unknown */
  cmdline: string | null;
  cmdlineTruncated: boolean;
  /** controlling terminal ("pts/3"), null if none */
  tty: string | null;
  /** parent first, as far as known and as deep as the policy asks */
  ancestors: readonly Ancestor[];
  /** the nearest sudo, su, doas, … in the chain (the process itself included) */
  via: string | null;
  source: ContextSource;
  /**
   * A slot for the output stage's serialized form of this context (src/output/eventRecord.ts),
   * made at the process's first event. The process cache empties it when the process exits: a
   * detector may keep the context of a process long gone, and the text is the largest part of it.
   */
  readonly memo: { serialized: unknown };
}

/** The acting task, as the kernel saw it when the event happened, with what the agent knows of it. */
export interface ProcessInfo {
  /** thread-group id (what ps calls PID) */
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: PathText;
  /** the process's start (ns since boot): (pid, startNs) is its identity, a reused pid has another */
  startNs: bigint;
  /** the same instant as wall time */
  startTime: string;
  /** one string per process identity, for state that must not pass to a reused pid (detectors) */
  key: string;
  /** audit login uid and session (they survive su and sudo); null when unset */
  loginUid: number | null;
  sessionId: number | null;
  cgroupId: bigint;
  /** names from the host's passwd and group files; null when the id has none */
  user: string | null;
  group: string | null;
  loginUser: string | null;
  container: ContainerRef | null;
  context: ProcessContext;
}

