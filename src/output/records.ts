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
import type { ProcessCounts } from '../process/processContexts.js';
import { eventLine, processContextFields } from './eventRecord.js';
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
  // the agent's own lines
  'ready',
  'setting',
  'stats',
  'alert',
  'integrity',
  'change',
  'baseline',
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
  guard: { files: number; objects: number; settingsMapId: number | null; watchdogSeconds: number } | null;
  attached: ReadonlyArray<{ hook: string; progId: number }>;
  skippedHooks: readonly string[];
  policyFile: string;
  policySha256: string;
  watch: readonly string[];
  stateDb: string | null;
  lsmUnavailable: string | null;
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
    ...(r.guard
      ? {
          guard: {
            files: r.guard.files,
            objects: r.guard.objects,
            settings_map_id: r.guard.settingsMapId,
            watchdog_seconds: r.guard.watchdogSeconds,
          },
        }
      : {}),
    hooks: r.attached.map((a) => a.hook),
    programs: r.attached.length,
    prog_ids: r.attached.map((a) => a.progId),
    skipped_hooks: [...r.skippedHooks],
    policy: r.policyFile,
    policy_sha256: r.policySha256,
    watch: [...r.watch],
    state_db: r.stateDb,
    ...(r.lsmUnavailable !== null ? { lsm_unavailable: r.lsmUnavailable } : {}),
  };
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

export interface StatsLine extends OutputRecord {
  type: 'stats';
  time: string;
  sensor: SensorName;
  final: boolean;
  /** the sum of every stage's losses: kernel events, agent records */
  lost: number;
  kernel: KernelCounts;
  agent: AgentCounts;
}

export function statsLine(time: string, sensor: SensorName, final: boolean, kernel: KernelCounts, agent: AgentCounts): StatsLine {
  const droppedEvents = agent.dropped_queue - agent.process_records_dropped;
  const lost = kernel.lost + kernel.aggregated_lost + droppedEvents + agent.invalid + agent.dropped_output;
  return { type: 'stats', time, sensor, final, lost, kernel, agent };
}

/** Alerts about attempts on the agent itself (src/agent/selfProtectionAlerts.ts). */
export type SelfProtectionAlert =
  | { rule: 'signal_agent_denied'; time: string; pid: number; comm: string; uid: number; signal: string | number }
  | { rule: 'bpf_access_denied'; time: string; pid: number; comm: string; uid: number; object: string | number; object_id: number }
  | { rule: 'agent_file_denied'; time: string; pid: number; comm: string; uid: number; path: string | null; operation: string }
  | { rule: 'ptrace_agent'; time: string; pid: number; comm: string; uid: number; mode: string; decision: string };

/** An alert about an attempt on the agent, with its actor's context after the rule's fields. */
export function selfProtectionAlertLine(alert: SelfProtectionAlert, actor?: ProcessInfo): OutputRecord {
  return { type: 'alert', ...alert, ...(actor ? processContextFields(actor) : {}) };
}

/** A detector's alert; `actor` is the last writer of the key (what the detector carried along). */
export function detectAlertLine(alert: DetectAlert, time: string): OutputRecord {
  const { time_ns: _timeNs, actor, ...rest } = alert;
  return { ...rest, time, ...(actor ? processContextFields(actor as ProcessInfo) : {}) };
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

/** The baseline was reconciled with the disk at start. */
export function baselineLine(time: string, files: number, offlineChanges: number, db: string): OutputRecord {
  return { type: 'baseline', time, files, offline_changes: offlineChanges, db };
}
