/** A policy (or command-line) value that failed validation. Names the file, the field and what was expected. */
export class PolicyError extends Error {
  readonly code = 'EPOLICY';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
    readonly got?: string,
  ) {
    super(`${file}: ${field}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`);
    this.name = 'PolicyError';
  }
}

/** Short, printable description of an unexpected JSON value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
