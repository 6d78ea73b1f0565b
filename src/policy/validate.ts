/** Small validators for JSON policy values. Each throws PolicyError naming file, field and expectation. */
import { PolicyError, describeValue } from './policyError.js';

export type JsonObject = Record<string, unknown>;

export function expectObject(value: unknown, file: string, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyError(file, field, 'an object', describeValue(value));
  }
  return value as JsonObject;
}

export function expectKnownKeys(obj: JsonObject, allowed: readonly string[], file: string, prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new PolicyError(file, prefix ? `${prefix}.${key}` : key, `one of the known keys (${allowed.join(', ')})`, 'an unknown key');
    }
  }
}

export function expectBoolean(value: unknown, file: string, field: string): boolean {
  if (typeof value !== 'boolean') throw new PolicyError(file, field, 'true or false', describeValue(value));
  return value;
}

export function expectNumber(value: unknown, file: string, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new PolicyError(file, field, `a number from ${min} to ${max}`, describeValue(value));
  }
  return value;
}

const BAD_COMPONENT = /\/\.{1,2}(\/|$)|\/\//;

/** Absolute path prefixes; a `*` is allowed only as a whole component. */
export function expectPathList(value: unknown, file: string, field: string): string[] {
  if (!Array.isArray(value)) throw new PolicyError(file, field, 'an array of absolute paths', describeValue(value));
  return value.map((item, i) => {
    const where = `${field}[${i}]`;
    if (typeof item !== 'string' || !item.startsWith('/')) {
      throw new PolicyError(file, where, 'an absolute path (starting with /)', describeValue(item));
    }
    if (item.includes('\0') || BAD_COMPONENT.test(item)) {
      throw new PolicyError(file, where, 'a normalised path (no NUL, //, /./ or /../)', describeValue(item));
    }
    if (item.endsWith('/*') || item.split('/').some((component) => component.includes('*') && component !== '*')) {
      throw new PolicyError(file, where, 'a path whose only wildcard is a whole "/*/" component', describeValue(item));
    }
    if (Buffer.byteLength(item) > 254) throw new PolicyError(file, where, 'a path of at most 254 bytes', `${Buffer.byteLength(item)} bytes`);
    return item;
  });
}
