/**
 * Creating the state database so that no other user can ever read it: the file exists with
 * mode 0600 before SQLite opens it (SQLite gives its -wal/-shm files the database's mode),
 * and a directory we create is 0700.
 */
import { closeSync, constants as fsConstants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export class UnsafeStateFileError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'UnsafeStateFileError';
  }
}

/** Creates missing parent directories with mode 0700 (existing ones are left as they are). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `path` (mode 0600) or tightens an existing one to 0600. Refuses symlinks,
 * non-regular files and files owned by another user (someone could have planted them).
 */
export function ensurePrivateFile(path: string): void {
  ensurePrivateDir(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeStateFileError(path, 'is a symbolic link');
    throw error;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeStateFileError(path, 'is not a regular file');
    const euid = process.geteuid?.();
    if (euid !== undefined && st.uid !== euid) throw new UnsafeStateFileError(path, `is owned by uid ${st.uid}, not ${euid}`);
    if ((st.mode & 0o7077) !== 0) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

export const SIDE_FILE_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/** SQLite's side files of dbPath that exist now (regular files, not symlinks). */
export function existingSideFiles(dbPath: string): string[] {
  return SIDE_FILE_SUFFIXES.map((suffix) => dbPath + suffix).filter((path) => {
    try {
      return lstatSync(path).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Makes sure all of SQLite's side files exist once the database is open, so the guard can protect
 * them by inode from the start: -wal and -shm exist while a WAL database is open (SQLite keeps
 * them until the last connection closes), and an empty -journal is created here (mode 0600). An
 * empty rollback journal is never hot, and as long as it exists and is guarded no one can plant one
 * that SQLite would roll back into the database at its next open.
 */
export function ensureSideFiles(dbPath: string): void {
  const journal = dbPath + '-journal';
  let fd: number;
  try {
    fd = openSync(journal, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return; // tightenSideFiles already checked it
    throw error;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** Tightens SQLite's side files (-wal, -shm, -journal) if they exist with a looser mode. */
export function tightenSideFiles(dbPath: string): void {
  for (const suffix of SIDE_FILE_SUFFIXES) {
    let fd: number;
    try {
      // O_NOFOLLOW + fchmod: never chmod whatever a planted symlink points to.
      fd = openSync(dbPath + suffix, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch {
      continue; // absent (SQLite will create it with the database's mode) or a symlink
    }
    try {
      const st = fstatSync(fd);
      if (st.isFile() && (st.mode & 0o7077) !== 0) fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
  }
}
