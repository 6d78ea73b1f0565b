/** Paths are bytes. JSON needs text: valid UTF-8 passes as is, anything else is decoded lossily and
 * the exact bytes travel alongside in base64 so nothing is lost. */
import { isUtf8 } from 'node:buffer';

export interface PathText {
  text: string;
  /** base64 of the exact bytes, present only when they are not valid UTF-8 */
  b64?: string;
}

export function pathText(bytes: Buffer): PathText {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8') };
  return { text: bytes.toString('utf8'), b64: bytes.toString('base64') };
}

/** Adds `name` (and `name_b64` where the bytes were not valid UTF-8) to an output object. */
export function putText(out: Record<string, unknown>, name: string, text: PathText): void {
  out[name] = text.text;
  if (text.b64 !== undefined) out[`${name}_b64`] = text.b64;
}
