/**
 * Which Debian package owns a path, from dpkg's own file lists (/var/lib/dpkg/info/*.list) and
 * diversions (/var/lib/dpkg/diversions), like `dpkg -S` but without running it.
 *
 * The index is built on the first lookup, only for paths under the given prefixes (the
 * baseline), bounded in entries and bytes, and rebuilt when dpkg's database changes (checked at
 * most every `recheckMs`). On a merged-/usr system a file a package lists as /bin/ls is found
 * as /usr/bin/ls (the name the kernel reports) and the other way round.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isCoveredByPattern } from '../state/pathMatch.js';

/** The file-system calls the index needs (node:fs/promises satisfies them). */
export interface DpkgFs {
  readdir(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  stat(path: string): Promise<{ mtimeMs: number; size: number; isFile(): boolean }>;
}

export interface DpkgOwnerOptions {
  infoDir?: string;
  /** Default: `diversions` next to the info directory. */
  diversionsFile?: string;
  /** Only paths under these patterns (a `*` component matches one name) are indexed; default all. */
  prefixes?: readonly string[];
  /** /bin, /sbin, /lib* are symlinks into /usr (see `detectUsrMerge`). */
  usrMerged?: boolean;
  maxEntries?: number;
  /** List files larger than this are skipped (and counted). */
  maxListBytes?: number;
  recheckMs?: number;
  now?: () => number;
  fs?: DpkgFs;
}

export interface Diversion {
  /** The name the package ships. */
  from: string;
  /** Where dpkg puts the shipped file instead. */
  to: string;
  /** The diverting package; null for a local diversion (dpkg-divert --local). */
  by: string | null;
}

export interface PackageOwner {
  /** Owning packages as dpkg names their lists ("libc6:amd64"), sorted. */
  packages: string[];
  diversion?: Diversion;
}

export interface DpkgIndexStats {
  entries: number;
  listFiles: number;
  skippedLists: number;
  truncated: boolean;
}

export const DEFAULT_DPKG_INFO_DIR = '/var/lib/dpkg/info';
const MAX_PATH = 4096;
const MAX_DIVERSIONS = 10_000;

const USR_MERGED_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The other name of a path on a merged-/usr system (/usr/bin/ls ↔ /bin/ls), or null. */
export function usrMergeAlias(path: string): string | null {
  for (const dir of USR_MERGED_DIRS) {
    if (path.startsWith(dir + '/')) return '/usr' + path;
    if (path.startsWith('/usr' + dir + '/')) return path.slice(4);
  }
  return null;
}

/** Whether /bin is a symlink (to usr/bin): the merged-/usr layout. */
export async function detectUsrMerge(lstat: (path: string) => Promise<{ isSymbolicLink(): boolean }> = fsp.lstat): Promise<boolean> {
  try {
    return (await lstat('/bin')).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Parses dpkg's diversions file: three lines per diversion (from, to, package or ":"). */
export function parseDiversions(text: string): Diversion[] {
  const lines = text.split('\n');
  const out: Diversion[] = [];
  for (let i = 0; i + 2 < lines.length && out.length < MAX_DIVERSIONS; i += 3) {
    const [from, to, by] = [lines[i]!, lines[i + 1]!, lines[i + 2]!];
    if (!from.startsWith('/') || !to.startsWith('/') || by === '' || from.length > MAX_PATH || to.length > MAX_PATH) break;
    out.push({ from, to, by: by === ':' ? null : by });
  }
  return out;
}

function packageBase(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

export function formatOwner(owner: PackageOwner | null): string | undefined {
  if (owner === null) return undefined;
  if (owner.packages.length > 0) return owner.packages.join(', ');
  return owner.diversion ? `local diversion to ${owner.diversion.to}` : undefined;
}

interface Index {
  owners: Map<string, string[]>;
  byFrom: Map<string, Diversion>;
  byTo: Map<string, Diversion>;
  stats: DpkgIndexStats;
}

export class DpkgOwnerIndex {
  private readonly infoDir: string;
  private readonly diversionsFile: string;
  private readonly fs: DpkgFs;
  private readonly now: () => number;
  private index: Index | null = null;
  private building: Promise<Index> | null = null;
  private signature = '';
  private checkedAt = -Infinity;

  constructor(private readonly options: DpkgOwnerOptions = {}) {
    this.infoDir = options.infoDir ?? DEFAULT_DPKG_INFO_DIR;
    this.diversionsFile = options.diversionsFile ?? join(this.infoDir, '..', 'diversions');
    this.fs = options.fs ?? fsp;
    this.now = options.now ?? Date.now;
  }

  /** Owner of `path`, or null when no package lists it (or dpkg's database is not there). */
  async lookup(path: string): Promise<PackageOwner | null> {
    if (!path.startsWith('/') || path.length > MAX_PATH || !this.isIndexed(path)) return null;
    const index = await this.current();
    return this.ownerIn(index, path);
  }

  /** Counters of the current index (null before the first lookup). */
  stats(): DpkgIndexStats | null {
    return this.index?.stats ?? null;
  }

  private isIndexed(path: string): boolean {
    const prefixes = this.options.prefixes;
    if (prefixes === undefined) return true;
    const alias = this.options.usrMerged ? usrMergeAlias(path) : null;
    return prefixes.some((p) => isCoveredByPattern(path, p) || (alias !== null && isCoveredByPattern(alias, p)));
  }

  private names(path: string): string[] {
    const alias = this.options.usrMerged ? usrMergeAlias(path) : null;
    return alias === null ? [path] : [path, alias];
  }

  private listed(index: Index, path: string): string[] {
    const found = new Set<string>();
    for (const name of this.names(path)) for (const pkg of index.owners.get(name) ?? []) found.add(pkg);
    return [...found].sort();
  }

  private ownerIn(index: Index, path: string): PackageOwner | null {
    for (const name of this.names(path)) {
      const asTarget = index.byTo.get(name);
      if (asTarget) {
        // The diverted-away file: it came from the packages shipping the original name, not the diverter.
        const packages = this.listed(index, asTarget.from).filter((p) => packageBase(p) !== asTarget.by);
        return { packages, diversion: asTarget };
      }
      const asSource = index.byFrom.get(name);
      if (asSource) {
        // The original name holds the diverting package's file (or, for a local diversion, no package's).
        const packages = asSource.by === null ? [] : this.listed(index, path).filter((p) => packageBase(p) === asSource.by);
        return { packages, diversion: asSource };
      }
    }
    const packages = this.listed(index, path);
    return packages.length > 0 ? { packages } : null;
  }

  private async current(): Promise<Index> {
    if (this.building) return this.building;
    const time = this.now();
    if (this.index && time - this.checkedAt < (this.options.recheckMs ?? 10_000)) return this.index;
    this.checkedAt = time;
    const signature = await this.databaseSignature();
    if (this.index && signature === this.signature) return this.index;
    this.building = this.build()
      .then((index) => {
        this.index = index;
        this.signature = signature;
        return index;
      })
      .finally(() => {
        this.building = null;
      });
    return this.building;
  }

  /** Changes whenever dpkg adds, removes or rewrites a list, or a diversion. */
  private async databaseSignature(): Promise<string> {
    const part = async (path: string) => {
      try {
        const st = await this.fs.stat(path);
        return `${st.mtimeMs}/${st.size}`;
      } catch {
        return 'none';
      }
    };
    return `${await part(this.infoDir)}|${await part(this.diversionsFile)}`;
  }

  private async build(): Promise<Index> {
    const maxEntries = this.options.maxEntries ?? 200_000;
    const maxListBytes = this.options.maxListBytes ?? 8 * 1024 * 1024;
    const index: Index = {
      owners: new Map(),
      byFrom: new Map(),
      byTo: new Map(),
      stats: { entries: 0, listFiles: 0, skippedLists: 0, truncated: false },
    };
    try {
      for (const d of parseDiversions((await this.fs.readFile(this.diversionsFile)).toString('utf8'))) {
        index.byFrom.set(d.from, d);
        index.byTo.set(d.to, d);
      }
    } catch {
      // no diversions file: none
    }
    let names: string[];
    try {
      names = (await this.fs.readdir(this.infoDir)).filter((n) => n.endsWith('.list') && !n.includes('/')).sort();
    } catch {
      return index;
    }
    for (const file of names) {
      if (index.stats.truncated) break;
      const pkg = file.slice(0, -'.list'.length);
      let text: string;
      try {
        const st = await this.fs.stat(join(this.infoDir, file));
        if (!st.isFile() || st.size > maxListBytes) {
          index.stats.skippedLists++;
          continue;
        }
        text = (await this.fs.readFile(join(this.infoDir, file))).toString('utf8');
      } catch {
        index.stats.skippedLists++;
        continue;
      }
      index.stats.listFiles++;
      for (const line of text.split('\n')) {
        if (!line.startsWith('/') || line.length > MAX_PATH || !this.isIndexed(line)) continue;
        const owners = index.owners.get(line);
        if (owners) {
          if (!owners.includes(pkg)) owners.push(pkg);
          continue;
        }
        if (index.stats.entries >= maxEntries) {
          index.stats.truncated = true;
          break;
        }
        index.owners.set(line, [pkg]);
        index.stats.entries++;
      }
    }
    return index;
  }
}
