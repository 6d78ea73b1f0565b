/**
 * A sink that counts what the agent outputs, by record type and by what matters within a type
 * (events by type, alerts by rule and severity, integrity findings and policy reloads by status),
 * and keeps the last few alerts. Metrics and `lsmwatch top` read these counts: they are the records
 * as the output took them, so they agree with what stdout shows.
 */
import type { OutputRecord } from '../output/records.js';
import type { Sink } from '../output/sink.js';
import { OTHER_ALERT_SEVERITIES, isSeverity } from '../shared/severity.js';

export const SENSOR_EVENT_TYPES = ['open', 'write', 'rename', 'unlink', 'ptrace', 'signal', 'bpf_access'] as const;

export interface RecentAlert {
  time: string;
  rule: string;
  severity: string;
  phase?: string;
  /** what the alert is about: its message, else its path or key */
  summary: string;
}

export interface RecordCounts {
  readonly sink: Sink;
  /** records of each sensor event type */
  events(): Record<string, number>;
  /** operations those events stand for (a write record's count) */
  operations(): Record<string, number>;
  /** "rule\tseverity" → alerts */
  alerts(): Map<string, number>;
  /** `${type}` or `${type}:${status}` for integrity and policy records */
  byType(): Map<string, number>;
  recentAlerts(): RecentAlert[];
}

const RECENT = 10;
const EVENT_TYPES = new Set<string>(SENSOR_EVENT_TYPES);

export function alertSeverity(record: OutputRecord): string {
  if (isSeverity(record.severity)) return record.severity;
  return OTHER_ALERT_SEVERITIES[String(record.rule)] ?? 'unknown';
}

function summaryOf(record: OutputRecord): string {
  if (typeof record.message === 'string') return record.message;
  const parts = [record.comm, record.path ?? record.key].filter((p) => typeof p === 'string' && p !== '');
  return parts.join(' ');
}

export function createRecordCounts(name = 'metrics'): RecordCounts {
  const events: Record<string, number> = {};
  const operations: Record<string, number> = {};
  const alerts = new Map<string, number>();
  const byType = new Map<string, number>();
  const recent: RecentAlert[] = [];
  let written = 0;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  const sink: Sink = {
    name,
    accepts: () => true,
    write(record) {
      written++;
      const type = record.type;
      if (EVENT_TYPES.has(type)) {
        events[type] = (events[type] ?? 0) + 1;
        const count = typeof record.count === 'number' ? record.count : 1;
        operations[type] = (operations[type] ?? 0) + count;
        return 'written';
      }
      if (type === 'integrity' || type === 'policy') bump(byType, `${type}:${String(record.status)}`);
      else bump(byType, type);
      if (type === 'alert') {
        const severity = alertSeverity(record);
        bump(alerts, `${String(record.rule)}\t${severity}`);
        recent.push({
          time: String(record.time ?? ''),
          rule: String(record.rule),
          severity,
          ...(typeof record.phase === 'string' ? { phase: record.phase } : {}),
          summary: summaryOf(record),
        });
        if (recent.length > RECENT) recent.shift();
      }
      return 'written';
    },
    beginBatch() {},
    endBatch() {},
    blocked: false,
    onDrain() {},
    counts: () => ({ written, dropped: 0 }),
  };
  return {
    sink,
    events: () => ({ ...events }),
    operations: () => ({ ...operations }),
    alerts: () => new Map(alerts),
    byType: () => new Map(byType),
    recentAlerts: () => [...recent],
  };
}
