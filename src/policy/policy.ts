/** policy.json: what to watch and how to judge it. Validated completely before anything is loaded. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PolicyError } from './policyError.js';
import { expectBoolean, expectKnownKeys, expectNumber, expectObject, expectPathList } from './validate.js';
import { parseIntegrityConfig, type IntegrityConfig } from '../integrity/integrityConfig.js';

export interface Policy {
  file: string;
  sha256: string;
  watch: string[];
  watchReads: string[];
  ignore: string[];
  ptrace: { denyRead: boolean };
  stats: { interval: number };
  /** in-kernel write aggregation window in ms; 0 = one record per write */
  aggregate: { windowMs: number };
  integrity: IntegrityConfig;
  /** sections owned by other modules, validated by them */
  detectRaw: unknown;
  stateRaw: unknown;
}

const TOP_LEVEL_KEYS = ['watch', 'watch_reads', 'ignore', 'ptrace', 'stats', 'aggregate', 'detect', 'integrity', 'state'] as const;

export function parsePolicy(text: string, file: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(file, '(file)', 'valid JSON', (err as Error).message);
  }
  const top = expectObject(raw, file, '(top level)');
  expectKnownKeys(top, TOP_LEVEL_KEYS, file, '');
  if (top.watch === undefined) throw new PolicyError(file, 'watch', 'an array of absolute paths', 'nothing');
  const watch = expectPathList(top.watch, file, 'watch');
  const watchReads = top.watch_reads === undefined ? [] : expectPathList(top.watch_reads, file, 'watch_reads');
  const ignore = top.ignore === undefined ? [] : expectPathList(top.ignore, file, 'ignore');

  let denyRead = false;
  if (top.ptrace !== undefined) {
    const ptrace = expectObject(top.ptrace, file, 'ptrace');
    expectKnownKeys(ptrace, ['deny_read'], file, 'ptrace');
    if (ptrace.deny_read !== undefined) denyRead = expectBoolean(ptrace.deny_read, file, 'ptrace.deny_read');
  }
  let statsInterval = 60;
  if (top.stats !== undefined) {
    const stats = expectObject(top.stats, file, 'stats');
    expectKnownKeys(stats, ['interval'], file, 'stats');
    if (stats.interval !== undefined) statsInterval = expectNumber(stats.interval, file, 'stats.interval', 1, 86400);
  }
  let windowMs = 1000;
  if (top.aggregate !== undefined) {
    const aggregate = expectObject(top.aggregate, file, 'aggregate');
    expectKnownKeys(aggregate, ['window_ms'], file, 'aggregate');
    if (aggregate.window_ms !== undefined) windowMs = expectNumber(aggregate.window_ms, file, 'aggregate.window_ms', 0, 60_000);
  }
  return {
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    watch,
    watchReads,
    ignore,
    ptrace: { denyRead },
    stats: { interval: statsInterval },
    aggregate: { windowMs },
    integrity: parseIntegrityConfig(top.integrity, file),
    detectRaw: top.detect,
    stateRaw: top.state,
  };
}

export function loadPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PolicyError(file, '(file)', 'a readable policy file', e.code ?? e.message);
  }
  return parsePolicy(text, file);
}
