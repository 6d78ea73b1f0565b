/** The `process` section of policy.json: how much context events carry about the acting process. */
import { ARGS_MAX } from '../sensor/contract.js';
import { PolicySection } from '../policy/validate.js';
import { MAX_ANCESTRY_DEPTH } from './ancestry.js';
import { BUILTIN_REDACTIONS, compileRedactions, redactionRuleProblem, type RedactionRule } from './redaction.js';

export interface ProcessConfig {
  /** ancestors reported per event (parent first) */
  readonly ancestors: number;
  /** processes the agent remembers (least recently used are forgotten first) */
  readonly cacheSize: number;
  /** characters of a command line reported (0: none) */
  readonly cmdlineMax: number;
  /** the rules as written: the built-in list (unless switched off) and the policy's own */
  readonly redact: readonly string[];
  readonly redactionRules: readonly RedactionRule[];
}

const KEYS = ['ancestors', 'cache_size', 'cmdline_max', 'redact', 'redact_builtin'] as const;

export const DEFAULT_PROCESS_CONFIG: ProcessConfig = Object.freeze({
  ancestors: 8,
  cacheSize: 8192,
  cmdlineMax: 1024,
  redact: BUILTIN_REDACTIONS,
  redactionRules: compileRedactions(BUILTIN_REDACTIONS),
});

export function parseProcessConfig(raw: unknown, file: string): ProcessConfig {
  const section = PolicySection.of(raw, file, 'process', KEYS);
  const extra = section.stringList('redact', 'an array of redaction rules', redactionRuleProblem, [], 256);
  const builtin = section.boolean('redact_builtin', true);
  const redact = [...(builtin ? BUILTIN_REDACTIONS : []), ...extra.filter((r) => !builtin || !BUILTIN_REDACTIONS.includes(r))];
  return {
    ancestors: section.number('ancestors', { min: 0, max: MAX_ANCESTRY_DEPTH, integer: true }, DEFAULT_PROCESS_CONFIG.ancestors),
    cacheSize: section.number('cache_size', { min: 256, max: 1_000_000, integer: true }, DEFAULT_PROCESS_CONFIG.cacheSize),
    cmdlineMax: section.number('cmdline_max', { min: 0, max: ARGS_MAX - 1, integer: true, unit: 'characters' }, DEFAULT_PROCESS_CONFIG.cmdlineMax),
    redact,
    redactionRules: compileRedactions(redact),
  };
}
