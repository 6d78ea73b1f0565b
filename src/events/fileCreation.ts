/**
 * What a link, symlink, mknod or mkdir made (LW_REC_LINK, _SYMLINK, _MKNOD, _MKDIR), as a typed
 * event states it: the link's target, the type of the new file, a device node's number.
 */
import { RecordFlag, RecordType } from '../sensor/contract.js';
import type { FileRecordData } from '../sensor/decoder.js';
import { pathText } from '../shared/pathText.js';
import type { FileCreation, FileType } from './types.js';

const CREATIONS: ReadonlySet<number> = new Set([RecordType.LINK, RecordType.SYMLINK, RecordType.MKNOD, RecordType.MKDIR]);

/** A record of a name made: a link, symlink, mknod or mkdir. */
export const isCreation = (type: number): boolean => CREATIONS.has(type);

const FILE_TYPES: Readonly<Record<number, FileType>> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o020000: 'char',
  0o060000: 'block',
  0o010000: 'fifo',
  0o140000: 'socket',
};

/** The type in st_mode's S_IFMT bits; null for 0 or a value no file has. */
export function fileTypeOf(mode: number): FileType | null {
  return FILE_TYPES[mode & 0o170000] ?? null;
}

/** A device number as mknod(2) takes it (the kernel's new_decode_dev) as "major:minor". */
export function deviceText(rdev: number): string {
  const major = (rdev & 0xfff00) >>> 8;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  return `${major}:${minor}`;
}

/** mknod of a regular file (mode type 0) makes a regular file: the kernel treats 0 as S_IFREG. */
function madeType(rec: FileRecordData): FileType | null {
  if (rec.type === RecordType.MKNOD && (rec.mode & 0o170000) === 0) return 'file';
  return fileTypeOf(rec.mode);
}

export function fileCreation(rec: FileRecordData): FileCreation {
  const fileType = madeType(rec);
  return {
    target: (rec.type === RecordType.LINK || rec.type === RecordType.SYMLINK) && rec.path2 !== null ? pathText(rec.path2) : null,
    fileType,
    device: rec.type === RecordType.MKNOD && (fileType === 'char' || fileType === 'block') ? deviceText(rec.rdev) : null,
    beforeOp: (rec.flags & RecordFlag.BEFORE_OP) !== 0,
  };
}
