/**
 * Runs a self-integrity check every `intervalMs`, measured from the end of the previous check
 * (fixed delay, not fixed rate), so two checks never overlap however slow the disk is.
 */
import type { IntegrityCheckResult, IntegrityFinding } from './selfIntegrityChecker.js';

export interface PeriodicCheckOptions<Timer> {
  intervalMs: number;
  /** Called after a check that found something (problems or resolutions); awaited before the next is scheduled. */
  onFindings: (findings: IntegrityFinding[], result: IntegrityCheckResult) => void | Promise<void>;
  /** e.g. `(fn, ms) => setTimeout(fn, ms).unref()`; injected so tests drive time. */
  setTimer: (fn: () => void, ms: number) => Timer;
  clearTimer: (timer: Timer) => void;
  /**
   * A check or onFindings failed; checks continue. Without it the error is rethrown outside the
   * promise chain (an uncaught exception): silently ending self-protection would be worse.
   */
  onError?: (err: unknown) => void;
  /** Run the first check right away (after a 0 ms timer) instead of after one interval. */
  immediate?: boolean;
}

export interface PeriodicCheck {
  /** Cancels the next check and aborts one in progress; resolves once it has ended. Idempotent. */
  stop(): Promise<void>;
}

export function startPeriodicCheck<Timer>(
  checker: { check(): Promise<IntegrityCheckResult>; abort?(): void },
  options: PeriodicCheckOptions<Timer>,
): PeriodicCheck {
  const { intervalMs } = options;
  if (!Number.isFinite(intervalMs) || intervalMs < 1) {
    throw new RangeError(`intervalMs must be a finite number >= 1, got ${intervalMs}`);
  }
  const reportError =
    options.onError ??
    ((err: unknown) => {
      queueMicrotask(() => {
        throw err;
      });
    });

  let stopped = false;
  let pending: { timer: Timer } | null = null;
  let inFlight: Promise<void> | null = null;

  const schedule = (ms: number): void => {
    pending = { timer: options.setTimer(tick, ms) };
  };

  async function runOnce(): Promise<void> {
    let result: IntegrityCheckResult;
    try {
      result = await checker.check();
    } catch (err) {
      if (!stopped) reportError(err);
      return;
    }
    // After stop() the output may already be closed: results of the last check are dropped.
    if (stopped || result.findings.length === 0) return;
    try {
      await options.onFindings(result.findings, result);
    } catch (err) {
      reportError(err);
    }
  }

  function tick(): void {
    pending = null;
    // A timer firing twice, or late after stop(), must not start a second check.
    if (stopped || inFlight !== null) return;
    inFlight = runOnce().finally(() => {
      inFlight = null;
      if (!stopped) schedule(intervalMs);
    });
  }

  schedule(options.immediate === true ? 0 : intervalMs);

  return {
    stop() {
      stopped = true;
      if (pending !== null) {
        options.clearTimer(pending.timer);
        pending = null;
      }
      if (inFlight === null) return Promise.resolve();
      checker.abort?.(); // a full check takes seconds under emulation: a stop or reload should not wait for it
      return inFlight;
    },
  };
}
