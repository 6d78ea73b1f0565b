/** Pure comparison of a baseline snapshot with the current one → at most one change record. */
import { type ContentDiff, diffContent } from './diff/contentModel.js';
import { DEFAULT_DIFF_LIMITS, type DiffLimits } from './diff/limits.js';
import type { FileSnapshot, FileType } from './fileSnapshot.js';
import { type XattrChange, xattrChanges } from './xattrText.js';

export interface Actor {
  pid: number;
  comm: string;
  uid: number;
  /** The executable, where the sensor knows it. */
  exe?: string | null;
  /** Set when the writer or one of its ancestors is a package manager (src/packages/packageManager.ts). */
  package_manager?: string;
  /** The rest of the process context, as event lines print it (src/output/eventRecord.ts actorFields):
   * start_time, cmdline, user, login_uid, login_user, session_id, container_id, ancestors, … */
  [field: string]: unknown;
}

export interface FileState {
  fileType: FileType;
  size: number;
  /** Permission bits in octal, e.g. "0644" (setuid etc. included: "4755"). */
  mode: string;
  uid: number;
  gid: number;
  /** RFC 3339 UTC with nanoseconds; null if out of the representable range. */
  mtime: string | null;
  /** Null for symlinks, special files, secret files (see diff/secret.ts) and files over the hash limit. */
  sha256: string | null;
  /** A number, or a decimal string when above 2^53. */
  inode: number | string;
  /** Extended attributes by name (capabilities and ACLs decoded, other values as keyed digests);
   * absent when there are none or they are not known. */
  xattrs?: Record<string, string>;
}

/** Why the whole baseline was compared with the disk while the agent ran. */
export type RecheckReason = 'events_lost' | 'mount';

export type ChangeAction = 'modified' | 'created' | 'deleted' | 'replaced';

export interface ChangeRecord {
  type: 'change';
  path: string;
  action: ChangeAction;
  old: FileState | null;
  new: FileState | null;
  diff: ContentDiff;
  by: Actor | null;
  offline?: true;
  /**
   * Present (and false) when both sides exist and hold the same content: a package reinstall
   * that only swapped the inode, a chmod, a timestomp. Absent whenever the content differs.
   */
  content_changed?: false;
  /** Found by a re-check of the whole baseline: after events were lost (the writer is unknown), or
   * after a mount on a watched name or an ancestor of one (`by` is who mounted). */
  recheck?: RecheckReason;
  /** The extended attributes that differ (set, changed or removed); absent when none do or either
   * side's are not known. */
  xattr_changes?: XattrChange[];
  /** Owning package(s) from the package database, "a, b" as dpkg -S prints them (set by the agent). */
  package?: string;
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

// the baseline's times are printed like every other file time
export { formatNanoTime } from '../shared/nanoTime.js';
import { formatNanoTime } from '../shared/nanoTime.js';

export function describeFileState(snapshot: FileSnapshot): FileState {
  const inode = snapshot.ino <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(snapshot.ino) : snapshot.ino.toString();
  return {
    fileType: snapshot.fileType,
    size: snapshot.size,
    mode: formatMode(snapshot.mode),
    uid: snapshot.uid,
    gid: snapshot.gid,
    mtime: formatNanoTime(snapshot.mtimeNs),
    sha256: snapshot.sha256,
    inode,
    ...(snapshot.xattrs !== null && Object.keys(snapshot.xattrs).length > 0 ? { xattrs: snapshot.xattrs } : {}),
  };
}

/** A different file object now lives at the path (rename over it, delete + create, type change). */
export function isReplacement(old: FileSnapshot, now: FileSnapshot): boolean {
  return old.fileType !== now.fileType || old.dev !== now.dev || old.ino !== now.ino;
}

/**
 * Same bytes on both sides: equal SHA-256, or, when either side has none (symlinks, secret
 * files, huge files), equal size and content models.
 */
export function hasSameContent(old: FileSnapshot, now: FileSnapshot): boolean {
  if (old.fileType !== now.fileType || old.size !== now.size) return false;
  if (old.sha256 !== null && now.sha256 !== null) return old.sha256 === now.sha256;
  if (old.sha256 !== now.sha256) return false;
  return JSON.stringify(old.content) === JSON.stringify(now.content);
}

/**
 * Whether the content or the security-relevant metadata differ. mtime moving forward alone is
 * not a change (a `touch` is noise; content edits show in the hash), but mtime moving back is:
 * only an explicit utimensat does that, and it is how a replaced file is made to look old.
 */
export function hasChanged(old: FileSnapshot, now: FileSnapshot): boolean {
  if (isReplacement(old, now)) return true;
  if (old.mode !== now.mode || old.uid !== now.uid || old.gid !== now.gid) return true;
  if (now.mtimeNs < old.mtimeNs) return true;
  if (xattrChanges(old.xattrs, now.xattrs).length > 0) return true;
  return !hasSameContent(old, now);
}

export interface CompareOptions {
  by?: Actor | null;
  offline?: boolean;
  limits?: DiffLimits;
}

export function compareSnapshots(
  path: string,
  old: FileSnapshot | null,
  now: FileSnapshot | null,
  options: CompareOptions = {},
): ChangeRecord | null {
  let action: ChangeAction;
  if (old === null && now === null) return null;
  if (old === null) action = 'created';
  else if (now === null) action = 'deleted';
  else if (isReplacement(old, now)) action = 'replaced';
  else if (hasChanged(old, now)) action = 'modified';
  else return null;
  const record: ChangeRecord = {
    type: 'change',
    path,
    action,
    old: old ? describeFileState(old) : null,
    new: now ? describeFileState(now) : null,
    diff: diffContent(old?.content ?? null, now?.content ?? null, options.limits ?? DEFAULT_DIFF_LIMITS),
    by: options.by ?? null,
  };
  if (options.offline) record.offline = true;
  if (old !== null && now !== null && hasSameContent(old, now)) record.content_changed = false;
  const attrs = xattrChanges(old?.xattrs ?? null, now?.xattrs ?? null);
  if (attrs.length > 0) record.xattr_changes = attrs;
  return record;
}

/**
 * A replace that left content, mode and owner as they were (a package reinstall, a
 * `cp a b && mv b a`): reported as a change, but nothing a rule should judge.
 */
export function isUnchangedReplace(record: ChangeRecord): boolean {
  const { old, new: now } = record;
  return (
    record.action === 'replaced' && record.content_changed === false && old !== null && now !== null &&
    old.mode === now.mode && old.uid === now.uid && old.gid === now.gid && record.xattr_changes === undefined
  );
}
