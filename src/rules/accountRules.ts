/**
 * Accounts: passwd, shadow, group, gshadow. The diffs (src/state/diff/colonFile.ts) list
 * entries added/removed as whole records and field changes as {user|group, field, …}.
 * Only the live files count (not the "passwd-" backups the tools write next to them).
 */
import { basename } from 'node:path';
import type { ChangeRecord } from '../state/changeRecord.js';
import { quote } from './changeFacts.js';
import type { Finding, RuleDefinition } from './types.js';

type Entry = Record<string, unknown>;

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Whether glibc would read this uid field as 0: it parses with strtoul, so "00", "+0", " 0",
 * "-0" and values that wrap to 0 in 32 bits ("4294967296") all give root.
 */
export function isRootUid(field: string): boolean {
  const match = /^\s*([+-]?)(\d{1,40})$/.exec(field);
  if (!match) return false;
  let value = BigInt(match[2]!);
  const ulongMax = (1n << 64n) - 1n;
  if (value > ulongMax) return false; // strtoul saturates: ULONG_MAX, not 0
  if (match[1] === '-') value = (ulongMax + 1n - value) & ulongMax;
  return (value & 0xffff_ffffn) === 0n;
}

/** The diff of a live account file, by kind, or null for anything else. */
function accountDiff(record: ChangeRecord, kind: 'passwd' | 'group' | 'shadow') {
  const name = basename(record.path);
  const d = record.diff;
  if (d.kind !== kind) return null;
  if (kind === 'passwd' && name !== 'passwd') return null;
  if (kind === 'group' && name !== 'group') return null;
  if (kind === 'shadow' && name !== 'shadow' && name !== 'gshadow') return null;
  return d as { added: Entry[]; removed: Entry[]; changed: Entry[] };
}

function userLabel(entry: Entry): string {
  return quote(str(entry.user), 64);
}

const uid0Added: RuleDefinition = {
  id: 'account_uid0_added',
  severity: 'critical',
  attack: 'T1136.001',
  trigger: 'an account other than root with uid 0 added to /etc/passwd',
  packageManagerExempt: false,
  onChange(record) {
    const diff = accountDiff(record, 'passwd');
    if (!diff) return [];
    return diff.added
      .filter((e) => str(e.user) !== 'root' && isRootUid(str(e.uid)))
      .map((e) => ({
        message: `account ${userLabel(e)} with uid 0 (root's privileges) added to ${record.path} (uid field ${quote(str(e.uid))}, shell ${quote(str(e.shell))})`,
        details: { user: str(e.user), uid: str(e.uid), home: str(e.home), shell: str(e.shell), password: str(e.password) },
      }));
  },
};

const uid0Granted: RuleDefinition = {
  id: 'account_uid0_granted',
  severity: 'critical',
  attack: 'T1098',
  trigger: "an existing account's uid changed to 0 in /etc/passwd",
  packageManagerExempt: false,
  onChange(record) {
    const diff = accountDiff(record, 'passwd');
    if (!diff) return [];
    return diff.changed
      .filter((c) => c.field === 'uid' && str(c.user) !== 'root' && isRootUid(str(c.new)) && !isRootUid(str(c.old)))
      .map((c) => ({
        message: `account ${userLabel(c)} given uid 0 (was ${quote(str(c.old))}) in ${record.path}`,
        details: { user: str(c.user), old_uid: str(c.old), uid: str(c.new) },
      }));
  },
};

const accountAdded: RuleDefinition = {
  id: 'account_added',
  severity: 'medium',
  attack: 'T1136.001',
  trigger: 'an account added to /etc/passwd (uid-0 accounts raise account_uid0_added instead)',
  packageManagerExempt: true,
  onChange(record) {
    const diff = accountDiff(record, 'passwd');
    if (!diff) return [];
    return diff.added
      .filter((e) => str(e.user) === 'root' || !isRootUid(str(e.uid)))
      .map((e) => ({
        message: `account ${userLabel(e)} added to ${record.path} (uid ${str(e.uid)}, home ${quote(str(e.home))}, shell ${quote(str(e.shell))})`,
        details: { user: str(e.user), uid: str(e.uid), gid: str(e.gid), home: str(e.home), shell: str(e.shell) },
      }));
  },
};

const accountRemoved: RuleDefinition = {
  id: 'account_removed',
  severity: 'low',
  attack: 'T1531',
  trigger: 'an account removed from /etc/passwd',
  packageManagerExempt: true,
  onChange(record) {
    const diff = accountDiff(record, 'passwd');
    if (!diff) return [];
    return diff.removed.map((e) => ({
      message: `account ${userLabel(e)} removed from ${record.path} (uid ${str(e.uid)})`,
      details: { user: str(e.user), uid: str(e.uid) },
    }));
  },
};

/** Users (not groups) whose password field became empty, or who arrived with an empty one. */
function emptiedPasswords(record: ChangeRecord): Finding[] {
  const diff = accountDiff(record, 'passwd') ?? accountDiff(record, 'shadow');
  if (!diff) return [];
  const findings: Finding[] = [];
  for (const c of diff.changed) {
    if (typeof c.user !== 'string' || c.field !== 'password' || c.change !== 'emptied') continue;
    findings.push({
      message: `password of ${userLabel(c)} removed in ${record.path}: login without a password (was ${str(c.old)})`,
      details: { user: c.user, old_state: str(c.old), state: 'empty' },
    });
  }
  for (const e of diff.added) {
    if (typeof e.user !== 'string' || e.password !== 'empty') continue;
    findings.push({
      message: `account ${userLabel(e)} added to ${record.path} with an empty password: login without a password`,
      details: { user: e.user, state: 'empty' },
    });
  }
  return findings;
}

const passwordRemoved: RuleDefinition = {
  id: 'password_removed',
  severity: 'high',
  attack: 'T1098',
  trigger: "a user's password emptied (or an account added without one) in /etc/passwd or /etc/shadow",
  packageManagerExempt: false,
  onChange: emptiedPasswords,
};

const passwordChanged: RuleDefinition = {
  id: 'password_changed',
  severity: 'low',
  attack: 'T1098',
  trigger: "a user's password set, changed or unlocked in /etc/shadow or /etc/passwd",
  packageManagerExempt: true,
  onChange(record) {
    const diff = accountDiff(record, 'shadow') ?? accountDiff(record, 'passwd');
    if (!diff) return [];
    return diff.changed
      .filter((c) => typeof c.user === 'string' && c.field === 'password' && ['changed', 'unlocked', 'state_changed'].includes(str(c.change)))
      .filter((c) => c.new !== 'locked' && c.new !== 'disabled' && c.new !== 'shadowed')
      .map((c) => ({
        message: `password of ${userLabel(c)} ${c.change === 'unlocked' ? 'unlocked' : 'changed'} in ${record.path} (${str(c.old)} → ${str(c.new)})`,
        details: { user: str(c.user), change: str(c.change), old_state: str(c.old), state: str(c.new) },
      }));
  },
};

/** Groups whose members get root or a way to it (sudo rules, the docker socket, raw disks, logs, shadow). */
export const PRIVILEGED_GROUPS: readonly string[] = Object.freeze([
  'root', 'sudo', 'wheel', 'admin', 'adm', 'docker', 'lxd', 'incus-admin', 'libvirt', 'disk', 'shadow', 'kvm', 'sudoers',
]);

const privilegedMember: RuleDefinition = {
  id: 'privileged_group_member_added',
  severity: 'high',
  attack: 'T1098',
  trigger: `a member added to a privileged group in /etc/group (${PRIVILEGED_GROUPS.join(', ')})`,
  packageManagerExempt: true,
  onChange(record) {
    const diff = accountDiff(record, 'group');
    if (!diff) return [];
    const findings: Finding[] = [];
    const report = (group: string, members: unknown) => {
      if (!PRIVILEGED_GROUPS.includes(group) || !Array.isArray(members)) return;
      for (const member of members) {
        if (typeof member !== 'string') continue;
        findings.push({
          message: `${quote(member, 64)} added to the privileged group ${quote(group)} in ${record.path}`,
          details: { group, member },
        });
      }
    };
    for (const c of diff.changed) if (c.field === 'members') report(str(c.group), c.added);
    for (const e of diff.added) report(str(e.group), e.members);
    return findings;
  },
};

export const ACCOUNT_RULES: readonly RuleDefinition[] = [
  uid0Added,
  uid0Granted,
  accountAdded,
  accountRemoved,
  passwordRemoved,
  passwordChanged,
  privilegedMember,
];
