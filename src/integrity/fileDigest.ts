/** Streaming SHA-256 of one file, shared by the manifest builder, the periodic checker and recordExecutable. */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface FileDigest {
  /** Lowercase hex SHA-256 of the content. */
  sha256: string;
  /** Bytes actually hashed (not a separate stat, so size and digest always describe the same read). */
  size: number;
}

/** Error thrown for a path that exists but is not a regular file; `code` mirrors Node's fs errors. */
export class NotRegularFileError extends Error {
  readonly code: string;
  constructor(readonly path: string, kind: string) {
    super(`${kind === 'directory' ? 'EISDIR' : 'ENOTREG'}: not a regular file (${kind}), open '${path}'`);
    this.name = 'NotRegularFileError';
    this.code = kind === 'directory' ? 'EISDIR' : 'ENOTREG';
  }
}

function fileKind(stats: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'special file';
}

/** 1 MiB reads: the node executable (~90 MiB) in ~90 reads rather than ~1400 of the default 64 KiB. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Hashes a regular file in chunks so a large file never blocks the event loop for long.
 * Opened with O_NONBLOCK and checked with fstat before reading: a path swapped for a FIFO or a
 * device would otherwise hang (or never finish) the check instead of being reported.
 */
export async function digestFile(absPath: string): Promise<FileDigest> {
  const handle = await open(absPath, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotRegularFileError(absPath, fileKind(stats));
    const hash = createHash('sha256');
    let size = 0;
    // autoClose off: the finally block owns the handle.
    for await (const chunk of handle.createReadStream({ autoClose: false, start: 0, highWaterMark: READ_CHUNK_BYTES })) {
      size += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

/** Just the digest: the `hashFile` shape the checker and recordExecutable take. */
export async function sha256File(absPath: string): Promise<string> {
  return (await digestFile(absPath)).sha256;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a lowercase hex SHA-256 digest (the only form manifests and findings use). */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}
