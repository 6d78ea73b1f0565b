/**
 * Members of an output record that are already JSON text. The acting process's executable,
 * command line and ancestors are the same on every line of that process: they are serialized once
 * per process and appended to each of its lines, instead of serializing an ancestry array per
 * event (it doubled the cost of a line). A record keeps them under this symbol, which
 * JSON.stringify skips; toNdjsonLine (every serializing sink) appends them as the last members.
 */
export const JSON_TAIL: unique symbol = Symbol('lsmwatch.jsonTail');

/** Members as JSON text: `"a":1,"b":[…]`, without the braces. */
export class JsonTail {
  constructor(readonly text: string) {}
}

export interface WithJsonTail {
  [JSON_TAIL]?: JsonTail;
}

export function tailOf(record: object): JsonTail | undefined {
  return (record as WithJsonTail)[JSON_TAIL];
}

/** JSON text of the object, with its tail members appended. */
export function stringifyWithTail(record: object, replacer?: (key: string, value: unknown) => unknown): string {
  const json = JSON.stringify(record, replacer);
  const tail = tailOf(record);
  if (tail === undefined || tail.text === '') return json;
  return json.length === 2 ? `{${tail.text}}` : `${json.slice(0, -1)},${tail.text}}`;
}

/** The record as a plain object with its tail members (for tests and anything that wants the values). */
export function withTailMembers(record: object): Record<string, unknown> {
  return JSON.parse(stringifyWithTail(record)) as Record<string, unknown>;
}
