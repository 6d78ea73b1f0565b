/**
 * User and group names for uids and gids, from the host's /etc/passwd and /etc/group (no NSS: a
 * monitor must not load modules or ask a directory server while it handles events). The files are
 * read again when the agent sees them change (a write, rename or unlink event on them: `invalidate`)
 * and, where they are not watched, when their inode, size or mtime differ at a periodic `recheck`.
 * Untrusted input: files and names are bounded; a name is printed as data.
 */

export interface AccountFiles {
  passwd: string;
  group: string;
}

export const HOST_ACCOUNT_FILES: AccountFiles = Object.freeze({ passwd: '/etc/passwd', group: '/etc/group' });

export interface AccountsIo {
  /** the file's text, or null if it cannot be read */
  readText(path: string, maxBytes: number): string | null;
  /** what tells a changed file from an unchanged one (inode, size, mtime), or null */
  signature(path: string): string | null;
  nowMs(): number;
}

export interface Accounts {
  userName(uid: number): string | null;
  groupName(gid: number): string | null;
  /** the files may have changed: read them again at the next lookup */
  invalidate(): void;
  /** compares the files with what was read (the agent calls this every few seconds) */
  recheck(): void;
  /** whether a path is one of the files names come from */
  isSource(path: string): boolean;
  readonly loads: number;
}

const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** A burst of writes to /etc/passwd must not make every event read it again. */
const MIN_RELOAD_MS = 200;
const MAX_NAME = 64;
const MAX_ENTRIES = 200_000;
const NAME = /^[^\s:/\0]+$/;

/** name:x:ID:… lines → id → name (the first line for an id wins, as getpwuid returns). */
export function parseIdNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  let count = 0;
  for (const line of text.split('\n')) {
    if (++count > MAX_ENTRIES) break;
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':', 4);
    if (fields.length < 3) continue;
    const [name, , idText] = fields as [string, string, string];
    if (name.length > MAX_NAME || !NAME.test(name) || !/^\d{1,10}$/.test(idText)) continue;
    const id = Number(idText);
    if (id > 0xffffffff || names.has(id)) continue;
    names.set(id, name);
  }
  return names;
}

export function createAccounts(io: AccountsIo, files: AccountFiles = HOST_ACCOUNT_FILES): Accounts {
  let users = new Map<number, string>();
  let groups = new Map<number, string>();
  let stale = true;
  let signatures = '';
  let loads = 0;
  let loadedAtMs = -Infinity;

  const currentSignatures = () => `${io.signature(files.passwd)}|${io.signature(files.group)}`;
  const load = () => {
    stale = false;
    loadedAtMs = io.nowMs();
    signatures = currentSignatures();
    users = parseIdNames(io.readText(files.passwd, MAX_FILE_BYTES) ?? '');
    groups = parseIdNames(io.readText(files.group, MAX_FILE_BYTES) ?? '');
    loads++;
  };
  const fresh = () => {
    if (stale && io.nowMs() - loadedAtMs >= MIN_RELOAD_MS) load();
  };
  return {
    userName(uid) {
      fresh();
      return users.get(uid) ?? null;
    },
    groupName(gid) {
      fresh();
      return groups.get(gid) ?? null;
    },
    invalidate() {
      stale = true;
    },
    recheck() {
      if (!stale && currentSignatures() !== signatures) stale = true;
    },
    isSource(path) {
      return path === files.passwd || path === files.group;
    },
    get loads() {
      return loads;
    },
  };
}
