/**
 * SSH: keys added to authorized_keys (from the fingerprint diff, src/state/diff/authorizedKeys.ts)
 * and sshd_config / sshd_config.d changes that open a way in (from the text diff's lines).
 */
import { basename, dirname } from 'node:path';
import { quote } from './changeFacts.js';
import type { Finding, RuleDefinition } from './types.js';

const keyAdded: RuleDefinition = {
  id: 'ssh_authorized_key_added',
  severity: 'high',
  attack: 'T1098.004',
  trigger: "an SSH key added to an authorized_keys file, or a key's restricting options dropped",
  packageManagerExempt: false,
  onChange(record) {
    const diff = record.diff;
    if (diff.kind !== 'authorized_keys') return [];
    const findings: Finding[] = diff.added.map((key) => ({
      message:
        `SSH key added to ${record.path}: ${key.type} ${key.fingerprint}` +
        `${key.comment ? ` ${quote(key.comment, 100)}` : ' (no comment)'}${key.options.length ? ` options ${quote(key.options.join(','))}` : ''}`,
      details: { key_type: key.type, fingerprint: key.fingerprint, comment: key.comment, options: key.options },
    }));
    for (const change of diff.optionsChanged) {
      const dropped = change.oldOptions.filter((o) => !change.newOptions.includes(o));
      if (dropped.length === 0) continue;
      findings.push({
        message: `SSH key ${change.fingerprint}${change.comment ? ` ${quote(change.comment, 100)}` : ''} in ${record.path} lost its options ${quote(dropped.join(','))}`,
        details: { key_type: change.type, fingerprint: change.fingerprint, comment: change.comment, dropped_options: dropped, options: change.newOptions },
      });
    }
    return findings;
  },
};

interface Directive {
  keyword: string;
  value: string;
  line: string;
}

/** "PermitRootLogin yes", "PermitRootLogin=yes", "  passwordauthentication  \"yes\"" → keyword in lower case, first value. */
export function parseSshdDirective(line: string): Directive | null {
  const match = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*?)\s*$/.exec(line);
  if (!match || line.trim().startsWith('#')) return null;
  const value = match[2]!.replace(/^"(.*)"$/, '$1').trim();
  return { keyword: match[1]!.toLowerCase(), value, line: line.trim() };
}

const KEY_SOURCES = ['authorizedkeysfile', 'authorizedkeyscommand', 'authorizedkeyscommanduser', 'authorizedprincipalsfile', 'authorizedprincipalscommand', 'trustedusercakeys', 'include'];
const ACCESS_LISTS = ['allowusers', 'allowgroups', 'denyusers', 'denygroups'];

/** Why adding this directive weakens sshd, or null. */
export function addedWeakness(d: Directive): string | null {
  const v = d.value.toLowerCase().split(/\s+/)[0] ?? '';
  switch (d.keyword) {
    case 'permitrootlogin':
      return ['no', 'prohibit-password', 'without-password', 'forced-commands-only'].includes(v) ? null : 'root may log in with a password';
    case 'passwordauthentication':
    case 'kbdinteractiveauthentication':
    case 'challengeresponseauthentication':
      return v === 'yes' ? 'password logins allowed' : null;
    case 'permitemptypasswords':
      return v === 'yes' ? 'accounts without a password may log in' : null;
    case 'hostbasedauthentication':
      return v === 'yes' ? 'host-based (rhosts-style) logins allowed' : null;
    case 'ignorerhosts':
      return v === 'no' ? '.rhosts files honoured' : null;
    case 'strictmodes':
      return v === 'no' ? 'key files with unsafe permissions accepted' : null;
    case 'permituserenvironment':
      return v === 'no' ? null : 'users may set environment variables (LD_PRELOAD) at login';
    default:
      if (KEY_SOURCES.includes(d.keyword)) return v === 'none' ? null : 'keys or configuration read from another place';
      return null;
  }
}

/** Why removing this directive weakens sshd (the default is weaker, or an access list is gone), or null. */
export function removedWeakness(d: Directive): string | null {
  const v = d.value.toLowerCase().split(/\s+/)[0] ?? '';
  if (['passwordauthentication', 'kbdinteractiveauthentication', 'challengeresponseauthentication'].includes(d.keyword)) {
    return v === 'no' ? 'password logins back to the default (allowed)' : null;
  }
  if (d.keyword === 'permitrootlogin') return v === 'no' ? 'root login back to the default (with a key)' : null;
  if (ACCESS_LISTS.includes(d.keyword)) return 'login access list removed';
  return null;
}

function isSshdConfig(path: string): boolean {
  return basename(path) === 'sshd_config' || basename(dirname(path)) === 'sshd_config.d';
}

function normalized(d: Directive): string {
  return `${d.keyword} ${d.value.toLowerCase().replace(/\s+/g, ' ')}`;
}

const sshdWeakened: RuleDefinition = {
  id: 'sshd_config_weakened',
  severity: 'high',
  attack: 'T1556',
  trigger: 'sshd_config or sshd_config.d/* allows root or password logins, empty passwords, user environments, other key sources or includes, or loses an access list',
  packageManagerExempt: true,
  onChange(record) {
    const diff = record.diff;
    if (diff.kind !== 'text' || !isSshdConfig(record.path)) return [];
    const added = diff.added.map(parseSshdDirective).filter((d): d is Directive => d !== null);
    const removed = diff.removed.map(parseSshdDirective).filter((d): d is Directive => d !== null);
    const addedKeys = new Set(added.map(normalized));
    const removedKeys = new Set(removed.map(normalized));
    const weaknesses: { change: 'added' | 'removed'; line: string; why: string }[] = [];
    for (const d of added) {
      const why = removedKeys.has(normalized(d)) ? null : addedWeakness(d);
      if (why) weaknesses.push({ change: 'added', line: d.line, why });
    }
    for (const d of removed) {
      const why = addedKeys.has(normalized(d)) ? null : removedWeakness(d);
      if (why) weaknesses.push({ change: 'removed', line: d.line, why });
    }
    if (weaknesses.length === 0) return [];
    const text = weaknesses.slice(0, 4).map((w) => `${w.change} ${quote(w.line)} (${w.why})`).join('; ');
    const more = weaknesses.length > 4 ? ` and ${weaknesses.length - 4} more` : '';
    return [{ message: `sshd configuration ${record.path} weakened: ${text}${more}`, details: { weaknesses: weaknesses.slice(0, 20) } }];
  },
};

export const SSH_RULES: readonly RuleDefinition[] = [keyAdded, sshdWeakened];
