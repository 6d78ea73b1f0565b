/**
 * Path patterns used by the state section of the policy.
 *
 * A pattern is an absolute path in which a component may be exactly `*` (matches one
 * non-empty component other than `.` and `..`; unlike the shell it also matches dot entries,
 * because for monitoring and secrecy it is safer to match too much). Nothing else is special.
 */

/** Strips trailing slashes ("/etc/sudoers.d/" → "/etc/sudoers.d"), keeps "/". */
export function normalizePattern(pattern: string): string {
  const trimmed = pattern.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.replace(/\/{2,}/g, '/');
}

function componentMatches(patternComponent: string, pathComponent: string): boolean {
  if (patternComponent === '*') return pathComponent !== '' && pathComponent !== '.' && pathComponent !== '..';
  return patternComponent === pathComponent;
}

/**
 * True when `path` is the pattern itself or lies below it (a baseline entry naming a
 * directory covers everything under it).
 */
export function isCoveredByPattern(path: string, pattern: string): boolean {
  const p = normalizePattern(pattern).split('/');
  const x = path.split('/');
  if (p.length === 2 && p[1] === '') return path.startsWith('/'); // pattern "/"
  if (x.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (!componentMatches(p[i]!, x[i]!)) return false;
  return true;
}

export function isCoveredByAny(path: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => isCoveredByPattern(path, pattern));
}

/**
 * Prefix match for the `secret` list: "/etc/ssh/ssh_host_" matches "/etc/ssh/ssh_host_rsa_key";
 * "/root/.ssh/" matches everything inside that directory. A `*` component matches one component.
 */
export function matchesPathPrefix(path: string, prefix: string): boolean {
  const p = prefix.split('/');
  const x = path.split('/');
  if (x.length < p.length) return false;
  const last = p.length - 1;
  for (let i = 0; i < last; i++) if (!componentMatches(p[i]!, x[i]!)) return false;
  const tail = p[last]!;
  if (tail === '*') return componentMatches('*', x[last]!);
  if (tail === '') return x.length > p.length || x[last] !== '';
  return x[last]!.startsWith(tail);
}

export function matchesAnyPrefix(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => matchesPathPrefix(path, prefix));
}
