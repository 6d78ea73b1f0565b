/** Nanosecond timestamps since the epoch as RFC 3339 text (file times: baselines, metadata events). */

/** Nanosecond timestamp → "2024-05-01T12:00:00.123456789Z" (null beyond Date's range). */
export function formatNanoTime(ns: bigint): string | null {
  const seconds = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  const fraction = ns - seconds * 1_000_000_000n;
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  const iso = new Date(ms).toISOString(); // "...:SS.000Z"
  return `${iso.slice(0, -5)}.${fraction.toString().padStart(9, '0')}Z`;
}
