/**
 * Wires the Prometheus endpoint to the running agent: one snapshot per scrape, gathered from the
 * parts that already hold each number (the stats reporter's line, the record counts, the watch
 * list, the addon's map walk and program info), then rendered by src/metrics/. The map walk runs
 * off the JavaScript thread and is reused for 5 s, so scraping often costs the event path nothing.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { NativeSensor, MapCount } from '../sensor/nativeAddon.js';
import type { Notices } from '../log/notices.js';
import { buildMetricFamilies, type MetricsSnapshot } from '../metrics/agentMetrics.js';
import { renderExposition } from '../metrics/exposition.js';
import { evaluateHealth, DEFAULT_STALL_THRESHOLD_MS, type HealthReport, type LoopWatch } from '../metrics/health.js';
import { startMetricsServer, type MetricsEndpoint } from '../metrics/metricsServer.js';
import { formatListenAddress, isLoopback, type ListenAddress } from '../metrics/listenAddress.js';
import type { RecordCounts } from '../metrics/recordCounts.js';
import type { InodePaths } from '../events/inodePaths.js';
import type { StatsReporter } from './statsReporter.js';
import type { WatchList } from './watchList.js';
import { WATCH_MAP } from './watchList.js';
import type { WriteDetection } from './writeDetection.js';
import type { SelfIntegrity } from './selfIntegrity.js';
import type { StateTracking } from './stateTracking.js';
import type { AgentPolicy } from './agentPolicy.js';

const MAP_COUNT_MAX_AGE_MS = 5_000;
/** BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH: what a walk can count (arrays are always full). */
const COUNTABLE_MAP_TYPES = new Set([1, 9]);

export interface AgentParts {
  version: string;
  sensor: string;
  native: NativeSensor;
  stats: StatsReporter;
  records: RecordCounts;
  watchList: WatchList;
  inodePaths: InodePaths;
  detection: WriteDetection;
  state: StateTracking | null;
  /** late-bound: the integrity checker starts after the ready line */
  integrity: () => SelfIntegrity | null;
  policy: () => AgentPolicy;
  loop: LoopWatch;
  startTimeSeconds: number;
}

export function readBpfStatsEnabled(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): boolean | null {
  try {
    return read('/proc/sys/kernel/bpf_stats_enabled').trim() === '1';
  } catch {
    return null;
  }
}

export function healthOf(parts: Pick<AgentParts, 'native' | 'loop'>, thresholdMs = DEFAULT_STALL_THRESHOLD_MS): HealthReport {
  return evaluateHealth({
    attachments: parts.native.verifyAttachments(),
    maxGapMs: parts.loop.maxGapMs(),
    thresholdMs,
    watchdogFired: parts.native.watchdogFired(),
  });
}

export function createMetricsCollector(parts: AgentParts) {
  let counts: MapCount[] = [];
  let countedAtMs = -Infinity;
  let counting: Promise<void> | null = null;
  const maps = parts.native.mapInfo();
  const countable = maps.filter((m) => COUNTABLE_MAP_TYPES.has(m.type) && m.name !== WATCH_MAP).map((m) => m.name);

  const refreshCounts = () => {
    if (Date.now() - countedAtMs < MAP_COUNT_MAX_AGE_MS) return Promise.resolve();
    counting ??= parts.native
      .countEntries(countable)
      .then((c) => {
        counts = c;
        countedAtMs = Date.now();
      })
      .finally(() => {
        counting = null;
      });
    return counting;
  };

  return async function collect(): Promise<string> {
    await refreshCounts();
    const stats = parts.stats.snapshot(false);
    const memory = process.memoryUsage();
    const bpfStatsEnabled = readBpfStatsEnabled();
    const snapshot: MetricsSnapshot = {
      build: { version: parts.version, sensor: parts.sensor, kernel: release(), node: process.version },
      startTimeSeconds: parts.startTimeSeconds,
      stats,
      events: parts.records.events(),
      operations: parts.records.operations(),
      alerts: parts.records.alerts(),
      records: parts.records.byType(),
      maps,
      mapCounts: counts,
      agentMapEntries: { [WATCH_MAP]: parts.watchList.entries.length },
      programs: bpfStatsEnabled ? parts.native.runStats() : null,
      bpfStatsEnabled,
      ring: parts.native.ringUsage(),
      queueCapacityBytes: parts.native.stats().user.queueCapacityBytes,
      inodePathCache: { entries: parts.inodePaths.size, capacity: parts.inodePaths.capacity },
      detectorKeys: parts.detection.trackedKeys(),
      integrity: parts.integrity()?.lastCheck() ?? null,
      baselineScan: parts.state?.scanProgress() ?? null,
      health: healthOf(parts),
      policy: { sha256: parts.policy().sha256, watchEntries: parts.watchList.entries.length },
      process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    };
    return renderExposition(buildMetricFamilies(snapshot));
  };
}

/** Starts the endpoint; the agent runs on without it when the address cannot be bound. */
export async function serveMetrics(address: ListenAddress, parts: AgentParts, notices: Notices): Promise<MetricsEndpoint | null> {
  if (!isLoopback(address.host)) {
    notices.warn(`metrics on ${formatListenAddress(address)} are reachable from the network, without authentication`);
  }
  const collect = createMetricsCollector(parts);
  try {
    return await startMetricsServer(address, {
      metrics: collect,
      health: () => healthOf(parts),
      onError: (err) => notices.error(`collecting metrics failed: ${err.message}`),
    });
  } catch (err) {
    notices.warn(`metrics endpoint unavailable on ${formatListenAddress(address)}: ${(err as Error).message}`);
    return null;
  }
}
