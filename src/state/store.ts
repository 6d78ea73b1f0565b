/**
 * The state database: one SQLite file holding the file-integrity baseline and the history of
 * alerts, changes and integrity records.
 *
 * Durability: WAL mode with synchronous=FULL. In WAL mode every commit is atomic, so a process
 * killed mid-write (kill -9) never corrupts the file and loses only the open transaction; NORMAL
 * would give the same guarantee for a process crash but may drop the last commits on power loss
 * or kernel panic. History is an audit trail and writes are rare (one per file change or alert),
 * so the extra fsync per commit is worth it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { type ContentModel, parseStoredModel } from './diff/contentModel.js';
import type { FileSnapshot, FileType } from './fileSnapshot.js';
import { ensurePrivateFile, ensureSideFiles, tightenSideFiles } from './privateFile.js';

export const DEFAULT_STATE_DB_PATH = '/var/lib/lsmwatch/state.db';

export type HistoryType = 'alert' | 'change' | 'integrity';
export const HISTORY_TYPES: readonly HistoryType[] = ['alert', 'change', 'integrity'];

/** History JSON larger than this is refused (a bug upstream, not something to store). */
export const MAX_HISTORY_JSON_BYTES = 1024 * 1024;

const HMAC_KEY_META = 'hmac_key';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** Append-only: never edit a released migration, add a new one. `user_version` = last applied. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'meta (with the keyed-digest key), baseline and history tables',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY NOT NULL,
          value ANY NOT NULL
        ) STRICT;
        CREATE TABLE baseline (
          path         TEXT PRIMARY KEY NOT NULL,
          file_type    TEXT NOT NULL CHECK (file_type IN ('file', 'symlink', 'special')),
          dev          TEXT NOT NULL,  -- decimal: st_dev/st_ino are u64, SQLite INTEGER is i64
          ino          TEXT NOT NULL,
          size         INTEGER NOT NULL,
          mode         INTEGER NOT NULL, -- full st_mode
          uid          INTEGER NOT NULL,
          gid          INTEGER NOT NULL,
          mtime_ns     INTEGER NOT NULL,
          sha256       TEXT,             -- NULL for symlinks, special and secret files
          content_kind TEXT NOT NULL,
          content      TEXT NOT NULL,    -- JSON content model (see diff/contentModel.ts)
          recorded_ms  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE history (
          id      INTEGER PRIMARY KEY AUTOINCREMENT,
          time_ms INTEGER NOT NULL,
          type    TEXT NOT NULL CHECK (type IN ('alert', 'change', 'integrity')),
          json    TEXT NOT NULL
        ) STRICT;
        CREATE INDEX history_by_time ON history (time_ms);
        CREATE INDEX history_by_type_time ON history (type, time_ms);
      `);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(HMAC_KEY_META, randomBytes(32));
    },
  },
  {
    version: 2,
    description: 'baseline.xattrs: the extended attributes, summarized (NULL: not known)',
    up(db) {
      db.exec('ALTER TABLE baseline ADD COLUMN xattrs TEXT');
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export class StateDbMissingError extends Error {
  constructor(readonly path: string) {
    super(`no state database at ${path}`);
    this.name = 'StateDbMissingError';
  }
}

export class StateSchemaError extends Error {
  constructor(readonly path: string, readonly found: number) {
    super(`${path}: schema version ${found} is newer than this lsmwatch understands (${SCHEMA_VERSION})`);
    this.name = 'StateSchemaError';
  }
}

export interface OpenStoreOptions {
  /** Open an existing database without creating, migrating or writing (for `lsmwatch alerts`). */
  readonly?: boolean;
  synchronous?: 'FULL' | 'NORMAL';
  busyTimeoutMs?: number;
}

export interface HistoryRow {
  id: number;
  timeMs: number;
  type: string;
  json: string;
}

export interface HistoryQuery {
  sinceMs?: number;
  type?: HistoryType;
}

export interface RetentionLimits {
  maxAgeSeconds: number;
  maxRows: number;
}

/** Applies pending migrations, each in its own transaction together with its user_version bump. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, path = db.name): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  if (current > latest) throw new StateSchemaError(path, current);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return Number(db.pragma('user_version', { simple: true }));
}

interface BaselineDbRow {
  path: unknown;
  file_type: unknown;
  dev: unknown;
  ino: unknown;
  size: unknown;
  mode: unknown;
  uid: unknown;
  gid: unknown;
  mtime_ns: unknown;
  sha256: unknown;
  content: unknown;
  xattrs?: unknown;
}

const MAX_STORED_XATTRS = 128;

/** The stored attributes: a JSON object of strings, or null (not known, or not what was written). */
function parseStoredXattrs(value: unknown): Record<string, string> | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (entries.length > MAX_STORED_XATTRS || !entries.every(([, v]) => typeof v === 'string')) return null;
    return Object.fromEntries(entries) as Record<string, string>;
  } catch {
    return null;
  }
}

const DECIMAL = /^[0-9]{1,20}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const FILE_TYPES: readonly string[] = ['file', 'symlink', 'special'];

function toSmallInt(value: unknown): number | null {
  if (typeof value !== 'bigint' || value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

/** Validates a row read back from disk; null when anything is off (treated as no baseline). */
function rowToSnapshot(row: BaselineDbRow): FileSnapshot | null {
  const size = toSmallInt(row.size);
  const mode = toSmallInt(row.mode);
  const uid = toSmallInt(row.uid);
  const gid = toSmallInt(row.gid);
  if (
    typeof row.path !== 'string' || typeof row.file_type !== 'string' || !FILE_TYPES.includes(row.file_type) ||
    typeof row.dev !== 'string' || !DECIMAL.test(row.dev) || typeof row.ino !== 'string' || !DECIMAL.test(row.ino) ||
    size === null || mode === null || uid === null || gid === null || typeof row.mtime_ns !== 'bigint' ||
    !(row.sha256 === null || (typeof row.sha256 === 'string' && SHA256_HEX.test(row.sha256))) ||
    typeof row.content !== 'string'
  ) {
    return null;
  }
  const content: ContentModel = parseStoredModel(row.content);
  return {
    path: row.path,
    fileType: row.file_type as FileType,
    dev: BigInt(row.dev),
    ino: BigInt(row.ino),
    size,
    mode,
    uid,
    gid,
    mtimeNs: row.mtime_ns,
    sha256: row.sha256,
    content,
    xattrs: parseStoredXattrs(row.xattrs),
  };
}

export class StateStore {
  private cachedKey: Buffer | null = null;

  constructor(
    readonly path: string,
    readonly db: Database.Database,
  ) {}

  get schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  /** Runs `fn` in one transaction (BEGIN IMMEDIATE): all of its writes land, or none do. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The random per-database key for keyed digests (created if a tampered database lost it). */
  hmacKey(): Buffer {
    if (this.cachedKey) return this.cachedKey;
    const value = this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(HMAC_KEY_META);
    if (Buffer.isBuffer(value) && value.length === 32) {
      this.cachedKey = value;
      return value;
    }
    const key = randomBytes(32);
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(HMAC_KEY_META, key);
    this.cachedKey = key;
    return key;
  }

  getMeta(key: string): string | null {
    const value = this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key);
    return typeof value === 'string' ? value : null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  getBaseline(path: string): FileSnapshot | null {
    const row = this.db.prepare('SELECT * FROM baseline WHERE path = ?').safeIntegers(true).get(path) as
      | BaselineDbRow
      | undefined;
    return row ? rowToSnapshot(row) : null;
  }

  listBaselinePaths(): string[] {
    return (this.db.prepare('SELECT path FROM baseline ORDER BY path').pluck().all() as unknown[]).filter(
      (p): p is string => typeof p === 'string',
    );
  }

  countBaseline(): number {
    return Number(this.db.prepare('SELECT count(*) FROM baseline').pluck().get());
  }

  putBaseline(snapshot: FileSnapshot, now: Date): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO baseline
           (path, file_type, dev, ino, size, mode, uid, gid, mtime_ns, sha256, content_kind, content, recorded_ms, xattrs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        snapshot.path,
        snapshot.fileType,
        snapshot.dev.toString(),
        snapshot.ino.toString(),
        snapshot.size,
        snapshot.mode,
        snapshot.uid,
        snapshot.gid,
        snapshot.mtimeNs,
        snapshot.sha256,
        snapshot.content.kind,
        JSON.stringify(snapshot.content),
        now.getTime(),
        snapshot.xattrs === null ? null : JSON.stringify(snapshot.xattrs),
      );
  }

  deleteBaseline(path: string): void {
    this.db.prepare('DELETE FROM baseline WHERE path = ?').run(path);
  }

  appendHistory(type: HistoryType, record: object, now: Date): number {
    if (!HISTORY_TYPES.includes(type)) throw new RangeError(`unknown history type ${String(type)}`);
    const json = JSON.stringify(record);
    if (Buffer.byteLength(json) > MAX_HISTORY_JSON_BYTES) throw new RangeError('history record too large');
    return Number(this.db.prepare('INSERT INTO history (time_ms, type, json) VALUES (?, ?, ?)').run(now.getTime(), type, json).lastInsertRowid);
  }

  /** Oldest first. Rows are yielded lazily, so large histories are not loaded at once. */
  *queryHistory(query: HistoryQuery = {}): IterableIterator<HistoryRow> {
    const where: string[] = [];
    const params: (number | string)[] = [];
    if (query.sinceMs !== undefined) {
      where.push('time_ms >= ?');
      params.push(query.sinceMs);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    const sql = `SELECT id, time_ms, type, json FROM history${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY time_ms, id`;
    for (const row of this.db.prepare(sql).iterate(...params) as IterableIterator<Record<string, unknown>>) {
      if (typeof row.id !== 'number' || typeof row.time_ms !== 'number' || typeof row.type !== 'string' || typeof row.json !== 'string') continue;
      yield { id: row.id, timeMs: row.time_ms, type: row.type, json: row.json };
    }
  }

  /** Deletes rows older than maxAgeSeconds, then the oldest beyond maxRows. Returns rows deleted. */
  pruneHistory(limits: RetentionLimits, now: Date): number {
    return this.transaction(() => {
      const cutoff = now.getTime() - limits.maxAgeSeconds * 1000;
      let deleted = this.db.prepare('DELETE FROM history WHERE time_ms < ?').run(cutoff).changes;
      const keep = Math.max(0, Math.trunc(limits.maxRows));
      deleted += this.db
        .prepare('DELETE FROM history WHERE id NOT IN (SELECT id FROM history ORDER BY id DESC LIMIT ?)')
        .run(keep).changes;
      return deleted;
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens (creating and migrating if needed) the state database at `path`. The file is created
 * 0600 in a 0700 directory before SQLite sees it.
 */
export function openStateStore(path: string = DEFAULT_STATE_DB_PATH, options: OpenStoreOptions = {}): StateStore {
  const busyTimeout = options.busyTimeoutMs ?? 5000;
  if (options.readonly) {
    if (!existsSync(path)) throw new StateDbMissingError(path);
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeout });
    try {
      db.pragma('trusted_schema = OFF');
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version > SCHEMA_VERSION) throw new StateSchemaError(path, version);
      if (version < 1) throw new StateDbMissingError(path);
      return new StateStore(path, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  ensurePrivateFile(path);
  tightenSideFiles(path);
  const db = new Database(path, { timeout: busyTimeout });
  try {
    // The file is untrusted input: do not let its schema run functions with side effects.
    db.pragma('trusted_schema = OFF');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    // Pruned history (which may hold text diffs) is overwritten, not left in free pages.
    db.pragma('secure_delete = ON');
    migrate(db, MIGRATIONS, path);
    const store = new StateStore(path, db);
    store.hmacKey();
    // after journal_mode = WAL, which deletes a rollback journal: every side file exists from here
    // on, for the --protect guard to cover by inode
    ensureSideFiles(path);
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}
