/** Terminal-safe text: C0 and C1 control characters and DEL become \xNN so a file name cannot move
 * the cursor, change colours or set the window title. Backslashes are doubled to stay unambiguous. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\\\x00-\x1f\x7f-\x9f]/g;

export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
