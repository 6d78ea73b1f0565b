/**
 * The agent's other signals. SIGTERM and SIGINT stop it cleanly (src/agent/stopRequests.ts), SIGHUP
 * reloads the policy (src/agent/reloadSignal.ts). Every other catchable signal whose default action
 * would end or stop it is caught here and reported, and the agent keeps running. SIGTTIN and SIGTTOU
 * are ignored instead (SIG_IGN, through the addon, src/agent/startup.ts): a handler would make a
 * background write to a tty with TOSTOP restart forever. Who sent a signal comes from the sensor
 * (the signal event, src/agent/selfProtectionAlerts.ts), not from here. Under --protect the LSM
 * sensor denies in the kernel every signal but those in ALLOWED_UNDER_PROTECT (bpf/lsm/guard.bpf.h).
 *
 * Not handled, because they cannot be or V8 needs them: SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, and the real-time signals (node cannot listen for them). Without --protect they end the agent.
 */
import { constants } from 'node:os';
import type { SignalDispositions, SignalHandledInfo } from '../output/records.js';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export const RELOAD_SIGNALS = ['SIGHUP'] as const;
/** Caught and reported; the agent keeps running. */
export const REPORTED_SIGNALS = [
  'SIGQUIT', 'SIGABRT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGPROF', 'SIGTSTP', 'SIGXCPU',
  'SIGPWR', 'SIGSYS', 'SIGTRAP', 'SIGIO', 'SIGSTKFLT',
] as const;
/** Ignored (SIG_IGN): the agent never stops for them. */
export const IGNORED_SIGNALS = ['SIGTTIN', 'SIGTTOU'] as const;
export const UNHANDLED_SIGNALS = ['SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGRTMIN..SIGRTMAX'] as const;
/** What the kernel allows others to send under --protect (everything else is denied). */
export const ALLOWED_UNDER_PROTECT = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH'] as const;

/** One report line per signal per interval; arrivals in between are counted into the next line. */
export const REPORT_INTERVAL_MS = 1000;

/** Where the launcher (bin/lsmwatch.js) notes a SIGUSR1 that arrived before this module took over. */
export const EARLY_SIGNALS_KEY = Symbol.for('lsmwatch.earlySignals');

export type SignalReport = Omit<SignalHandledInfo, 'time'>;

export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface SignalHandling {
  /** removes the listeners (the process is about to exit) */
  uninstall(): void;
  /** reports the arrivals counted but not reported yet */
  flush(): void;
}

export function signalNumbers(names: readonly string[]): number[] {
  return names.map((n) => constants.signals[n as keyof typeof constants.signals]).filter((n): n is number => typeof n === 'number');
}

export function describeReport(r: SignalReport): string {
  const more = r.suppressed > 0 ? ` (and ${r.suppressed} more since the last line)` : '';
  const when = r.early ? ' during start-up' : '';
  return `${r.signal} handled${when}${more}: ignored, still running (stop the agent with SIGTERM or SIGINT)`;
}

export function installSignalHandling(deps: {
  target: SignalTarget;
  onReport: (report: SignalReport) => void;
  /** monotonic milliseconds */
  now: () => number;
  /** signals noted before this ran (globalThis[EARLY_SIGNALS_KEY] by default) */
  early?: string[];
}): SignalHandling {
  const listeners: Array<[NodeJS.Signals, () => void]> = [];
  const lastReport = new Map<string, number>();
  const pending = new Map<string, number>();

  const arrived = (signal: string) => {
    const now = deps.now();
    const last = lastReport.get(signal);
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) {
      pending.set(signal, (pending.get(signal) ?? 0) + 1);
      return;
    }
    lastReport.set(signal, now);
    const suppressed = pending.get(signal) ?? 0;
    pending.delete(signal);
    deps.onReport({ signal, action: 'ignored', suppressed, early: false });
  };

  for (const signal of REPORTED_SIGNALS) listeners.push([signal, () => arrived(signal)]);
  for (const [signal, listener] of listeners) deps.target.on(signal, listener);

  const global = globalThis as Record<symbol, unknown>;
  const early = deps.early ?? (Array.isArray(global[EARLY_SIGNALS_KEY]) ? (global[EARLY_SIGNALS_KEY] as string[]) : []);
  if (deps.early === undefined) global[EARLY_SIGNALS_KEY] = null; // the launcher's listener stops noting
  for (const signal of early.splice(0)) deps.onReport({ signal, action: 'ignored', suppressed: 0, early: true });

  return {
    uninstall() {
      for (const [signal, listener] of listeners.splice(0)) deps.target.off(signal, listener);
    },
    flush() {
      for (const [signal, count] of pending) deps.onReport({ signal, action: 'ignored', suppressed: count, early: false });
      pending.clear();
    },
  };
}

/** The ready line's record of how signals are handled. */
export function signalDispositions(protect: boolean): SignalDispositions {
  return {
    stop: STOP_SIGNALS,
    reload: RELOAD_SIGNALS,
    reported: REPORTED_SIGNALS,
    ignored: IGNORED_SIGNALS,
    allowedUnderProtect: protect ? ALLOWED_UNDER_PROTECT : null,
    unhandled: protect ? null : UNHANDLED_SIGNALS,
  };
}
