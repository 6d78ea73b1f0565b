/**
 * Terminal-safe text for untrusted strings (paths, comms, key comments): a file name must not move
 * the cursor, recolour the screen, set the window title, or visually reorder a line.
 */

// C0 controls, DEL and C1 controls → \xNN; backslash doubled so the escaping stays unambiguous.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\\]/g;
// Bidirectional overrides and line/paragraph separators can reorder or break a line (Trojan Source).
const INVISIBLE_LAYOUT = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControlChars(text: string): string {
  return text
    .replace(CONTROL, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
    .replace(INVISIBLE_LAYOUT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
