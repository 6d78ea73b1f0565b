/** Watch-list and baseline paths with a `*` component, expanded against the directories present now. */
/**
 * Expands a single `*` path component (e.g. /home/*\/.ssh/) against the directories present now.
 * Directories created later are not covered: the README says so.
 */
export function expandWildcardPaths(paths: string[], listDir: (dir: string) => string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const star = path.indexOf('/*/');
    if (star === -1) {
      out.push(path);
      continue;
    }
    const parent = path.slice(0, star + 1);
    const rest = path.slice(star + 2);
    let names: string[] = [];
    try {
      names = listDir(parent);
    } catch {
      names = [];
    }
    for (const name of names.sort()) out.push(...expandWildcardPaths([parent + name + rest], listDir));
  }
  return out;
}
