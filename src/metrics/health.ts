/**
 * Health as /healthz reports it: the sensor is attached (every program the agent attached is still
 * loaded and linked, the check the integrity checker makes), the JavaScript thread is not stalling
 * (a timer that should fire every tick fired late by more than the threshold recently), and the
 * guard's watchdog has not had to lift --protect. A stalled thread cannot answer at all; the window
 * keeps a stall visible for a while after it ended.
 */
import type { AttachmentState } from '../sensor/nativeAddon.js';

export interface LoopWatch {
  /** the longest gap between ticks within the window, in ms (0 before two ticks) */
  maxGapMs(): number;
  stop(): void;
}

export const LOOP_TICK_MS = 250;
export const STALL_WINDOW_MS = 60_000;
export const DEFAULT_STALL_THRESHOLD_MS = 5_000;

export function watchEventLoop(deps: {
  nowMs: () => number;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (t: unknown) => void;
  tickMs?: number;
  windowMs?: number;
}): LoopWatch {
  const tickMs = deps.tickMs ?? LOOP_TICK_MS;
  const windowMs = deps.windowMs ?? STALL_WINDOW_MS;
  let last = deps.nowMs();
  // gaps worth remembering (longer than two ticks), with when they ended
  const gaps: Array<{ endMs: number; gapMs: number }> = [];
  const timer = deps.setInterval(() => {
    const now = deps.nowMs();
    const gap = now - last;
    last = now;
    if (gap > 2 * tickMs) gaps.push({ endMs: now, gapMs: gap });
    while (gaps.length > 0 && now - gaps[0]!.endMs > windowMs) gaps.shift();
    if (gaps.length > 64) gaps.splice(0, gaps.length - 64);
  }, tickMs);
  return {
    maxGapMs() {
      const now = deps.nowMs();
      const current = now - last; // a stall in progress (seen only if something else runs now)
      let max = current > 2 * tickMs ? current : 0;
      for (const g of gaps) if (now - g.endMs <= windowMs && g.gapMs > max) max = g.gapMs;
      return max;
    },
    stop: () => deps.clearInterval(timer),
  };
}

export interface HealthReport {
  healthy: boolean;
  checks: {
    sensor: { ok: boolean; programs: number; detached: Array<{ hook: string; prog_id: number }> };
    javascript: { ok: boolean; max_gap_ms: number; threshold_ms: number };
    watchdog: { ok: boolean; guard_lifted: boolean };
  };
}

export function evaluateHealth(input: {
  attachments: readonly AttachmentState[];
  maxGapMs: number;
  thresholdMs: number;
  watchdogFired: boolean;
}): HealthReport {
  const detached = input.attachments.filter((a) => !(a.progPresent && a.linkPresent)).map((a) => ({ hook: a.hook, prog_id: a.progId }));
  const sensorOk = input.attachments.length > 0 && detached.length === 0;
  const jsOk = input.maxGapMs < input.thresholdMs;
  const checks = {
    sensor: { ok: sensorOk, programs: input.attachments.length, detached },
    javascript: { ok: jsOk, max_gap_ms: Math.round(input.maxGapMs), threshold_ms: input.thresholdMs },
    watchdog: { ok: !input.watchdogFired, guard_lifted: input.watchdogFired },
  };
  return { healthy: sensorOk && jsOk && !input.watchdogFired, checks };
}
