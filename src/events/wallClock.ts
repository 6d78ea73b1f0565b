/** Converts kernel CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to RFC 3339 wall time with
 * nanoseconds. The offset between the clocks is sampled once; pass both readings for tests. */
export interface WallClock {
  toRfc3339(monotonicNs: bigint): string;
  nowRfc3339(): string;
  monotonicNowNs(): bigint;
}

// Events come in bursts within the same second: keep that second's "YYYY-MM-DDTHH:MM:SS" text.
let cachedSecond = -1n;
let cachedPrefix = '';

export function formatRfc3339Ns(epochNs: bigint): string {
  const nsInSecond = ((epochNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const second = (epochNs - nsInSecond) / 1_000_000_000n;
  if (second !== cachedSecond) {
    cachedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19); // 2026-11-22T06:40:01
    cachedSecond = second;
  }
  return `${cachedPrefix}.${nsInSecond.toString().padStart(9, '0')}Z`;
}

export function createWallClock(
  readMonotonicNs: () => bigint = () => process.hrtime.bigint(),
  readWallNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
): WallClock {
  const offset = readWallNs() - readMonotonicNs();
  return {
    toRfc3339: (monotonicNs) => formatRfc3339Ns(monotonicNs + offset),
    nowRfc3339: () => formatRfc3339Ns(readMonotonicNs() + offset),
    monotonicNowNs: readMonotonicNs,
  };
}
