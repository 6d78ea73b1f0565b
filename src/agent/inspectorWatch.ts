/** Keeps node's inspector closed while the agent runs: bin/lsmwatch.js makes SIGUSR1 harmless, and
 * this closes an inspector that something opened anyway (a SIGUSR1 that raced the launcher during
 * node's start-up), every few seconds, with an alert. Not with --allow-node-options (--inspect). */
import inspector from 'node:inspector';
import { closeInspectorIfOpen, type InspectorLike } from './nodeRuntime.js';

export const INSPECTOR_CHECK_MS = 2000;

export function watchInspector(deps: {
  allowed: boolean;
  onClosed: (url: string) => void;
  inspector?: InspectorLike;
  intervalMs?: number;
}): { stop(): void } {
  if (deps.allowed) return { stop() {} };
  const target = deps.inspector ?? inspector;
  const check = () => {
    const url = closeInspectorIfOpen(target);
    if (url !== null) deps.onClosed(url);
  };
  check();
  const timer = setInterval(check, deps.intervalMs ?? INSPECTOR_CHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
