/**
 * Extended attributes of a watched file as short, printable, secret-free text that the
 * baseline can store and compare: file capabilities and POSIX ACLs are decoded (their meaning
 * is what an operator needs to see), every other value is reduced to a keyed digest. The
 * bytes come from files an attacker may have written, so nothing here throws on bad input;
 * undecodable values fall back to the digest form.
 */
import { keyedDigest } from './diff/keyedDigest.js';

export interface XattrEntry {
  name: string;
  value: Buffer;
}

export interface XattrChange {
  name: string;
  before: string | null;
  after: string | null;
}

export const FILE_CAPABILITY_XATTR = 'security.capability';
const ACL_XATTRS: ReadonlySet<string> = new Set(['system.posix_acl_access', 'system.posix_acl_default']);

/** Bounds the record stored per file; real files carry a handful of attributes. */
export const MAX_XATTRS = 64;
/** Key of the overflow entry; chosen so it cannot be a real (namespaced) attribute name. */
export const OVERFLOW_KEY = '…';
const DIGEST_HEX_CHARS = 16;

// linux/capability.h, vfs_cap_data / vfs_ns_cap_data.
const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_REVISION_1 = 0x01000000;
const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_REVISION_3 = 0x03000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;
/** Bytes of each revision: magic_etc, then {permitted, inheritable} pairs, then rootid. */
const CAP_LAYOUT: ReadonlyMap<number, { size: number; words: number; hasRootid: boolean }> = new Map([
  [VFS_CAP_REVISION_1, { size: 12, words: 1, hasRootid: false }],
  [VFS_CAP_REVISION_2, { size: 20, words: 2, hasRootid: false }],
  [VFS_CAP_REVISION_3, { size: 24, words: 2, hasRootid: true }],
]);

/** Index = capability number (linux/capability.h, up to CAP_LAST_CAP of Linux 5.9+). */
const CAP_NAMES: readonly string[] = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid',
  'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw',
  'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct',
  'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod',
  'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
];

// linux/posix_acl_xattr.h and linux/posix_acl.h.
const POSIX_ACL_XATTR_VERSION = 2;
const ACL_HEADER_BYTES = 4;
const ACL_ENTRY_BYTES = 8;
const ACL_PERM_BITS = 0o7;
const ACL_USER_OBJ = 0x01;
const ACL_USER = 0x02;
const ACL_GROUP_OBJ = 0x04;
const ACL_GROUP = 0x08;
const ACL_MASK = 0x10;
const ACL_OTHER = 0x20;

function capName(cap: number): string {
  return `cap_${CAP_NAMES[cap] ?? String(cap)}`;
}

/** The e/i/p letters of one capability, in that order; '' when it is in no set. */
function capLetters(permitted: boolean, inheritable: boolean, effective: boolean): string {
  if (!permitted && !inheritable) return '';
  // The file effective bit is a single flag: the kernel raises every capability the file
  // grants, so it belongs to each capability that is permitted or inheritable.
  return (effective ? 'e' : '') + (inheritable ? 'i' : '') + (permitted ? 'p' : '');
}

/** "name1,name2=ep name3=i": groups in order of their lowest capability, like cap_to_text. */
function formatCapGroups(letters: readonly string[]): string {
  const groups = new Map<string, string[]>();
  letters.forEach((flags, cap) => {
    if (flags === '') return;
    const names = groups.get(flags) ?? [];
    names.push(capName(cap));
    groups.set(flags, names);
  });
  // Map keeps insertion order, and capabilities were visited in ascending order.
  const text = [...groups].map(([flags, names]) => `${names.join(',')}=${flags}`).join(' ');
  // An empty set still gets a visible marker, so "present but empty" differs from absent.
  return text === '' ? '=' : text;
}

/** `security.capability` as getcap-style text, or null when the layout is not one the kernel accepts. */
export function decodeFileCapability(value: Buffer): string | null {
  if (value.length < 4) return null;
  const magic = value.readUInt32LE(0);
  const layout = CAP_LAYOUT.get((magic & VFS_CAP_REVISION_MASK) >>> 0);
  if (!layout || value.length !== layout.size) return null;
  const effective = (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0;
  const letters: string[] = [];
  for (let word = 0; word < layout.words; word++) {
    const permitted = value.readUInt32LE(4 + word * 8);
    const inheritable = value.readUInt32LE(8 + word * 8);
    for (let bit = 0; bit < 32; bit++) {
      const mask = (1 << bit) >>> 0;
      letters.push(capLetters((permitted & mask) !== 0, (inheritable & mask) !== 0, effective));
    }
  }
  const text = formatCapGroups(letters);
  const rootid = layout.hasRootid ? value.readUInt32LE(20) : 0;
  // A namespaced capability only applies inside the user namespace whose root is rootid.
  return rootid !== 0 ? `${text} [rootid=${rootid}]` : text;
}

function aclPerms(perm: number): string {
  return (perm & 4 ? 'r' : '-') + (perm & 2 ? 'w' : '-') + (perm & 1 ? 'x' : '-');
}

function aclEntryText(tag: number, perm: number, id: number): string | null {
  const perms = aclPerms(perm);
  switch (tag) {
    case ACL_USER_OBJ: return `user::${perms}`;
    case ACL_USER: return `user:${id}:${perms}`;
    case ACL_GROUP_OBJ: return `group::${perms}`;
    case ACL_GROUP: return `group:${id}:${perms}`;
    case ACL_MASK: return `mask::${perms}`;
    case ACL_OTHER: return `other::${perms}`;
    default: return null;
  }
}

/**
 * `system.posix_acl_access` / `_default` in getfacl's short form with numeric ids, or null
 * when the header, length, a tag or a permission is not what the kernel would accept.
 */
export function decodePosixAcl(value: Buffer): string | null {
  if (value.length < ACL_HEADER_BYTES) return null;
  if ((value.length - ACL_HEADER_BYTES) % ACL_ENTRY_BYTES !== 0) return null;
  if (value.readUInt32LE(0) !== POSIX_ACL_XATTR_VERSION) return null;
  const count = (value.length - ACL_HEADER_BYTES) / ACL_ENTRY_BYTES;
  // The kernel never stores an ACL without entries (setting one removes the attribute).
  if (count === 0) return null;
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = ACL_HEADER_BYTES + i * ACL_ENTRY_BYTES;
    const perm = value.readUInt16LE(at + 2);
    // posix_acl_valid() rejects bits beyond rwx; showing them as rwx would hide a difference.
    if ((perm & ~ACL_PERM_BITS) !== 0) return null;
    const text = aclEntryText(value.readUInt16LE(at), perm, value.readUInt32LE(at + 4));
    if (text === null) return null;
    parts.push(text);
  }
  return parts.join(',');
}

/** Compares values without showing them; keyed so short secrets cannot be guessed offline. */
function digestSummary(value: Buffer, hmacKey: Buffer): string {
  return `hmac:${keyedDigest(hmacKey, value).slice(0, DIGEST_HEX_CHARS)} (${value.length} bytes)`;
}

/** One attribute's summary: decoded text for capabilities and ACLs, a keyed digest otherwise. */
export function summarizeXattr(name: string, value: Buffer, hmacKey: Buffer): string {
  let decoded: string | null = null;
  if (name === FILE_CAPABILITY_XATTR) decoded = decodeFileCapability(value);
  else if (ACL_XATTRS.has(name)) decoded = decodePosixAcl(value);
  return decoded ?? digestSummary(value, hmacKey);
}

function hexEscape(code: number): string {
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

/**
 * A printable, collision-free key for an attribute name: C0, DEL and C1 controls and the
 * backslash itself become \xNN (escaping the backslash keeps the mapping one-to-one), and
 * lone surrogates become \uXXXX because they would not survive UTF-8 storage.
 */
export function escapeXattrName(name: string): string {
  const needsEscape =
    /[\x00-\x1f\x7f-\x9f\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const escaped = name.replace(needsEscape, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? hexEscape(code) : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  // The overflow marker must stay unambiguous even if an attacker names an attribute after it.
  return escaped === OVERFLOW_KEY ? '\\u2026' : escaped;
}

/**
 * All attributes of a file, keyed by escaped name in sorted order, at most MAX_XATTRS of
 * them plus an OVERFLOW_KEY entry counting the rest. Names longer than XATTR_NAME_MAX (255
 * bytes, which the kernel cannot return) are kept whole, escaped like any other, so the
 * oddity stays visible. Duplicate names keep the first value.
 */
export function summarizeXattrs(entries: ReadonlyArray<XattrEntry>, hmacKey: Buffer): Record<string, string> {
  const byKey = new Map<string, XattrEntry>();
  for (const entry of entries) {
    const key = escapeXattrName(entry.name);
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  const keys = [...byKey.keys()].sort();
  const kept = keys.slice(0, MAX_XATTRS).map((key): [string, string] => {
    const entry = byKey.get(key)!;
    return [key, summarizeXattr(entry.name, entry.value, hmacKey)];
  });
  if (keys.length > MAX_XATTRS) kept.push([OVERFLOW_KEY, `${keys.length - MAX_XATTRS} more`]);
  // fromEntries defines own properties, so a name such as "__proto__" is kept, not swallowed.
  return Object.fromEntries(kept);
}

function entryOf(summary: Record<string, string>, name: string): string | null {
  return Object.hasOwn(summary, name) && typeof summary[name] === 'string' ? summary[name] : null;
}

/** Names whose summary differs, sorted; an unknown side (null) reports nothing. */
export function xattrChanges(
  before: Record<string, string> | null,
  after: Record<string, string> | null,
): XattrChange[] {
  if (before === null || after === null) return [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: XattrChange[] = [];
  for (const name of names) {
    const was = entryOf(before, name);
    const now = entryOf(after, name);
    if (was !== now) changes.push({ name, before: was, after: now });
  }
  return changes;
}

/** The decoded (or digested) `security.capability` of a summary, or null when it has none. */
export function fileCapabilityOf(summary: Record<string, string> | null): string | null {
  return summary === null ? null : entryOf(summary, FILE_CAPABILITY_XATTR);
}
