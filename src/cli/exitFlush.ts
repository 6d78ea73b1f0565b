/**
 * At exit, how long to wait for stdout to take the last lines (the final stats line among them).
 * A reader that keeps reading, however slowly, gets them; one that stopped reading (no progress
 * for stallMs) or a flush that takes longer than maxMs in all does not hold the exit forever.
 */
export interface ExitFlushDeps {
  /** bytes still queued on stdout */
  pendingBytes: () => number;
  sleep: (ms: number) => Promise<void>;
  /** monotonic milliseconds */
  now: () => number;
  stallMs?: number;
  maxMs?: number;
  pollMs?: number;
}

/** Resolves true when everything was written, false when it gave up (stalled or too long). */
export async function waitForStdoutFlush(deps: ExitFlushDeps): Promise<boolean> {
  const stallMs = deps.stallMs ?? 5000;
  const maxMs = deps.maxMs ?? 60_000;
  const pollMs = deps.pollMs ?? 50;
  const start = deps.now();
  let lastPending = deps.pendingBytes();
  let lastProgress = start;
  while (lastPending > 0) {
    const now = deps.now();
    if (now - lastProgress >= stallMs || now - start >= maxMs) return false;
    await deps.sleep(pollMs);
    const pending = deps.pendingBytes();
    if (pending < lastPending) lastProgress = deps.now();
    lastPending = pending;
  }
  return true;
}
