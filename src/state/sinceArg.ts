/** The `--since` argument: a duration back from now ("30m", "1h", "2d", "45s") or an RFC 3339 time. */

const DURATION = /^([0-9]{1,9})([smhd])$/;
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The point in time meant, or null when the value is neither form. */
export function parseSince(value: string, now: Date): Date | null {
  const duration = DURATION.exec(value);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]!]!);
  const rfc = RFC3339.exec(value);
  if (!rfc) return null;
  // Date.parse only promises millisecond fractions; the rest cannot matter for history rows.
  const fraction = rfc[3] ? rfc[3].slice(0, 4) : '';
  const zone = rfc[4] === 'z' ? 'Z' : rfc[4];
  const ms = Date.parse(`${rfc[1]}T${rfc[2]}${fraction}${zone}`);
  if (Number.isNaN(ms)) return null;
  // Reject impossible dates that Date would roll over (e.g. 2024-02-31).
  const [y, mo, d] = rfc[1]!.split('-').map(Number);
  const check = new Date(Date.UTC(y!, mo! - 1, d!));
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d) return null;
  return new Date(ms);
}
