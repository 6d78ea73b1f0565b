/**
 * policy.json: the document, and the sections that say what the sensor watches (watch, watch_reads,
 * ignore, ptrace, stats, aggregate). Other sections belong to the concerns that use them (detect,
 * state, integrity, ...): each parses its own with the validators of ./validate.ts, and the agent
 * composes them (src/agent/agentPolicy.ts), so this folder imports no concern.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PolicyError } from './policyError.js';
import { PolicySection, type PathListSpec } from './validate.js';

export interface PolicyDocument {
  file: string;
  sha256: string;
  /** the top level; section(key) reads one section */
  top: PolicySection;
}

export interface CorePolicy {
  watch: string[];
  watchReads: string[];
  ignore: string[];
  ptrace: { denyRead: boolean };
  stats: { interval: number };
  /** in-kernel write aggregation window in ms; 0 = one record per write */
  aggregate: { windowMs: number };
}

export const CORE_SECTIONS = ['watch', 'watch_reads', 'ignore', 'ptrace', 'stats', 'aggregate'] as const;

/** Watch-list entries become LPM-trie keys of at most 255 bytes plus the NUL or "/" the agent adds. */
const WATCH_PATHS: PathListSpec = { wildcards: true, maxBytes: 254 };

/** Parses the JSON and refuses unknown top-level keys; knownSections lists every section there is. */
export function parsePolicyDocument(text: string, file: string, knownSections: readonly string[]): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(file, '(file)', 'valid JSON', (err as Error).message);
  }
  if (raw === null || raw === undefined) throw new PolicyError(file, '(top level)', 'an object', 'null');
  return {
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    top: PolicySection.of(raw, file, '', knownSections),
  };
}

export function readPolicyDocument(file: string, knownSections: readonly string[]): PolicyDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PolicyError(file, '(file)', 'a readable policy file', e.code ?? e.message);
  }
  return parsePolicyDocument(text, file, knownSections);
}

export function parseCorePolicy(doc: PolicyDocument): CorePolicy {
  const top = doc.top;
  if (!top.has('watch')) top.fail('watch', 'an array of absolute paths', 'nothing');
  const ptrace = top.section('ptrace', ['deny_read']);
  const stats = top.section('stats', ['interval']);
  const aggregate = top.section('aggregate', ['window_ms']);
  return {
    watch: top.pathList('watch', WATCH_PATHS, []),
    watchReads: top.pathList('watch_reads', WATCH_PATHS, []),
    ignore: top.pathList('ignore', WATCH_PATHS, []),
    ptrace: { denyRead: ptrace.boolean('deny_read', false) },
    stats: { interval: stats.number('interval', { min: 1, max: 86400, unit: 'seconds' }, 60) },
    aggregate: { windowMs: aggregate.number('window_ms', { min: 0, max: 60_000, unit: 'milliseconds' }, 1000) },
  };
}
