/**
 * The one set of validators every policy section is read with. Each failure is a PolicyError with
 * the same wording, `<file>: <field>: expected <what>, got <value>`, so a user can find the field
 * whatever concern owns it. A concern reads its own section with `PolicySection.of(...)` and takes
 * typed values out of it; nothing is handed on raw to be parsed later.
 */
import { PolicyError, describeValue } from './policyError.js';

export type JsonObject = Record<string, unknown>;

export interface NumberSpec {
  min: number;
  max: number;
  integer?: boolean;
  /** min itself is not allowed ("greater than min") */
  minExclusive?: boolean;
  /** shown after the range, e.g. "seconds" */
  unit?: string;
}

export interface PathListSpec {
  /** a `*` may stand for one whole component ("/home/*\/.ssh/") */
  wildcards: boolean;
  /** a `*` may also be the last component (baseline patterns); watch lists refuse it */
  wildcardLast?: boolean;
  maxEntries?: number;
  /** longest entry in bytes */
  maxBytes?: number;
}

const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_MAX_PATH_BYTES = 4096;
const UNNORMALISED = /\/\.{1,2}(\/|$)|\/\//;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeNumberSpec(spec: NumberSpec): string {
  const kind = spec.integer ? 'an integer' : 'a number';
  const range = spec.minExclusive ? `greater than ${spec.min} and at most ${spec.max}` : `from ${spec.min} to ${spec.max}`;
  return `${kind} ${range}${spec.unit ? ` (${spec.unit})` : ''}`;
}

export function numberFits(value: unknown, spec: NumberSpec): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (spec.minExclusive ? value > spec.min : value >= spec.min) &&
    value <= spec.max &&
    (!spec.integer || Number.isInteger(value))
  );
}

/** Why `entry` is not an acceptable policy path, or null. */
export function pathProblem(entry: unknown, spec: PathListSpec): string | null {
  if (typeof entry !== 'string' || !entry.startsWith('/')) return 'an absolute path (starting with /)';
  if (entry.includes('\0') || UNNORMALISED.test(entry)) return 'a normalised path (no NUL, //, /./ or /../)';
  const components = entry.split('/');
  const starred = components.filter((c) => c.includes('*'));
  if (starred.length > 0) {
    if (!spec.wildcards) return 'a path without "*"';
    if (starred.some((c) => c !== '*')) return 'a path whose only wildcard is a whole "/*/" component';
    if (!spec.wildcardLast && components[components.length - 1] === '*') return 'a path whose only wildcard is a whole "/*/" component';
  }
  const maxBytes = spec.maxBytes ?? DEFAULT_MAX_PATH_BYTES;
  if (Buffer.byteLength(entry) > maxBytes) return `a path of at most ${maxBytes} bytes`;
  return null;
}

/** A JSON object of the policy, read key by key. Unknown keys were refused when it was made. */
export class PolicySection {
  private constructor(
    readonly file: string,
    /** dotted name of this section ("" for the top level) */
    readonly field: string,
    private readonly values: JsonObject,
  ) {}

  /** raw undefined or null: an empty section (every key takes its default). */
  static of(raw: unknown, file: string, field: string, keys: readonly string[]): PolicySection {
    if (raw === undefined || raw === null) return new PolicySection(file, field, {});
    if (!isJsonObject(raw)) throw new PolicyError(file, field || '(top level)', 'an object', describeValue(raw));
    const section = new PolicySection(file, field, raw);
    for (const key of Object.keys(raw)) {
      if (!keys.includes(key)) section.fail(key, `one of the known keys (${keys.join(', ')})`, 'an unknown key');
    }
    return section;
  }

  where(key: string): string {
    return this.field ? `${this.field}.${key}` : key;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.values, key) && this.values[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.values[key];
  }

  fail(key: string, expected: string, got: string): never {
    throw new PolicyError(this.file, this.where(key), expected, got);
  }

  number(key: string, spec: NumberSpec, fallback: number): number {
    if (!this.has(key)) return fallback;
    const value = this.values[key];
    if (!numberFits(value, spec)) this.fail(key, describeNumberSpec(spec), describeValue(value));
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const value = this.values[key];
    if (typeof value !== 'boolean') this.fail(key, 'true or false', describeValue(value));
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    if (!this.has(key)) return fallback;
    const value = this.values[key];
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(key, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, describeValue(value));
    }
    return value as T;
  }

  /** A list of absolute paths; duplicates are dropped (first one kept). */
  pathList(key: string, spec: PathListSpec, fallback: readonly string[]): string[] {
    return this.stringList(key, 'an array of absolute paths', (entry) => pathProblem(entry, spec), fallback, spec.maxEntries);
  }

  /** A list of strings, each checked by `problem` (null when fine; it also refuses non-strings); duplicates are dropped. */
  stringList(
    key: string,
    what: string,
    problem: (entry: unknown) => string | null,
    fallback: readonly string[],
    maxEntries = DEFAULT_MAX_ENTRIES,
  ): string[] {
    if (!this.has(key)) return [...fallback];
    const value = this.values[key];
    if (!Array.isArray(value)) this.fail(key, what, describeValue(value));
    if (value.length > maxEntries) this.fail(key, `at most ${maxEntries} entries`, `${value.length} entries`);
    const out: string[] = [];
    value.forEach((entry: unknown, i: number) => {
      const why = problem(entry);
      if (why !== null) this.fail(`${key}[${i}]`, why, describeValue(entry));
      if (!out.includes(entry as string)) out.push(entry as string);
    });
    return out;
  }

  /** A nested section (absent → empty). */
  section(key: string, keys: readonly string[]): PolicySection {
    return PolicySection.of(this.values[key], this.file, this.where(key), keys);
  }
}
