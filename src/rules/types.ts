/**
 * What rules read and what they produce. Rules are pure: a change record (from the baseline
 * comparison) or the facts of one event in, findings out; the clock comes in the context.
 */
import type { ChangeAction, ChangeRecord } from '../state/changeRecord.js';
import type { Severity } from '../shared/severity.js';

export type RuleId =
  | 'account_uid0_added'
  | 'account_uid0_granted'
  | 'account_added'
  | 'account_removed'
  | 'password_removed'
  | 'password_changed'
  | 'privileged_group_member_added'
  | 'sudoers_rule_added'
  | 'ssh_authorized_key_added'
  | 'sshd_config_weakened'
  | 'ld_preload_written'
  | 'ld_so_conf_changed'
  | 'setuid_added'
  | 'file_capability_added'
  | 'cron_job_changed'
  | 'systemd_unit_changed'
  | 'systemd_timer_changed'
  | 'systemd_generator_changed'
  | 'pam_config_changed'
  | 'shell_startup_changed'
  | 'rc_script_changed'
  | 'kernel_module_config_changed'
  | 'system_binary_changed'
  | 'timestomp'
  | 'mount_over_watched';

/** One process of the chain that made a change: the process itself or one of its ancestors. */
export interface ProcessIdentity {
  pid?: number;
  /** Task name as the kernel reports it (at most 15 bytes; any process can set its own). */
  comm: string;
  /** Path of the executable as the kernel resolved it, where the sensor knows it. */
  exe?: string | null;
}

/** Who did it, as far as the event stage knows. */
export interface ProcessFacts {
  pid: number;
  comm: string;
  uid: number;
  exe?: string | null;
  /** Parent first, then its parent, …; as far as known. */
  ancestors?: readonly ProcessIdentity[];
  /** Set by the event stage (see src/packages/packageManager.ts) when the chain is a package manager. */
  package_manager?: string;
}

/**
 * Operations the sensors report (or will: chmod/chown/utimes/setxattr arrive with the
 * metadata events). Rules look only at the ones they understand.
 */
export type EventOperation =
  | 'open'
  | 'write'
  | 'create'
  | 'rename'
  | 'unlink'
  | 'rmdir'
  | 'chmod'
  | 'chown'
  | 'utimes'
  | 'setxattr'
  | 'removexattr'
  | 'link'
  | 'symlink'
  | 'mknod'
  | 'mkdir'
  | 'mount'
  | 'umount';

export interface EventFacts {
  operation: EventOperation;
  /** The file the operation is about (the new name of a rename). */
  path: string;
  old_path?: string;
  actor: ProcessFacts;
  /** Permission bits after the operation (chmod, create), e.g. 0o4755. */
  mode?: number;
  /** Permission bits before, where known. */
  old_mode?: number;
  uid?: number;
  gid?: number;
  /** utimes: the modification time set, RFC 3339 (null when it is out of range). */
  mtime?: string | null;
  /** utimes: the modification time before, where known. */
  old_mtime?: string | null;
  /** mount: what the mount did (new, bind, move, remount, propagation; umount for an unmount) */
  mount?: string;
  /** mount: the file system type and the source as given */
  fstype?: string | null;
  source?: string | null;
  /** mount: reported for what was mounted (a watched tree bound or moved to an unwatched name) */
  source_watched?: boolean;
  /** setxattr/removexattr: the attribute name, e.g. "security.capability". */
  xattr?: string;
  /**
   * The path is in the baseline: its change record will carry the same fact with more
   * detail, so the event rules leave it to the change rules (one alert per action).
   */
  in_baseline?: boolean;
}

export interface RuleContext {
  /** Wall clock (timestomp: "far from now"). */
  now: () => Date;
  /** An mtime set more than this far from now (either way), or moved back by more, counts as stomped. */
  timestompToleranceSeconds: number;
}

export const DEFAULT_TIMESTOMP_TOLERANCE_SECONDS = 86_400;

export function defaultRuleContext(now: () => Date = () => new Date()): RuleContext {
  return { now, timestompToleranceSeconds: DEFAULT_TIMESTOMP_TOLERANCE_SECONDS };
}

/** What one rule found in one input: a human line and the structured facts behind it. */
export interface Finding {
  message: string;
  details?: Record<string, unknown>;
}

export interface RuleDefinition {
  id: RuleId;
  severity: Severity;
  /** MITRE ATT&CK technique id, e.g. "T1136.001". */
  attack: string;
  /** What triggers it, one line (the README's rules table). */
  trigger: string;
  /** Changes made by a package manager (the process or an ancestor) raise nothing. */
  packageManagerExempt: boolean;
  onChange?: (record: ChangeRecord, context: RuleContext) => Finding[];
  onEvent?: (event: EventFacts, context: RuleContext) => Finding[];
}

/** The actor as an alert prints it (no ancestors: they are for deciding, not for the line). */
export interface AlertActor {
  pid: number;
  comm: string;
  uid: number;
  exe?: string;
  package_manager?: string;
}

/** One alert: one NDJSON line, `{"type":"alert","rule":…,"severity":…,"attack":…,"message":…,"path":…}`. */
export interface RuleAlert {
  type: 'alert';
  rule: RuleId;
  severity: Severity;
  attack: string;
  message: string;
  path: string;
  /** Whether a baseline comparison or an event raised it. */
  source: 'change' | 'event';
  /** The change record's action (source "change"). */
  action?: ChangeAction;
  /** The event's operation (source "event"). */
  operation?: EventOperation;
  by: AlertActor | null;
  /** The change was made while the agent was not running (writer unknown). */
  offline?: true;
  /** Owning package(s), as the change record carries it. */
  package?: string;
  details: Record<string, unknown>;
}
