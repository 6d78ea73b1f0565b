/** Converts kernel CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to RFC 3339 wall time with
 * nanoseconds. The offset between the clocks is sampled once; pass both readings for tests. */
export interface WallClock {
  toRfc3339(monotonicNs: bigint): string;
  nowRfc3339(): string;
  monotonicNowNs(): bigint;
}

export function formatRfc3339Ns(epochNs: bigint): string {
  const ms = epochNs / 1_000_000n;
  const nsInSecond = ((epochNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-22T06:40:01.123Z
  return `${iso.slice(0, 19)}.${nsInSecond.toString().padStart(9, '0')}Z`;
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
