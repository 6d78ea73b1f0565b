/**
 * ptrace_agent without floods: the accesses of one process to the agent, of one kind (reading it, or
 * tracing it: an attach and the requests that follow, PTRACE_DETACH included) and one decision, are
 * one alert with a count, named by the strongest access among them (attach before request). The first access opens a short hold
 * in which repeats are counted; the alert goes out when it ends. After it, the same process is
 * quiet for a while: what it does meanwhile is counted and, if anything, raised as one more alert
 * when the quiet ends (so a process that keeps at it raises at most one alert per quiet period,
 * and no access goes uncounted). Timers come in as parameters.
 */
import type { PtraceEvent } from '../events/types.js';

/** How long a first access waits for its repeats before the alert goes out. */
export const PTRACE_AGENT_HOLD_MS = 1000;
/** After an alert, repeats by the same process are folded into at most one alert per this long. */
export const PTRACE_AGENT_QUIET_MS = 60_000;
/** Processes followed at once; past it the oldest is raised now and forgotten. */
export const PTRACE_AGENT_MAX_KEYS = 1024;

export interface PtraceAgentBurst {
  /** the first access of the burst, or the first of its strongest kind (its process, mode and
   * decision name the alert) */
  first: PtraceEvent;
  /** the last one (its time ends the burst) */
  last: PtraceEvent;
  count: number;
  /** the process raised an alert for this kind of access before (a quiet period's repeats) */
  repeat: boolean;
}

export interface PtraceAgentAggregator {
  add(event: PtraceEvent): void;
  /** raises what is held (the agent stops) and drops every timer */
  flush(): void;
  /** processes followed now */
  readonly size: number;
}

/** Which access names a burst: an attach is what matters of attach + detach. */
const STRENGTH: Record<PtraceEvent['access'], number> = { read: 0, request: 1, attach: 2 };

interface Entry {
  burst: PtraceAgentBurst | null;
  timer: unknown;
  raised: boolean;
}

export function createPtraceAgentAggregator(deps: {
  raise: (burst: PtraceAgentBurst) => void;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (timer: unknown) => void;
  holdMs?: number;
  quietMs?: number;
  maxKeys?: number;
}): PtraceAgentAggregator {
  const holdMs = deps.holdMs ?? PTRACE_AGENT_HOLD_MS;
  const quietMs = deps.quietMs ?? PTRACE_AGENT_QUIET_MS;
  const maxKeys = deps.maxKeys ?? PTRACE_AGENT_MAX_KEYS;
  const entries = new Map<string, Entry>();

  const raiseHeld = (entry: Entry) => {
    if (entry.burst === null) return false;
    const burst = entry.burst;
    entry.burst = null;
    entry.raised = true;
    deps.raise(burst);
    return true;
  };
  // the end of a hold or a quiet period: raise what was counted, then stay quiet; forget a process
  // whose quiet period passed with nothing
  const settle = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    if (raiseHeld(entry)) entry.timer = deps.setTimeout(() => settle(key), quietMs);
    else entries.delete(key);
  };

  return {
    add(event) {
      const kind = event.access === 'read' ? 'read' : 'trace';
      const key = `${event.process.key}\0${kind}\0${event.decision}`;
      let entry = entries.get(key);
      if (!entry) {
        if (entries.size >= maxKeys) {
          const [oldestKey, oldest] = entries.entries().next().value as [string, Entry];
          deps.clearTimeout(oldest.timer);
          raiseHeld(oldest);
          entries.delete(oldestKey);
        }
        entry = { burst: null, timer: null, raised: false };
        entries.set(key, entry);
        entry.timer = deps.setTimeout(() => settle(key), holdMs);
      }
      if (entry.burst === null) entry.burst = { first: event, last: event, count: 1, repeat: entry.raised };
      else {
        entry.burst.last = event;
        entry.burst.count++;
        if (STRENGTH[event.access] > STRENGTH[entry.burst.first.access]) entry.burst.first = event;
      }
    },
    flush() {
      for (const entry of entries.values()) {
        deps.clearTimeout(entry.timer);
        raiseHeld(entry);
      }
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
