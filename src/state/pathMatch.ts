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

/**
 * Whether a file name matches a name pattern in which `*` stands for any run of characters
 * (`*.swp`, `.#*`, `4913`). Nothing else is special.
 */
export function matchesNamePattern(name: string, pattern: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return name === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** Why a name pattern is unusable, or null. */
export function namePatternProblem(pattern: string): string | null {
  if (pattern === '' || pattern.includes('/') || pattern.includes('\0')) return 'a file name pattern (no "/" or NUL)';
  if (pattern.length > 255) return 'a file name pattern of at most 255 characters';
  if (/^\**$/.test(pattern)) return 'a pattern that does not match every name';
  return null;
}

export function basenameMatchesAny(path: string, patterns: readonly string[]): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return patterns.some((pattern) => matchesNamePattern(name, pattern));
}
