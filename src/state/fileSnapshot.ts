/**
 * What the baseline records of one path: metadata from the open file, a streamed SHA-256
 * (bounded), and the content model its diff kind needs. Symlinks are recorded as links and
 * never followed; the file is opened with O_NOFOLLOW|O_NONBLOCK so a swapped-in symlink or
 * FIFO cannot redirect or block the read.
 */
import { createHash, createHmac } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { chooseDiffKind } from './diff/chooseDiffKind.js';
import { type ContentModel, buildContentModel, bytesNeededFor } from './diff/contentModel.js';
import { countLines } from './diff/secret.js';
import { summarizeXattrs, type XattrEntry } from './xattrText.js';

export type FileType = 'file' | 'symlink' | 'special';

export interface FileSnapshot {
  path: string;
  fileType: FileType;
  dev: bigint;
  ino: bigint;
  size: number;
  /** Full st_mode (type and permission bits). */
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  /** Null for symlinks, special files, secret files and files over `maxHashBytes`. */
  sha256: string | null;
  content: ContentModel;
  /** Extended attributes by name, summarized (src/state/xattrText.ts: capabilities and ACLs
   * decoded, other values as keyed digests); null when not known (a symlink, no reader, an error,
   * a baseline recorded before they were kept). */
  xattrs: Record<string, string> | null;
}

/** Reads the extended attributes of an open file (the native addon's readXattrs). */
export type XattrReader = (fd: number) => { entries: ReadonlyArray<{ name: Buffer; value: Buffer }> };

export interface SnapshotOptions {
  /** Per-database key for keyed digests (StateStore.hmacKey()). */
  hmacKey: Buffer;
  secretPrefixes: readonly string[];
  textMaxBytes: number;
  /** Files larger than this are not hashed (sha256 null, content too_large). */
  maxHashBytes?: number;
  /** Extended attributes of regular and special files; without it they are not known (null). */
  readXattrs?: XattrReader;
}

export const DEFAULT_MAX_HASH_BYTES = 1024 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function baseSnapshot(
  path: string,
  fileType: FileType,
  st: BigIntStats,
  content: ContentModel,
  sha256: string | null,
  xattrs: Record<string, string> | null = null,
): FileSnapshot {
  return {
    path,
    fileType,
    dev: st.dev,
    ino: st.ino,
    size: Number(st.size),
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtimeNs: st.mtimeNs,
    sha256,
    content,
    xattrs,
  };
}

/** The file's attributes, summarized; null if they cannot be read (the snapshot still counts). */
function xattrsOf(handle: fsp.FileHandle, options: SnapshotOptions): Record<string, string> | null {
  if (!options.readXattrs) return null;
  try {
    const entries: XattrEntry[] = options.readXattrs(handle.fd).entries.map((e) => ({ name: e.name.toString('utf8'), value: e.value }));
    return summarizeXattrs(entries, options.hmacKey);
  } catch {
    return null;
  }
}

interface ReadResult {
  sha256: string | null;
  /** Bytes kept for the model, or null when over `keep` or seen to contain NUL. */
  kept: Buffer | null;
  sawNul: boolean;
  tooLarge: boolean;
  hmac: string | null;
  newlines: number;
  endsWithNewline: boolean;
  bytesRead: number;
}

async function readBounded(
  handle: fsp.FileHandle,
  options: { keep: number; maxBytes: number; secretKey: Buffer | null },
): Promise<ReadResult> {
  const hash = options.secretKey ? null : createHash('sha256');
  const hmac = options.secretKey ? createHmac('sha256', options.secretKey) : null;
  const chunks: Buffer[] = [];
  let keeping = options.keep > 0;
  let sawNul = false;
  let newlines = 0;
  let lastByte = -1;
  let total = 0;
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (;;) {
    // Read one byte past the limit to know whether the file is larger than it.
    const want = Math.min(CHUNK_BYTES, options.maxBytes + 1 - total);
    if (want <= 0) break;
    const { bytesRead } = await handle.read(buf, 0, want, null);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    total += bytesRead;
    if (total > options.maxBytes) break;
    if (hash) hash.update(chunk);
    if (hmac) {
      hmac.update(chunk);
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
    }
    lastByte = chunk[bytesRead - 1]!;
    if (!sawNul && chunk.includes(0)) sawNul = true;
    if (keeping) {
      if (sawNul || total > options.keep) {
        keeping = false;
        chunks.length = 0;
      } else chunks.push(Buffer.from(chunk));
    }
  }
  const tooLarge = total > options.maxBytes;
  return {
    sha256: hash && !tooLarge ? hash.digest('hex') : null,
    kept: keeping ? Buffer.concat(chunks) : null,
    sawNul,
    tooLarge,
    hmac: hmac && !tooLarge ? hmac.digest('hex') : null,
    newlines,
    endsWithNewline: lastByte === 10,
    bytesRead: total,
  };
}

async function snapshotRegular(path: string, options: SnapshotOptions, attempts: number): Promise<FileSnapshot | null> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, OPEN_FLAGS);
  } catch (error) {
    if (isMissing(error)) return null;
    // ELOOP: it became a symlink since lstat; look again.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP' && attempts > 0) return snapshotPathInner(path, options, attempts - 1);
    throw error;
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (st.isDirectory()) return null;
    const xattrs = xattrsOf(handle, options);
    if (!st.isFile()) return baseSnapshot(path, 'special', st, { kind: 'special' }, null, xattrs);
    const kind = chooseDiffKind(path, { secretPrefixes: options.secretPrefixes });
    const maxBytes = options.maxHashBytes ?? DEFAULT_MAX_HASH_BYTES;
    if (kind === 'secret') {
      const r = await readBounded(handle, { keep: 0, maxBytes, secretKey: options.hmacKey });
      const content: ContentModel = r.hmac === null
        ? { kind: 'too_large' }
        : { kind: 'secret', lineCount: countLines(r.newlines, r.bytesRead, r.endsWithNewline), digest: r.hmac };
      return baseSnapshot(path, 'file', st, content, null, xattrs);
    }
    const r = await readBounded(handle, { keep: bytesNeededFor(kind, options.textMaxBytes), maxBytes, secretKey: null });
    let content: ContentModel;
    if (r.sawNul) content = { kind: 'binary' };
    else if (r.tooLarge || r.kept === null) content = { kind: 'too_large' };
    else content = buildContentModel(kind, r.kept, options.hmacKey);
    return baseSnapshot(path, 'file', st, content, r.sha256, xattrs);
  } finally {
    await handle.close();
  }
}

async function snapshotPathInner(path: string, options: SnapshotOptions, attempts: number): Promise<FileSnapshot | null> {
  let st: BigIntStats;
  try {
    st = await fsp.lstat(path, { bigint: true });
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (st.isDirectory()) return null;
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = await fsp.readlink(path);
    } catch (error) {
      if (isMissing(error)) return null;
      if ((error as NodeJS.ErrnoException).code === 'EINVAL' && attempts > 0) return snapshotPathInner(path, options, attempts - 1);
      throw error;
    }
    return baseSnapshot(path, 'symlink', st, { kind: 'symlink', target }, null);
  }
  if (!st.isFile()) return baseSnapshot(path, 'special', st, { kind: 'special' }, null);
  return snapshotRegular(path, options, attempts);
}

/**
 * Snapshot of whatever is at `path` now, or null when nothing file-like is there (missing, or a
 * directory). Throws on other errors (e.g. EACCES).
 */
export function snapshotPath(path: string, options: SnapshotOptions): Promise<FileSnapshot | null> {
  return snapshotPathInner(path, options, 2);
}
