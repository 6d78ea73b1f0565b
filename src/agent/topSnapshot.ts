/** The read-only snapshot `lsmwatch top` asks for over the control socket: running totals (the
 * client turns them into per-second rates), the busiest processes and paths, recent alerts, and the
 * losses of the stats line. Strings in it come from events: the client escapes them. */
import type { Activity, PathRow, ProcessRow } from './activity.js';
import type { AgentParts } from './metricsEndpoint.js';
import { healthOf } from './metricsEndpoint.js';
import type { RecentAlert } from '../metrics/recordCounts.js';
import { eventsDroppedInQueue } from '../output/records.js';

export const TOP_ROWS = 10;

export interface TopSnapshot {
  time: string;
  version: string;
  sensor: string;
  pid: number;
  uptime_seconds: number;
  events: Record<string, number>;
  operations: Record<string, number>;
  alerts: Array<{ rule: string; severity: string; count: number }>;
  recent_alerts: RecentAlert[];
  lost: number;
  losses: Record<string, number>;
  kernel: { seen: number; filtered: number; emitted: number };
  queue: { bytes: number; capacity: number };
  processes: ProcessRow[];
  paths: PathRow[];
  policy_sha256: string;
  watch_entries: number;
  healthy: boolean;
}

export function topSnapshot(parts: AgentParts, activity: Activity, now: { rfc3339: string; monotonicNs: bigint; unixSeconds: number }): TopSnapshot {
  const stats = parts.stats.snapshot(false);
  const k = stats.kernel;
  const a = stats.agent;
  return {
    time: now.rfc3339,
    version: parts.version,
    sensor: parts.sensor,
    pid: process.pid,
    uptime_seconds: Math.max(0, Math.round(now.unixSeconds - parts.startTimeSeconds)),
    events: parts.records.events(),
    operations: parts.records.operations(),
    alerts: [...parts.records.alerts()].map(([key, count]) => {
      const [rule, severity] = key.split('\t') as [string, string];
      return { rule, severity, count };
    }),
    recent_alerts: parts.records.recentAlerts(),
    lost: stats.lost,
    losses: {
      kernel_ring: k.lost,
      kernel_aggregated: k.aggregated_lost,
      agent_queue: eventsDroppedInQueue(a),
      decode: a.invalid,
      output: a.dropped_output,
    },
    kernel: { seen: k.seen, filtered: k.filtered, emitted: k.emitted },
    queue: { bytes: a.queued_bytes, capacity: parts.native.stats().user.queueCapacityBytes },
    processes: activity.busiestProcesses(now.monotonicNs, TOP_ROWS),
    paths: activity.busiestPaths(now.monotonicNs, TOP_ROWS),
    policy_sha256: parts.policy().sha256,
    watch_entries: parts.watchList.entries.length,
    healthy: healthOf(parts).healthy,
  };
}
