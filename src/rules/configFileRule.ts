/**
 * One shape shared by the rules on configuration and persistence files (cron, systemd, PAM,
 * shell start-up, loader, modules, rc scripts): the path is in the rule's class and the change
 * added something (lines, a symlink, undiffed content), or made the file executable, writable
 * by everyone, or owned by someone other than root.
 */
import type { ChangeRecord } from '../state/changeRecord.js';
import { type Addition, additionDetails, additionOf, describeAddition, modeBits } from './changeFacts.js';
import type { Finding, RuleDefinition, RuleId } from './types.js';
import type { Severity } from '../shared/severity.js';

export interface ConfigFileRuleSpec {
  id: RuleId;
  severity: Severity;
  attack: string;
  trigger: string;
  packageManagerExempt: boolean;
  /** What the file is, for the message: "cron job file", "PAM configuration", … */
  noun: string;
  matches: (path: string) => boolean;
  /** Whether the files are run (gaining an execute bit is then a finding). */
  executes?: boolean;
  /** Whether `#` lines count (not for files whose readers have no comments, like ld.so.preload). */
  keepComments?: boolean;
  /** A note for lines that matter more (e.g. "runs a command"), or null. */
  mark?: (line: string) => string | null;
}

/** Mode or owner changes that let more people write (or run) the file. */
export function permissionWeakenings(record: ChangeRecord, executes: boolean): string[] {
  const oldMode = record.old?.fileType === 'file' ? modeBits(record.old) : null;
  const newMode = modeBits(record.new);
  const out: string[] = [];
  // A symlink's mode is always 0777 and means nothing.
  if (newMode === null || record.new === null || record.new.fileType !== 'file') return out;
  if ((newMode & 0o002) !== 0 && (oldMode === null || (oldMode & 0o002) === 0)) out.push('made writable by every user');
  if (executes && oldMode !== null && (oldMode & 0o111) === 0 && (newMode & 0o111) !== 0) out.push('made executable');
  if (record.old !== null && record.old.uid === 0 && record.new.uid !== 0) out.push(`now owned by uid ${record.new.uid}`);
  return out;
}

function linesWithComments(record: ChangeRecord): Addition | null {
  if (record.action === 'deleted' || record.content_changed === false) return null;
  const diff = record.diff;
  if (diff.kind !== 'text') return additionOf(record);
  const lines = diff.added.filter((line) => line.trim() !== '');
  const hidden = diff.addedCount - diff.added.length;
  if (lines.length === 0 && hidden === 0) return null;
  return { kind: 'lines', lines, count: lines.length + hidden, truncated: diff.truncated || hidden > 0 };
}

export function configFileRule(spec: ConfigFileRuleSpec): RuleDefinition {
  return {
    id: spec.id,
    severity: spec.severity,
    attack: spec.attack,
    trigger: spec.trigger,
    packageManagerExempt: spec.packageManagerExempt,
    onChange(record): Finding[] {
      if (!spec.matches(record.path) || record.action === 'deleted') return [];
      const addition = spec.keepComments ? linesWithComments(record) : additionOf(record);
      const weakenings = permissionWeakenings(record, spec.executes ?? false);
      if (addition === null && weakenings.length === 0) return [];
      const verb = record.action === 'created' ? 'created' : 'changed';
      const parts: string[] = [];
      const details: Record<string, unknown> = {};
      if (addition !== null) {
        parts.push(describeAddition(addition));
        Object.assign(details, additionDetails(addition));
        if (addition.kind === 'lines' && spec.mark) {
          const marked = addition.lines.map((line) => ({ line, note: spec.mark!(line) })).filter((m) => m.note !== null);
          if (marked.length > 0) {
            parts.push(`${[...new Set(marked.map((m) => m.note))].join(', ')}`);
            details.marked_lines = marked.slice(0, 20);
          }
        }
      }
      if (weakenings.length > 0) {
        parts.push(weakenings.join(', '));
        details.permissions = weakenings;
        details.mode = record.new?.mode;
        details.uid = record.new?.uid;
      }
      return [{ message: `${spec.noun} ${record.path} ${verb}: ${parts.join('; ')}`, details }];
    },
  };
}
