/**
 * The agent's metrics as Prometheus families, built from one snapshot of plain data (pure, so the
 * names and numbers are testable without a kernel). The loss and stage counters are the stats
 * line's own numbers: the snapshot carries the StatsLine the stats reporter builds, nothing is
 * counted twice. Names follow Prometheus conventions: lsmwatch_ prefix, _total for counters, base
 * units (seconds, bytes).
 */
import { eventsDroppedInQueue, type StatsLine } from '../output/records.js';
import type { MapCount, MapInfo, ProgramRunStats, RingUsage } from '../sensor/nativeAddon.js';
import type { MetricFamily, Sample } from './exposition.js';
import type { HealthReport } from './health.js';

export interface MetricsSnapshot {
  build: { version: string; sensor: string; kernel: string; node: string };
  startTimeSeconds: number;
  stats: StatsLine;
  events: Record<string, number>;
  operations: Record<string, number>;
  /** "rule\tseverity" → count */
  alerts: Map<string, number>;
  /** record type, or type:status for integrity and policy records */
  records: Map<string, number>;
  maps: MapInfo[];
  /** kernel-side counts (a bounded walk); missing maps are reported from what the agent inserted */
  mapCounts: MapCount[];
  /** entries the agent itself put in maps it alone writes (lw_watch) */
  agentMapEntries: Record<string, number>;
  programs: ProgramRunStats[] | null;
  bpfStatsEnabled: boolean | null;
  ring: RingUsage | null;
  queueCapacityBytes: number;
  inodePathCache: { entries: number; capacity: number };
  detectorKeys: { pid: number; path: number; fanout: number };
  integrity: { timeMs: number; problems: number; checks: number } | null;
  baselineScan: { done: number; total: number } | null;
  health: HealthReport;
  policy: { sha256: string; watchEntries: number };
  process: { rssBytes: number; heapUsedBytes: number };
}

const counter = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: 'counter', samples });
const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: 'gauge', samples });
const one = (value: number, labels?: Record<string, string>): Sample[] => [{ value, ...(labels ? { labels } : {}) }];

/** Every stats-line counter, under its metric name (the README's Loss accounting explains them). */
function stageFamilies(s: StatsLine): MetricFamily[] {
  const k = s.kernel;
  const a = s.agent;
  return [
    counter('lsmwatch_kernel_seen_total', 'Hook invocations that reached the filter (stats kernel.seen).', one(k.seen)),
    counter('lsmwatch_kernel_filtered_total', 'Invocations dropped in the kernel: unwatched, the agent itself, not a regular file (kernel.filtered).', one(k.filtered)),
    counter('lsmwatch_kernel_aggregated_writes_total', 'Writes folded into a pending count in the kernel (kernel.aggregated).', one(k.aggregated)),
    counter('lsmwatch_kernel_emitted_records_total', 'Records written to the ring buffer (kernel.emitted).', one(k.emitted)),
    counter('lsmwatch_kernel_aggregated_writes_reported_total', 'Aggregated writes carried out in records that reached the ring buffer (kernel.aggregated_reported).', one(k.aggregated_reported)),
    gauge('lsmwatch_kernel_aggregated_writes_pending', 'Aggregated writes not reported yet (kernel.aggregated_pending).', one(k.aggregated_pending)),
    counter('lsmwatch_kernel_flushed_records_total', 'Flush records of aggregated writes written (kernel.flushed).', one(k.flushed)),
    counter('lsmwatch_kernel_flush_records_lost_total', 'Flush records lost because the ring buffer was full (kernel.flush_lost; their writes are in stage="kernel_aggregated").', one(k.flush_lost)),
    counter('lsmwatch_kernel_verdict_misses_total', 'File verdicts computed outside open (kernel.verdict_miss).', one(k.verdict_miss)),
    counter('lsmwatch_kernel_paths_truncated_total', 'Paths cut to their last part (kernel.path_truncated).', one(k.path_truncated)),
    counter('lsmwatch_kernel_denied_total', 'Operations denied by enforcement (kernel.denied).', one(k.denied)),
    counter('lsmwatch_kernel_guard_denied_total', 'Of those, operations on the agent\'s process or cgroup denied by --protect (kernel.guard_denied).', one(k.guard_denied)),
    counter('lsmwatch_kernel_verdict_walks_total', 'Verdicts computed by walking up from the file, no trusted mark (kernel.verdict_walks).', one(k.verdict_walks)),
    counter('lsmwatch_kernel_depth_unknown_total', 'Walks cut short before anything decided, reported as watched (kernel.depth_unknown).', one(k.depth_unknown)),
    counter('lsmwatch_kernel_marks_full_total', 'Marks or cached verdicts that found their map full (kernel.marks_full).', one(k.marks_full)),
    counter('lsmwatch_kernel_unresolved_paths_total', 'Tracepoint sensor: rename/unlink paths not found in the dcache, judged by the string (kernel.unresolved).', one(k.unresolved)),
    counter('lsmwatch_kernel_verdict_generations_total', 'Directory renames and mount changes that retired cached verdicts (kernel.generations).', one(k.generations)),
    counter('lsmwatch_kernel_marked_inodes_total', 'Inodes the kernel marked watched, renamed or linked to a watched name (kernel.marked).', one(k.marked)),
    counter('lsmwatch_kernel_process_records_total', 'Exec, fork and exit records written, not events (kernel.process_records).', one(k.process_records)),
    counter('lsmwatch_kernel_process_records_lost_total', 'Process records lost to a full ring buffer; the agent reads /proc instead (kernel.process_records_lost).', one(k.process_records_lost)),
    counter(
      'lsmwatch_lost_total',
      'Losses by stage, the terms of the stats line\'s "lost": kernel_ring (records, kernel.lost), kernel_aggregated (writes, kernel.aggregated_lost), agent_queue (event records, agent.dropped_queue - agent.process_records_dropped), decode (records, agent.invalid), output (events, agent.dropped_output).',
      [
        { labels: { stage: 'kernel_ring' }, value: k.lost },
        { labels: { stage: 'kernel_aggregated' }, value: k.aggregated_lost },
        { labels: { stage: 'agent_queue' }, value: eventsDroppedInQueue(a) },
        { labels: { stage: 'decode' }, value: a.invalid },
        { labels: { stage: 'output' }, value: a.dropped_output },
      ],
    ),
    counter('lsmwatch_agent_records_received_total', 'Records taken from the ring buffer (agent.received).', one(a.received)),
    counter('lsmwatch_agent_records_delivered_total', 'Records handed to JavaScript (agent.delivered).', one(a.delivered)),
    counter('lsmwatch_agent_records_decoded_total', 'Records decoded into events (agent.decoded).', one(a.decoded)),
    counter('lsmwatch_agent_events_emitted_total', 'Events the output took (agent.emitted).', one(a.emitted)),
    counter('lsmwatch_agent_process_records_total', 'Process records the process cache took (agent.process_records).', one(a.process_records)),
    counter('lsmwatch_agent_process_records_dropped_total', 'Of agent.dropped_queue, the process records (agent.process_records_dropped; not in lost).', one(a.process_records_dropped)),
    gauge('lsmwatch_process_cache_entries', 'Processes in the agent\'s process cache (agent.process.cached).', one(a.process.cached)),
    counter('lsmwatch_process_procfs_reads_total', 'Processes read from /proc because no kernel record told of them (agent.process.procfs_reads).', one(a.process.procfs_reads)),
    counter('lsmwatch_process_misses_total', 'Processes seen in events whose executable stayed unknown (agent.process.misses).', one(a.process.misses)),
    counter('lsmwatch_process_evicted_total', 'Processes forgotten to stay within process.cache_size (agent.process.evicted).', one(a.process.evicted)),
    counter('lsmwatch_agent_consumer_errors_total', 'Exceptions of alert rules, detectors or state tracking on an event that was still output (agent.consumer_errors).', one(a.consumer_errors)),
    counter(
      'lsmwatch_sink_records_total',
      'Records written per sink (agent.sinks.*.written).',
      Object.entries(a.sinks).map(([sink, c]) => ({ labels: { sink }, value: c.written })),
    ),
    counter(
      'lsmwatch_sink_records_dropped_total',
      'Records a sink had to drop (agent.sinks.*.dropped).',
      Object.entries(a.sinks).map(([sink, c]) => ({ labels: { sink }, value: c.dropped })),
    ),
  ];
}

function mapFamilies(m: MetricsSnapshot): MetricFamily[] {
  const entries: Sample[] = [];
  const counted = new Map(m.mapCounts.map((c) => [c.name, c]));
  for (const info of m.maps) {
    const own = m.agentMapEntries[info.name];
    const walked = counted.get(info.name);
    if (own !== undefined) entries.push({ labels: { map: info.name, counted_by: 'agent' }, value: own });
    else if (walked && !walked.error) entries.push({ labels: { map: info.name, counted_by: walked.method }, value: walked.entries });
  }
  return [
    gauge(
      'lsmwatch_bpf_map_entries',
      'Entries in a BPF map: counted_by="agent" for maps only the agent fills (what it inserted), "batch" or "next_key" for a bounded walk of a map the kernel fills (a snapshot, at most 5 s old).',
      entries,
    ),
    gauge(
      'lsmwatch_bpf_map_capacity',
      'max_entries of each BPF map (ring buffer: bytes).',
      m.maps.map((info) => ({ labels: { map: info.name }, value: info.maxEntries })),
    ),
  ];
}

function programFamilies(m: MetricsSnapshot): MetricFamily[] {
  const out: MetricFamily[] = [
    gauge('lsmwatch_bpf_stats_enabled', 'Whether kernel.bpf_stats_enabled is 1 (program run counters count only then); -1 if unreadable.', one(m.bpfStatsEnabled === null ? -1 : m.bpfStatsEnabled ? 1 : 0)),
  ];
  if (!m.bpfStatsEnabled || !m.programs) return out;
  const ok = m.programs.filter((p) => p.ok);
  const labels = (p: ProgramRunStats) => ({ program: p.program, hook: p.hook });
  out.push(
    counter('lsmwatch_bpf_program_runs_total', 'Runs of each attached program (bpf_prog_info.run_cnt).', ok.map((p) => ({ labels: labels(p), value: p.runCnt }))),
    counter('lsmwatch_bpf_program_run_seconds_total', 'Time spent in each attached program (bpf_prog_info.run_time_ns).', ok.map((p) => ({ labels: labels(p), value: p.runTimeNs / 1e9 }))),
    counter('lsmwatch_bpf_program_recursion_misses_total', 'Runs skipped because the program was already running on that CPU (bpf_prog_info.recursion_misses).', ok.map((p) => ({ labels: labels(p), value: p.recursionMisses }))),
  );
  return out;
}

export function buildMetricFamilies(m: MetricsSnapshot): MetricFamily[] {
  const alerts: Sample[] = [...m.alerts].map(([key, value]) => {
    const [rule, severity] = key.split('\t') as [string, string];
    return { labels: { rule, severity }, value };
  });
  const findings: Sample[] = [];
  const reloads: Sample[] = [];
  for (const [key, value] of m.records) {
    const [type, status] = key.split(':');
    if (type === 'integrity' && status) findings.push({ labels: { status }, value });
    if (type === 'policy' && status) reloads.push({ labels: { status }, value });
  }
  return [
    gauge('lsmwatch_build_info', 'Build and run information (always 1).', one(1, m.build)),
    gauge('lsmwatch_start_time_seconds', 'When the agent started (Unix time).', one(m.startTimeSeconds)),
    counter(
      'lsmwatch_events_total',
      'Events the agent decoded and output, by type (sum = agent.decoded).',
      Object.entries(m.events).map(([type, value]) => ({ labels: { type, sensor: m.build.sensor }, value })),
    ),
    counter(
      'lsmwatch_event_operations_total',
      'Operations those events stand for (a write record carries the count of writes aggregated in it).',
      Object.entries(m.operations).map(([type, value]) => ({ labels: { type, sensor: m.build.sensor }, value })),
    ),
    ...stageFamilies(m.stats),
    counter('lsmwatch_alerts_total', 'Alert records by rule and severity (detector and self-protection alerts have their fixed grades).', alerts),
    counter('lsmwatch_integrity_checks_total', 'Self-integrity checks completed.', one(m.integrity?.checks ?? 0)),
    gauge('lsmwatch_integrity_problems', 'Problems found by the self-integrity check and not resolved yet.', one(m.integrity?.problems ?? 0)),
    gauge('lsmwatch_integrity_last_check_timestamp_seconds', 'When the last self-integrity check completed (Unix time; 0 before the first).', one((m.integrity?.timeMs ?? 0) / 1000)),
    counter('lsmwatch_integrity_findings_total', 'Integrity records by status (baseline, mismatch, missing, unreadable, detached, resolved).', findings),
    counter('lsmwatch_policy_reloads_total', 'Policy reloads by status (reloaded, rejected).', reloads),
    gauge('lsmwatch_policy_watch_entries', 'Watch-map entries the policy in force needs.', one(m.policy.watchEntries)),
    ...mapFamilies(m),
    gauge('lsmwatch_ringbuf_pending_bytes', 'Bytes in the kernel ring buffer not consumed yet.', m.ring?.ok ? one(m.ring.pendingBytes) : []),
    gauge('lsmwatch_ringbuf_capacity_bytes', 'Size of the kernel ring buffer.', m.ring ? one(m.ring.capacityBytes) : []),
    gauge('lsmwatch_queue_bytes', 'Bytes of records waiting in the addon\'s queue for JavaScript (agent.queued_bytes).', one(m.stats.agent.queued_bytes)),
    gauge('lsmwatch_queue_capacity_bytes', 'Bound of that queue (--queue-bytes); past it batches are dropped and counted.', one(m.queueCapacityBytes)),
    ...programFamilies(m),
    gauge('lsmwatch_inode_path_cache_entries', 'Paths remembered per (dev, inode) to name flushes of deleted files.', one(m.inodePathCache.entries)),
    gauge('lsmwatch_inode_path_cache_capacity', 'Bound of that cache.', one(m.inodePathCache.capacity)),
    gauge(
      'lsmwatch_detector_tracked_keys',
      'Keys each write detector tracks (bounded by detect.max_tracked_keys).',
      Object.entries(m.detectorKeys).map(([detector, value]) => ({ labels: { detector }, value })),
    ),
    gauge(
      'lsmwatch_baseline_scan_files',
      'A baseline scan in progress (start-up, or paths a reload added): files hashed (done) of those found (total).',
      m.baselineScan
        ? [
            { labels: { state: 'done' }, value: m.baselineScan.done },
            { labels: { state: 'total' }, value: m.baselineScan.total },
          ]
        : [],
    ),
    gauge('lsmwatch_healthy', 'What /healthz says: 1 healthy, 0 not.', one(m.health.healthy ? 1 : 0)),
    gauge('lsmwatch_programs_attached', 'Programs the agent attached that are still loaded and linked.', one(m.health.checks.sensor.programs - m.health.checks.sensor.detached.length)),
    gauge('lsmwatch_programs_detached', 'Programs the agent attached that are gone or unlinked.', one(m.health.checks.sensor.detached.length)),
    gauge('lsmwatch_event_loop_max_gap_seconds', 'Longest stall of the JavaScript thread within the last minute.', one(m.health.checks.javascript.max_gap_ms / 1000)),
    gauge('process_resident_memory_bytes', 'Resident memory of the agent.', one(m.process.rssBytes)),
    gauge('nodejs_heap_used_bytes', 'V8 heap in use.', one(m.process.heapUsedBytes)),
  ];
}
