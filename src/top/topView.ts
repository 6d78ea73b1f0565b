/**
 * One frame of `lsmwatch top` from two snapshots of the agent's counters (a second apart): events
 * per second by type, losses, the busiest processes and paths, alerts. Every string that came from
 * an event (comm, path, alert text) is escaped before it reaches the terminal, and cut to the width.
 * Pure: the caller decides colour, size and when to draw.
 */
import { Chalk } from 'chalk';
import { escapeControlChars } from '../log/escape.js';
import type { TopSnapshot } from '../agent/topSnapshot.js';

export interface TopFrameOptions {
  width: number;
  height: number;
  color: boolean;
}

const EVENT_ORDER = ['open', 'write', 'rename', 'unlink', 'ptrace', 'signal', 'bpf_access'];

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…';
}

/** Keeps the end of a path (the file name matters most). */
function fitLeft(text: string, width: number): string {
  return text.length <= width ? text : '…' + text.slice(text.length - width + 1);
}

export function formatRate(value: number | null): string {
  if (value === null) return '-';
  if (value >= 100) return String(Math.round(value));
  return value.toFixed(1);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} B`;
}

function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

const rateOf = (now: number | undefined, before: number | undefined, seconds: number | null) =>
  seconds === null || seconds <= 0 ? null : Math.max(0, ((now ?? 0) - (before ?? 0)) / seconds);

export function renderTopFrame(
  current: TopSnapshot,
  previous: { snapshot: TopSnapshot; secondsAgo: number } | null,
  options: TopFrameOptions,
): string[] {
  const paint = new Chalk({ level: options.color ? 1 : 0 });
  const w = Math.max(40, options.width);
  const dt = previous ? previous.secondsAgo : null;
  const lines: string[] = [];
  const push = (text: string, style?: (s: string) => string) => {
    const cut = fit(text, w);
    lines.push(style ? style(cut) : cut);
  };

  const health = current.healthy ? 'healthy' : 'UNHEALTHY';
  push(`lsmwatch top  ${health}  ${current.sensor} sensor, pid ${current.pid}, up ${formatUptime(current.uptime_seconds)}`, (s) =>
    current.healthy ? paint.bold(s) : paint.bold.red(s),
  );
  push(`policy ${current.policy_sha256.slice(0, 12)}, ${current.watch_entries} watch entries, ${current.time.slice(0, 19)}Z`, paint.dim);
  push('');
  push(`${'EVENTS'.padEnd(12)}${'/s'.padStart(10)}${'total'.padStart(12)}${'ops/s'.padStart(10)}${'ops total'.padStart(12)}`, paint.bold);
  const types = [...new Set([...EVENT_ORDER.filter((t) => t in current.events), ...Object.keys(current.events)])];
  if (types.length === 0) push('  (no events yet)');
  for (const t of types) {
    const before = previous?.snapshot;
    push(
      `${t.padEnd(12)}${formatRate(rateOf(current.events[t], before?.events[t], dt)).padStart(10)}${String(current.events[t] ?? 0).padStart(12)}` +
        `${formatRate(rateOf(current.operations[t], before?.operations[t], dt)).padStart(10)}${String(current.operations[t] ?? 0).padStart(12)}`,
    );
  }
  push('');
  const losses = Object.entries(current.losses)
    .map(([stage, n]) => `${stage} ${n}`)
    .join(', ');
  push(`LOST ${current.lost}  (${losses})  queue ${formatBytes(current.queue.bytes)} of ${formatBytes(current.queue.capacity)}`, (s) =>
    current.lost > 0 ? paint.red(s) : s,
  );
  push(`kernel: seen ${current.kernel.seen}, filtered ${current.kernel.filtered}, emitted ${current.kernel.emitted}`);
  push('');

  const rows = Math.max(3, Math.min(10, Math.floor((options.height - 20) / 2)));
  push(`${'BUSIEST PROCESSES'.padEnd(w - 22 > 30 ? w - 22 : 30)}${'ops/s'.padStart(10)}${'total'.padStart(12)}`, paint.bold);
  const nameWidth = Math.max(20, w - 22);
  if (current.processes.length === 0) push('  (none yet)');
  for (const p of current.processes.slice(0, rows)) {
    const who = `${String(p.pid).padStart(7)} ${escapeControlChars(p.comm)}`;
    push(`${fit(who, nameWidth).padEnd(nameWidth)}${formatRate(p.rate).padStart(10)}${String(p.total).padStart(12)}`);
  }
  push('');
  push(`${'BUSIEST PATHS'.padEnd(nameWidth)}${'ops/s'.padStart(10)}${'total'.padStart(12)}`, paint.bold);
  if (current.paths.length === 0) push('  (none yet)');
  for (const p of current.paths.slice(0, rows)) {
    const path = `  ${fitLeft(escapeControlChars(p.path), nameWidth - 2)}`;
    push(`${path.padEnd(nameWidth)}${formatRate(p.rate).padStart(10)}${String(p.total).padStart(12)}`);
  }
  push('');
  const alertTotal = current.alerts.reduce((n, a) => n + a.count, 0);
  const byRule = current.alerts
    .sort((a, b) => b.count - a.count)
    .map((a) => `${escapeControlChars(a.rule)} (${a.severity}) ${a.count}`)
    .join(', ');
  push(`ALERTS ${alertTotal}${byRule ? `  ${byRule}` : ''}`, (s) => (alertTotal > 0 ? paint.red.bold(s) : paint.bold(s)));
  for (const a of current.recent_alerts.slice(-Math.max(1, Math.min(5, options.height - lines.length - 2))).reverse()) {
    push(`  ${a.time.slice(11, 19)} ${a.severity.padEnd(8)} ${escapeControlChars(a.rule)}${a.phase ? ` ${a.phase}` : ''}  ${escapeControlChars(a.summary)}`);
  }
  push('');
  push('q or Ctrl-C: quit', paint.dim);
  return lines;
}
