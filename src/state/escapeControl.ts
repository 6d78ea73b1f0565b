/**
 * Making untrusted strings (paths, comments) safe to print on a terminal: a file name must not
 * be able to move the cursor, recolour the screen or fake extra table rows.
 */

// C0 controls, DEL and C1 controls → \xNN; backslash doubled so the escaping is unambiguous.
const CONTROL = /[\x00-\x1f\x7f-\x9f\\]/g;
// Bidirectional overrides and line/paragraph separators can visually reorder or break a line.
const INVISIBLE_LAYOUT = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControlChars(value: string): string {
  return value
    .replace(CONTROL, (c) => (c === '\\' ? '\\\\' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')))
    .replace(INVISIBLE_LAYOUT, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
