/** Converts kernel CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to RFC 3339 wall time with
 * nanoseconds, and CLOCK_BOOTTIME ones (process start times) too. The offsets between the clocks
 * are sampled once; pass the readings for tests. */
import { readFileSync } from 'node:fs';

export interface WallClock {
  toRfc3339(monotonicNs: bigint): string;
  /** boot-time ns (task start_boottime) → RFC 3339 */
  bootToRfc3339(bootNs: bigint): string;
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

/** /proc/uptime's first number (CLOCK_BOOTTIME, 10 ms steps) in ns, or null. */
export function readUptimeNs(): bigint | null {
  try {
    const m = /^(\d+)\.(\d{2})\s/.exec(readFileSync('/proc/uptime', 'utf8'));
    return m ? BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!) * 10_000_000n : null;
  } catch {
    return null;
  }
}

/**
 * How far CLOCK_BOOTTIME is ahead of CLOCK_MONOTONIC: the time the machine spent suspended. The
 * boot-time reading has 10 ms steps, so less than 50 ms is taken as none (servers, VMs).
 */
export function suspendedNs(uptimeNs: bigint | null, monotonicNs: bigint): bigint {
  if (uptimeNs === null) return 0n;
  const ahead = uptimeNs - monotonicNs;
  return ahead < 50_000_000n ? 0n : ahead;
}

export function createWallClock(
  readMonotonicNs: () => bigint = () => process.hrtime.bigint(),
  readWallNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
  readBootNs: () => bigint | null = readUptimeNs,
): WallClock {
  const offset = readWallNs() - readMonotonicNs();
  const suspended = suspendedNs(readBootNs(), readMonotonicNs());
  return {
    toRfc3339: (monotonicNs) => formatRfc3339Ns(monotonicNs + offset),
    bootToRfc3339: (bootNs) => formatRfc3339Ns(bootNs - suspended + offset),
    nowRfc3339: () => formatRfc3339Ns(readMonotonicNs() + offset),
    monotonicNowNs: readMonotonicNs,
  };
}
