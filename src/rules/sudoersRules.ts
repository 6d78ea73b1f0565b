/**
 * sudoers: every significant line added (src/state/diff/sudoers.ts joins continuations and
 * drops comments) is a rule, an alias, a Defaults or an include; those that let sudo skip the
 * password are marked.
 */
import { basename, dirname } from 'node:path';
import { additionOf, quote } from './changeFacts.js';
import type { Finding, RuleDefinition } from './types.js';

/** NOPASSWD tags, and Defaults that switch authentication off (sudoers(5)). */
export function skipsPassword(line: string): boolean {
  return /\bNOPASSWD\s*:/.test(line) || /^Defaults\b.*!\s*authenticate\b/.test(line);
}

const sudoersRuleAdded: RuleDefinition = {
  id: 'sudoers_rule_added',
  severity: 'high',
  attack: 'T1548.003',
  trigger: 'a line added to /etc/sudoers or /etc/sudoers.d/* (marked when it is NOPASSWD or !authenticate)',
  packageManagerExempt: true,
  onChange(record) {
    const diff = record.diff;
    if (record.action === 'deleted') return [];
    if (diff.kind !== 'sudoers') {
      // A sudoers file the diff could not parse (binary, too large): say that it changed.
      const sudoersPath = basename(record.path) === 'sudoers' || basename(dirname(record.path)) === 'sudoers.d';
      const addition = sudoersPath ? additionOf(record) : null;
      if (addition?.kind !== 'opaque') return [];
      return [{ message: `sudoers file ${record.path} changed (${addition.reason}, not diffed)`, details: { content: addition.reason } }];
    }
    const findings: Finding[] = diff.added.map((line) => {
      const nopasswd = skipsPassword(line);
      return {
        message: `sudoers rule added in ${record.path}: ${quote(line)}${nopasswd ? ' (NOPASSWD: no password asked)' : ''}`,
        details: { line, nopasswd },
      };
    });
    const hidden = diff.addedCount - diff.added.length;
    if (hidden > 0) {
      findings.push({ message: `${hidden} more sudoers lines added in ${record.path} (beyond the diff limit)`, details: { more: hidden } });
    }
    return findings;
  },
};

export const SUDOERS_RULES: readonly RuleDefinition[] = [sudoersRuleAdded];
