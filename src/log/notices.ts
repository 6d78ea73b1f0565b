/** Human-readable lines on stderr. Colour only on a TTY; every message is escaped so data from
 * events (paths, comms) cannot carry terminal control sequences. */
import { Chalk } from 'chalk';
import type { Writable } from 'node:stream';
import { escapeControlChars } from './escape.js';

export interface Notices {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  alert(message: string): void;
  /** an alert graded by severity: critical and high red, medium yellow, low and info plain */
  graded(severity: string, message: string): void;
}

export function createNotices(stream: Writable & { isTTY?: boolean } = process.stderr, color = Boolean(stream.isTTY)): Notices {
  const paint = new Chalk({ level: color ? 1 : 0 });
  const line = (prefix: string, message: string) => {
    stream.write(`${prefix} ${escapeControlChars(message)}\n`);
  };
  return {
    info: (m) => line(paint.dim('lsmwatch:'), m),
    warn: (m) => line(paint.yellow('lsmwatch: warning:'), m),
    error: (m) => line(paint.red('lsmwatch: error:'), m),
    alert: (m) => line(paint.red.bold('lsmwatch: ALERT:'), m),
    graded: (severity, m) => {
      const label = `lsmwatch: ALERT [${severity}]:`;
      if (severity === 'critical' || severity === 'high') line(paint.red.bold(label), m);
      else if (severity === 'medium') line(paint.yellow(label), m);
      else line(paint.dim(label), m);
    },
  };
}
