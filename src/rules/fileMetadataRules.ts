/**
 * File-object facts rather than content: setuid/setgid and capabilities, system binaries
 * changed outside the package manager, timestamps set to hide a change. From the baseline
 * comparison (a baseline file) and from the chmod, setxattr and utimes events (any other watched file).
 */
import type { ChangeRecord } from '../state/changeRecord.js';
import { FILE_CAPABILITY_XATTR, fileCapabilityOf } from '../state/xattrText.js';
import { describeActor, modeBits, timeMs } from './changeFacts.js';
import { isAccountBackupPath, isSystemBinaryPath } from './pathClasses.js';
import type { EventFacts, Finding, RuleContext, RuleDefinition } from './types.js';

const SETUID = 0o4000;
const SETGID = 0o2000;

function gainedBits(oldMode: number | null, newMode: number): string[] {
  const bits: string[] = [];
  const before = oldMode ?? 0;
  if ((newMode & SETUID) !== 0 && (before & SETUID) === 0) bits.push('setuid');
  if ((newMode & SETGID) !== 0 && (before & SETGID) === 0) bits.push('setgid');
  return bits;
}

function octal(mode: number | null): string {
  return mode === null ? 'none' : (mode & 0o7777).toString(8).padStart(4, '0');
}

const setuidAdded: RuleDefinition = {
  id: 'setuid_added',
  severity: 'high',
  attack: 'T1548.001',
  trigger: 'a regular file gains the setuid or setgid bit (created with it, or chmod)',
  packageManagerExempt: true,
  onChange(record) {
    if (record.new === null || record.new.fileType !== 'file') return [];
    const newMode = modeBits(record.new);
    if (newMode === null) return [];
    const oldMode = record.old?.fileType === 'file' ? modeBits(record.old) : null;
    const bits = gainedBits(oldMode, newMode);
    if (bits.length === 0) return [];
    return [{
      message: `${bits.join(' and ')} bit added to ${record.path} (mode ${octal(oldMode)} → ${octal(newMode)}, owner uid ${record.new.uid}, gid ${record.new.gid})`,
      details: { bits, old_mode: record.old?.mode ?? null, mode: record.new.mode, uid: record.new.uid, gid: record.new.gid },
    }];
  },
  onEvent(event) {
    if (event.in_baseline || (event.operation !== 'chmod' && event.operation !== 'create') || event.mode === undefined) return [];
    const bits = gainedBits(event.old_mode === undefined ? null : event.old_mode & 0o7777, event.mode & 0o7777);
    if (bits.length === 0) return [];
    return [{
      message: `${bits.join(' and ')} bit set on ${event.path} (mode ${octal(event.old_mode ?? null)} → ${octal(event.mode)})`,
      details: { bits, old_mode: event.old_mode === undefined ? null : octal(event.old_mode), mode: octal(event.mode) },
    }];
  },
};

const capabilityAdded: RuleDefinition = {
  id: 'file_capability_added',
  severity: 'high',
  attack: 'T1548',
  trigger: 'a file capability (security.capability extended attribute) set on a file',
  packageManagerExempt: true,
  // A baseline file: its change record has the capability decoded (one alert per action).
  onChange(record) {
    if (record.new === null) return [];
    const changed = record.xattr_changes?.find((c) => c.name === FILE_CAPABILITY_XATTR && c.after !== null);
    const caps = changed?.after ?? (record.action === 'created' ? fileCapabilityOf(record.new.xattrs ?? null) : null);
    if (caps === null || caps === undefined) return [];
    const before = changed?.before ?? null;
    return [{
      message: `file capability ${caps} set on ${record.path}${before === null ? '' : ` (was ${before})`}`,
      details: { xattr: FILE_CAPABILITY_XATTR, capabilities: caps, old_capabilities: before },
    }];
  },
  onEvent(event) {
    if (event.in_baseline || event.operation !== 'setxattr' || event.xattr !== FILE_CAPABILITY_XATTR) return [];
    return [{ message: `file capability set on ${event.path} (security.capability)`, details: { xattr: event.xattr } }];
  },
};

function shortHash(sha: string | null | undefined): string {
  return typeof sha === 'string' ? sha.slice(0, 12) + '…' : 'none';
}

const systemBinaryChanged: RuleDefinition = {
  id: 'system_binary_changed',
  severity: 'high',
  attack: 'T1554',
  trigger: 'a file in /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin or /usr/local/sbin created, replaced or rewritten by a process that is not a package manager',
  packageManagerExempt: true,
  onChange(record) {
    if (!isSystemBinaryPath(record.path) || record.action === 'deleted' || record.new === null) return [];
    if (record.content_changed === false) return []; // mode-only changes: setuid_added
    const verb = record.action === 'created' ? 'created' : record.action === 'replaced' ? 'replaced' : 'rewritten';
    const who = record.offline ? 'while the agent was not running (writer unknown)' : `${describeActor(record.by)}, not by a package manager`;
    const hashes = record.action === 'created' ? `sha256 ${shortHash(record.new.sha256)}` : `sha256 ${shortHash(record.old?.sha256)} → ${shortHash(record.new.sha256)}`;
    return [{
      message: `system binary ${record.path} ${verb} ${who} (${hashes})`,
      details: { old_sha256: record.old?.sha256 ?? null, sha256: record.new.sha256, file_type: record.new.fileType },
    }];
  },
};

/** Moves below this are clock granularity, not intent. */
const BACKWARDS_SLACK_MS = 1000;

function stompFinding(path: string, what: string, oldTime: string | null, newTime: string | null): Finding {
  return { message: `modification time of ${path} ${what} (${oldTime === null ? '' : `${oldTime} → `}${newTime ?? 'out of range'})`, details: { old_mtime: oldTime, mtime: newTime } };
}

/** Why an mtime looks set by hand, or null: before the previous one, or far from now. */
function stompReason(newMs: number, oldMs: number | null, context: RuleContext, allowPast: boolean): string | null {
  const nowMs = context.now().getTime();
  const tolerance = context.timestompToleranceSeconds * 1000;
  if (oldMs !== null && newMs < oldMs - BACKWARDS_SLACK_MS) return 'moved backwards';
  if (newMs > nowMs + tolerance) return 'set into the future';
  if (allowPast && newMs < nowMs - tolerance) return 'set far into the past';
  return null;
}

function stompedChange(record: ChangeRecord, context: RuleContext): Finding[] {
  if (record.new === null || record.action === 'deleted') return [];
  // a backup made with its original's times (useradd on a system whose /etc/subuid is old)
  if (isAccountBackupPath(record.path)) return [];
  // a mount or unmount shows another file at the path: its mtime moved nowhere
  if (record.recheck === 'mount') return [];
  const newMs = timeMs(record.new.mtime);
  if (newMs === null) return [];
  // Same inode: only utimensat moves mtime back. A replace or a new file is judged only when
  // the writer is known (offline, an upgrade or downgrade looks the same).
  if (record.action !== 'modified' && (record.offline || record.by === null)) return [];
  const oldMs = record.action === 'created' ? null : timeMs(record.old?.mtime);
  const reason = stompReason(newMs, oldMs, context, record.action === 'created');
  return reason ? [stompFinding(record.path, reason, record.old?.mtime ?? null, record.new.mtime)] : [];
}

function stompedEvent(event: EventFacts, context: RuleContext): Finding[] {
  if (event.operation !== 'utimes' || typeof event.mtime !== 'string') return [];
  if (isAccountBackupPath(event.path)) return [];
  const newMs = timeMs(event.mtime);
  if (newMs === null) return [];
  const reason = stompReason(newMs, timeMs(event.old_mtime), context, true);
  if (reason === null) return [];
  // A baselined file's comparison reports an mtime moved back itself (see hasChanged); a
  // forward move into the future is no change there, so that one is the event's.
  if (event.in_baseline && reason !== 'set into the future') return [];
  return [stompFinding(event.path, reason, event.old_mtime ?? null, event.mtime)];
}

const timestomp: RuleDefinition = {
  id: 'timestomp',
  severity: 'medium',
  attack: 'T1070.006',
  trigger: 'a modification time moved backwards, or set more than a day into the future (new files and utimes events: or into the past)',
  packageManagerExempt: true,
  onChange: stompedChange,
  onEvent: stompedEvent,
};

export const FILE_METADATA_RULES: readonly RuleDefinition[] = [setuidAdded, capabilityAdded, systemBinaryChanged, timestomp];
