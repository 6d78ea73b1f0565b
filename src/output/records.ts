/**
 * Every record lsmwatch outputs, in one place: their type names and how each is built from the
 * typed data of the stage that produces it. Sinks take these records; nothing else builds an
 * output shape. Field names are snake_case and their order is part of the contract (README, Output).
 */
import type { ChangeRecord } from '../state/changeRecord.js';
import type { DetectAlert } from '../detect/types.js';
import type { IntegrityFinding } from '../integrity/selfIntegrityChecker.js';
import type { SensorEvent } from '../events/types.js';
import type { ForbidPtraceMode, SensorName } from '../sensor/settings.js';
import { eventLine, processContextFields } from './eventRecord.js';
import type { RuleAlert } from '../rules/types.js';
import { OTHER_ALERT_ATTACK, OTHER_ALERT_SEVERITIES } from '../shared/severity.js';
import type { ProcessCounts } from '../process/processContexts.js';
import type { ProcessInfo } from '../events/types.js';

export const OUTPUT_RECORD_TYPES = [
  // one per sensor event (src/output/eventRecord.ts)
  'open',
  'write',
  'rename',
  'unlink',
  'ptrace',
  'signal',
  'bpf_access',
  'task',
  'cgroup',
  // the agent's own lines
  'ready',
  'setting',
  'stats',
  'alert',
  'integrity',
  'change',
  'baseline',
  'policy',
  'signal_handled',
] as const;

export type OutputRecordType = (typeof OUTPUT_RECORD_TYPES)[number];

export interface OutputRecord {
  type: OutputRecordType;
  [field: string]: unknown;
}

export function sensorEventLine(event: SensorEvent): OutputRecord {
  return eventLine(event) as OutputRecord;
}

export interface ReadyInfo {
  time: string;
  version: string;
  pid: number;
  sensor: SensorName;
  kernel: string;
  enforcement: boolean;
  forbidPtrace: ForbidPtraceMode;
  protect: boolean;
  guard: GuardReadyInfo | null;
  attached: ReadonlyArray<{ hook: string; progId: number }>;
  skippedHooks: readonly string[];
  policyFile: string;
  policySha256: string;
  watch: readonly string[];
  /** inodes marked at start, planned marks whose path was gone, entries in the kernel's trie */
  marks: { marked: number; missing: number; trieEntries: number };
  /** what the sensor in use cannot see (src/agent/blindSpots.ts) */
  blindSpots: ReadonlyArray<{ id: string; what: string }>;
  stateDb: string | null;
  /** the metrics endpoint's address, or null when it is off */
  metrics: string | null;
  lsmUnavailable: string | null;
  /** the node running the agent (src/agent/nodeRuntime.ts); null when the start-up step did not run */
  node: NodeReadyInfo | null;
  /** what the agent does with each signal (src/agent/signals.ts) */
  signals: SignalDispositions;
  /** program variants loaded instead of the object's first choice (native/src/program_variants.h) */
  variants: ReadonlyArray<{ program: string; variant: string }>;
}

export interface GuardReadyInfo {
  files: number;
  objects: number;
  /** signals others may still send the agent (everything else is denied) */
  signalsAllowed: readonly string[];
  /** the agent's cgroup v2 path, or null without cgroup v2 */
  cgroup: string | null;
  settingsMapId: number | null;
  watchdogSeconds: number;
}

export interface NodeReadyInfo {
  version: string;
  /** the executable this process runs (/proc/self/exe) and its SHA-256 */
  executable: string;
  sha256: string;
  /** node options before the script, exactly as this process got them */
  execArgv: readonly string[];
  nodeOptions: string | null;
  /** how SIGUSR1 is kept from starting the inspector */
  sigusr1: 'disabled' | 'handled';
  allowNodeOptions: boolean;
}

export interface SignalDispositions {
  /** stop the agent cleanly */
  stop: readonly string[];
  /** reload the policy */
  reload: readonly string[];
  /** caught and reported (signal_handled); the agent keeps running */
  reported: readonly string[];
  /** ignored (SIG_IGN) */
  ignored: readonly string[];
  /** under --protect: what others may still send (everything else is denied in the kernel) */
  allowedUnderProtect: readonly string[] | null;
  /** without --protect: what the agent cannot catch, and which ends it */
  unhandled: readonly string[] | null;
}

function guardFields(g: GuardReadyInfo): Record<string, unknown> {
  return {
    files: g.files,
    objects: g.objects,
    ptrace: 'denied',
    signals_allowed: [...g.signalsAllowed],
    limits: 'denied',
    cgroup: g.cgroup,
    cgroup_files: 'freeze, kill and limits of its cgroup and ancestors denied; moves reported',
    settings_map_id: g.settingsMapId,
    watchdog_seconds: g.watchdogSeconds,
  };
}

function nodeFields(n: NodeReadyInfo): Record<string, unknown> {
  return {
    version: n.version,
    executable: n.executable,
    sha256: n.sha256,
    exec_argv: [...n.execArgv],
    node_options: n.nodeOptions,
    sigusr1: n.sigusr1,
    allow_node_options: n.allowNodeOptions,
  };
}

function signalFields(d: SignalDispositions): Record<string, unknown> {
  return {
    stop: [...d.stop],
    reload: [...d.reload],
    reported: [...d.reported],
    ignored: [...d.ignored],
    ...(d.allowedUnderProtect !== null ? { allowed_under_protect: [...d.allowedUnderProtect] } : {}),
    ...(d.unhandled !== null ? { unhandled: [...d.unhandled] } : {}),
  };
}

/** The ready line's summary of the variants in use: "default", or their suffixes (no_atomics). */
export function variantSummary(variants: ReadyInfo['variants']): string {
  const suffixes = new Set(variants.map((v) => v.variant.slice(v.variant.indexOf('__') + 2)));
  return suffixes.size === 0 ? 'default' : [...suffixes].sort().join('+');
}

export function readyLine(r: ReadyInfo): OutputRecord {
  return {
    type: 'ready',
    time: r.time,
    version: r.version,
    pid: r.pid,
    sensor: r.sensor,
    kernel: r.kernel,
    enforcement: r.enforcement,
    forbid_ptrace: r.forbidPtrace,
    protect: r.protect,
    ...(r.guard ? { guard: guardFields(r.guard) } : {}),
    hooks: r.attached.map((a) => a.hook),
    programs: r.attached.length,
    prog_ids: r.attached.map((a) => a.progId),
    skipped_hooks: [...r.skippedHooks],
    variant: variantSummary(r.variants),
    program_variants: Object.fromEntries(r.variants.map((v) => [v.program, v.variant])),
    policy: r.policyFile,
    policy_sha256: r.policySha256,
    watch: [...r.watch],
    marks: { marked: r.marks.marked, missing: r.marks.missing, trie_entries: r.marks.trieEntries },
    blind_spots: r.blindSpots.map((b) => ({ id: b.id, what: b.what })),
    state_db: r.stateDb,
    ...(r.metrics !== null ? { metrics: r.metrics } : {}),
    ...(r.node !== null ? { node: nodeFields(r.node) } : {}),
    signals: signalFields(r.signals),
    ...(r.lsmUnavailable !== null ? { lsm_unavailable: r.lsmUnavailable } : {}),
  };
}

/** A signal the agent caught and let pass (src/agent/signals.ts): it keeps running. */
export interface SignalHandledInfo {
  time: string;
  signal: string;
  action: 'ignored';
  /** arrivals since the last line for this signal that had no line of their own */
  suppressed: number;
  /** arrived before the agent's handlers were in place (the launcher noted it) */
  early: boolean;
}

export function signalHandledLine(r: SignalHandledInfo): OutputRecord {
  return { type: 'signal_handled', time: r.time, signal: r.signal, action: r.action, suppressed: r.suppressed, ...(r.early ? { early: true } : {}) };
}

/** A run-time setting changed (lsmwatch ctl). */
export function settingLine(time: string, forbidPtrace: ForbidPtraceMode): OutputRecord {
  return { type: 'setting', time, forbid_ptrace: forbidPtrace };
}

export interface KernelCounts {
  seen: number;
  filtered: number;
  aggregated: number;
  emitted: number;
  lost: number;
  aggregated_reported: number;
  aggregated_lost: number;
  aggregated_pending: number;
  flushed: number;
  flush_lost: number;
  verdict_miss: number;
  path_truncated: number;
  denied: number;
  /** verdicts computed by walking up from the file (no trusted mark) */
  verdict_walks: number;
  /** walks cut short before anything decided: reported as watched */
  depth_unknown: number;
  /** marks or cached verdicts that found their map full */
  marks_full: number;
  /** tracepoint: rename/unlink paths not found in the dcache (judged by the string) */
  unresolved: number;
  /** directory renames and mount changes that retired cached verdicts */
  generations: number;
  /** inodes the kernel marked watched (renamed or linked to a watched name) */
  marked: number;
  /** of denied: operations on the agent's process or cgroup (signals, ptrace, limits, cgroup files) denied by --protect */
  guard_denied: number;
  /** exec, fork and exit records (not events): written, and lost to a full ring buffer */
  process_records: number;
  process_records_lost: number;
}

export interface AgentCounts {
  received: number;
  delivered: number;
  dropped_queue: number;
  /** of dropped_queue, the exec/fork/exit records: no event was lost with them (not in `lost`) */
  process_records_dropped: number;
  queued_bytes: number;
  decoded: number;
  invalid: number;
  emitted: number;
  dropped_output: number;
  /** decoded exec, fork and exit records: the process cache took them (decoded = emitted + dropped_output + process_records) */
  process_records: number;
  /** the process cache: what it holds, where its facts came from, what it could not learn */
  process: ProcessCounts;
  /** exceptions thrown by consumers of events (the events were still output) */
  consumer_errors: number;
  /** every record (events and the agent's own lines) per sink */
  sinks: Record<string, { written: number; dropped: number }>;
  last_decode_error?: string;
}

/** A baseline scan in progress (at start, or for paths a reload added): files hashed of those found. */
export interface BaselineScanProgress {
  done: number;
  total: number;
}

export interface StatsLine extends OutputRecord {
  type: 'stats';
  time: string;
  sensor: SensorName;
  final: boolean;
  /** the sum of every stage's losses: kernel events, agent records */
  lost: number;
  kernel: KernelCounts;
  agent: AgentCounts;
  baseline_scan?: BaselineScanProgress;
}

/** Records the addon's queue dropped that were events: the exec/fork/exit records it dropped are
 * counted apart (process_records_dropped), since no event was lost with them. */
export function eventsDroppedInQueue(agent: Pick<AgentCounts, 'dropped_queue' | 'process_records_dropped'>): number {
  return agent.dropped_queue - agent.process_records_dropped;
}

export function statsLine(
  time: string,
  sensor: SensorName,
  final: boolean,
  kernel: KernelCounts,
  agent: AgentCounts,
  baselineScan: BaselineScanProgress | null = null,
): StatsLine {
  const lost = kernel.lost + kernel.aggregated_lost + eventsDroppedInQueue(agent) + agent.invalid + agent.dropped_output;
  return { type: 'stats', time, sensor, final, lost, kernel, agent, ...(baselineScan ? { baseline_scan: baselineScan } : {}) };
}

/** Alerts about attempts on the agent itself (src/agent/selfProtectionAlerts.ts). */
export type SelfProtectionAlert =
  | { rule: 'signal_agent_denied'; time: string; pid: number; comm: string; uid: number; signal: string | number }
  | { rule: 'bpf_access_denied'; time: string; pid: number; comm: string; uid: number; object: string | number; object_id: number }
  | { rule: 'agent_file_denied'; time: string; pid: number; comm: string; uid: number; path: string | null; operation: string }
  | {
      rule: 'ptrace_agent';
      time: string;
      pid: number;
      comm: string;
      uid: number;
      mode: string;
      decision: string;
      /** accesses of this kind by this process folded into this alert (src/agent/ptraceAgentAlerts.ts) */
      count: number;
      /** the last of them, when more than one */
      last_time?: string;
      /** the process was alerted on before: these are its repeats since */
      repeat?: true;
    }
  | {
      rule: 'agent_task_denied' | 'agent_task_changed';
      time: string;
      pid: number;
      comm: string;
      uid: number;
      target_pid: number;
      operation: string | number;
      resource?: string | number;
      soft?: string | number;
      hard?: string | number;
      nice?: string | number;
      ioprio_class?: string | number;
      decision: string;
    }
  | {
      rule: 'agent_cgroup_moved' | 'agent_cgroup_denied' | 'agent_cgroup_frozen';
      time: string;
      pid: number;
      comm: string;
      uid: number;
      target_pid: number;
      operation: string | number;
      path: string;
      decision: string;
    };

/** The grade of an alert that predates rules: its severity and ATT&CK id follow its own fields. */
function graded(rule: string): { severity: string; attack: string } {
  return { severity: OTHER_ALERT_SEVERITIES[rule] ?? 'medium', attack: OTHER_ALERT_ATTACK[rule] ?? '' };
}

/** An alert about an attempt on the agent, with its actor's context after the rule's fields. */
export function selfProtectionAlertLine(alert: SelfProtectionAlert, actor?: ProcessInfo): OutputRecord {
  return { type: 'alert', ...alert, ...(actor ? processContextFields(actor) : {}), ...graded(alert.rule) };
}

/** A detector's alert; `actor` is the last writer of the key (what the detector carried along). */
export function detectAlertLine(alert: DetectAlert, time: string): OutputRecord {
  const { time_ns: _timeNs, actor, ...rest } = alert;
  return { ...rest, time, ...(actor ? processContextFields(actor as ProcessInfo) : {}), ...graded(alert.rule) };
}

/** Where events were lost, as the stats line counts them. */
export interface LossByStage {
  kernel_ring_buffer: number;
  agent_queue: number;
  decode: number;
  output: number;
}

/** Events were lost since the last such alert: which stage lost most, and how many per stage. */
export function eventsLostLine(time: string, lost: LossByStage, totalLost: number): OutputRecord {
  const stages = Object.entries(lost) as Array<[keyof LossByStage, number]>;
  const [stage] = stages.reduce((worst, s) => (s[1] > worst[1] ? s : worst));
  const n = stages.reduce((sum, [, v]) => sum + v, 0);
  return { type: 'alert', rule: 'events_lost', time, stage, lost: n, stages: { ...lost }, total_lost: totalLost, ...graded('events_lost') };
}

/** A finding of the built-in rules (src/rules/): type, time, rule, severity, attack, message, path, … */
export function ruleAlertLine(alert: RuleAlert, time: string): OutputRecord {
  const { type, rule, severity, attack, message, path, ...rest } = alert;
  return { type, time, rule, severity, attack, message, path, ...rest };
}

export function integrityLine(finding: IntegrityFinding, time: string): OutputRecord {
  return { ...finding, time };
}

/** What the first self-check covered, and the node executable in use. */
export function integrityBaselineLine(
  time: string,
  filesChecked: number,
  problems: number,
  executable: { path: string; sha256: string },
): OutputRecord {
  return {
    type: 'integrity',
    status: 'baseline',
    time,
    files_checked: filesChecked,
    problems,
    executable: executable.path,
    executable_sha256: executable.sha256,
  };
}

export function changeLine(change: ChangeRecord, time: string): OutputRecord {
  return { ...change, time };
}

/** The baseline was reconciled with the disk at start, or again after a reload changed what it covers
 * (then `reload: true` and `changes`: differences found in files it covered before). */
export function baselineLine(time: string, files: number, offlineChanges: number, db: string, reloadChanges?: number): OutputRecord {
  return {
    type: 'baseline',
    time,
    files,
    offline_changes: offlineChanges,
    db,
    ...(reloadChanges === undefined ? {} : { reload: true, changes: reloadChanges }),
  };
}

/** What a policy reload changed (src/agent/policyReload.ts). */
export interface PolicyReloadInfo {
  time: string;
  /** "SIGHUP" or "ctl" */
  trigger: string;
  file: string;
  sha256: string;
  previousSha256: string;
  /** per policy section, in the policy file's names */
  changes: Record<string, unknown>;
  /** dotted keys whose new value waits for a restart */
  requiresRestart: readonly string[];
}

export function policyReloadedLine(r: PolicyReloadInfo): OutputRecord {
  return {
    type: 'policy',
    status: 'reloaded',
    time: r.time,
    trigger: r.trigger,
    policy: r.file,
    policy_sha256: r.sha256,
    previous_sha256: r.previousSha256,
    changes: r.changes,
    requires_restart: [...r.requiresRestart],
  };
}

/** A reload refused: `error` is the message a start with that file would print; the running policy stays. */
export function policyRejectedLine(r: { time: string; trigger: string; file: string; error: string; runningSha256: string }): OutputRecord {
  return {
    type: 'policy',
    status: 'rejected',
    time: r.time,
    trigger: r.trigger,
    policy: r.file,
    error: r.error,
    policy_sha256: r.runningSha256,
  };
}
