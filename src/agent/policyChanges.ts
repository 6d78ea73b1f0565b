/**
 * What differs between the running policy and a newly loaded one, section by section, in the
 * policy file's own names (snake_case), and which of those differences only a restart can apply
 * (settings compiled into the BPF programs at load, or a listening socket). Pure.
 */
import type { AgentPolicy } from './agentPolicy.js';

export interface ListChange {
  added: string[];
  removed: string[];
}

export interface PolicyDiff {
  /** per section: list sections give added/removed, object sections the keys that changed; the
   * reload adds what it did (watch_map, notes such as overridden_by) */
  changes: Record<string, ListChange | { changed: string[] } | Record<string, unknown>>;
  /** dotted keys whose new value is not in force until a restart */
  requiresRestart: string[];
}

/** Keys whose value is fixed when the programs load (const volatile) or when the agent starts. */
const RESTART_KEYS = new Set(['aggregate.window_ms', 'metrics.listen']);

/** The policy's sections as the agent holds them, keyed by their names in the file. */
const LIST_SECTIONS: ReadonlyArray<[string, (p: AgentPolicy) => readonly string[]]> = [
  ['watch', (p) => p.watch],
  ['watch_reads', (p) => p.watchReads],
  ['ignore', (p) => p.ignore],
];

const OBJECT_SECTIONS: ReadonlyArray<[string, (p: AgentPolicy) => unknown]> = [
  ['ptrace', (p) => p.ptrace],
  ['stats', (p) => p.stats],
  ['aggregate', (p) => p.aggregate],
  ['detect', (p) => p.detect],
  ['state', (p) => p.state],
  ['integrity', (p) => p.integrity],
  ['metrics', (p) => p.metrics],
  ['rules', (p) => p.rules],
];

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function listChange(before: readonly string[], after: readonly string[]): ListChange | null {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  return added.length + removed.length === 0 ? null : { added, removed };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted snake_case keys whose values differ (one level of nesting, e.g. state.retention.max_rows). */
function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  if (!isPlainObject(before) || !isPlainObject(after)) return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix || '(value)'];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const out: string[] = [];
  for (const key of keys) {
    const name = prefix ? `${prefix}.${snakeCase(key)}` : snakeCase(key);
    const a = before[key];
    const b = after[key];
    if (isPlainObject(a) && isPlainObject(b)) out.push(...changedKeys(a, b, name));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(name);
  }
  return out;
}

export function diffPolicies(before: AgentPolicy, after: AgentPolicy): PolicyDiff {
  const changes: PolicyDiff['changes'] = {};
  const requiresRestart: string[] = [];
  for (const [name, get] of LIST_SECTIONS) {
    const change = listChange(get(before), get(after));
    if (change) changes[name] = change;
  }
  for (const [name, get] of OBJECT_SECTIONS) {
    if (name === 'state') continue;
    const changed = changedKeys(get(before), get(after));
    if (changed.length === 0) continue;
    changes[name] = { changed };
    for (const key of changed) if (RESTART_KEYS.has(`${name}.${key}`)) requiresRestart.push(`${name}.${key}`);
  }
  // state: the baseline as a list (what is newly hashed, what is forgotten), the rest as keys
  const baseline = listChange(before.state.baseline, after.state.baseline);
  const { baseline: _b1, ...restBefore } = before.state;
  const { baseline: _b2, ...restAfter } = after.state;
  const stateKeys = changedKeys(restBefore, restAfter);
  if (baseline || stateKeys.length > 0) {
    changes.state = {
      ...(baseline ? { baseline_added: baseline.added, baseline_removed: baseline.removed } : {}),
      changed: [...(baseline ? ['baseline'] : []), ...stateKeys],
    } as { changed: string[] };
  }
  return { changes, requiresRestart };
}
