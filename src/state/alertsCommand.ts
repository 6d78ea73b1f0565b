/**
 * `lsmwatch alerts [--since 1h|30m|2d|<RFC3339>] [--type change|alert|integrity]
 *                  [--min-severity info|low|medium|high|critical] [--json] [--db PATH]`
 *
 * Prints recorded history: a table on a terminal (untrusted strings escaped), NDJSON otherwise
 * or with --json. Exit codes: 0 ok, 1 database missing/unreadable, 2 bad arguments.
 */
import { escapeControlChars } from '../log/escape.js';
import { OTHER_ALERT_SEVERITIES, SEVERITIES, type Severity, atLeast, integritySeverity, isSeverity } from '../shared/severity.js';
import { parseSince } from './sinceArg.js';
import { HISTORY_TYPES, type HistoryRow, type HistoryType, StateDbMissingError, StateSchemaError, openStateStore } from './store.js';

export interface AlertsIo {
  stdout: NodeJS.WritableStream;
  isTTY: boolean;
  now: () => Date;
  defaultDbPath: string;
  /** Where error messages go (default process.stderr). */
  stderr?: NodeJS.WritableStream;
}

export const ALERTS_USAGE =
  'usage: lsmwatch alerts [--since 1h|30m|2d|<RFC3339>] [--type change|alert|integrity] [--min-severity info|low|medium|high|critical] [--json] [--db PATH]';

interface AlertsArgs {
  since?: Date;
  type?: HistoryType;
  minSeverity?: Severity;
  json: boolean;
  db?: string;
  help: boolean;
}

class UsageError extends Error {}

export function parseAlertsArgs(argv: readonly string[], now: Date): AlertsArgs {
  const args: AlertsArgs = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const takeValue = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      return value;
    };
    switch (name) {
      case '--since': {
        const value = takeValue();
        const since = parseSince(value, now);
        if (!since) throw new UsageError(`--since: expected a duration like 30m, 1h, 2d or an RFC 3339 time, got ${JSON.stringify(value)}`);
        args.since = since;
        break;
      }
      case '--type': {
        const value = takeValue();
        if (!(HISTORY_TYPES as readonly string[]).includes(value)) {
          throw new UsageError(`--type: expected one of ${HISTORY_TYPES.join(', ')}, got ${JSON.stringify(value)}`);
        }
        args.type = value as HistoryType;
        break;
      }
      case '--min-severity': {
        const value = takeValue();
        if (!isSeverity(value)) throw new UsageError(`--min-severity: expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(value)}`);
        args.minSeverity = value;
        break;
      }
      case '--db': {
        const value = takeValue();
        if (value === '') throw new UsageError('--db needs a path');
        args.db = value;
        break;
      }
      case '--json':
        if (eq !== -1) throw new UsageError('--json takes no value');
        args.json = true;
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return args;
}

function parseRecord(row: HistoryRow): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(row.json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/**
 * A row's severity: the alert's own, else the grade of the older alerts that had none;
 * integrity problems are critical; a change by itself is information. Null when unknown.
 */
export function severityOf(type: string, record: Record<string, unknown> | null): Severity | null {
  if (type === 'change') return 'info';
  if (record === null) return null;
  if (type === 'integrity') return integritySeverity(record.status);
  if (isSeverity(record.severity)) return record.severity;
  const rule = record.rule;
  return typeof rule === 'string' && Object.hasOwn(OTHER_ALERT_SEVERITIES, rule) ? OTHER_ALERT_SEVERITIES[rule]! : null;
}

/** One NDJSON line: the stored record with the row's time (and type) added. */
export function historyRowToJson(row: HistoryRow): string {
  const record = parseRecord(row);
  if (!record) return JSON.stringify({ time: isoTime(row.timeMs), type: row.type, invalid: true });
  return JSON.stringify({ time: isoTime(row.timeMs), ...record, type: row.type });
}

function count(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function diffSummary(diff: Record<string, unknown>): string {
  switch (diff.kind) {
    case 'passwd':
    case 'group':
    case 'shadow':
      return `${diff.kind}: +${count(diff.added)} -${count(diff.removed)} ~${count(diff.changed)}`;
    case 'authorized_keys':
      return `keys: +${count(diff.added)} -${count(diff.removed)} ~${count(diff.optionsChanged)}`;
    case 'text':
    case 'sudoers':
      return `${diff.kind}: +${String(diff.addedCount)} -${String(diff.removedCount)} lines`;
    case 'secret':
      return `secret: ${String(diff.oldLines)}→${String(diff.newLines)} lines`;
    case 'hash':
      return `hash only (${String(diff.reason)})`;
    case 'symlink':
      return `symlink → ${String(diff.newTarget)}`;
    default:
      return '';
  }
}

/** "by /usr/sbin/useradd[7] uid=0 login=alice session=3": the executable where the row has it
 * (rows from before the process context name the comm), the login user and session where set. */
function describeBy(by: Record<string, unknown>): string {
  const who = typeof by.exe === 'string' ? by.exe : String(by.comm);
  let text = `by ${who}[${String(by.pid)}] uid=${String(by.uid)}`;
  if (typeof by.login_uid === 'number') text += ` login=${typeof by.login_user === 'string' ? by.login_user : String(by.login_uid)}`;
  if (typeof by.session_id === 'number') text += ` session=${String(by.session_id)}`;
  return text;
}

/** The SUMMARY column for one row (not yet escaped). */
export function summarizeRecord(type: string, record: Record<string, unknown> | null): string {
  if (!record) return '(unreadable record)';
  if (type === 'change') {
    const parts = [String(record.action), String(record.path)];
    const by = record.by as Record<string, unknown> | null | undefined;
    if (record.offline === true) parts.push('(offline)');
    else if (by && typeof by === 'object') parts.push(describeBy(by));
    if (record.diff && typeof record.diff === 'object') {
      const summary = diffSummary(record.diff as Record<string, unknown>);
      if (summary) parts.push(`— ${summary}`);
    }
    return parts.join(' ');
  }
  const parts: string[] = [];
  for (const key of ['rule', 'attack', 'kind', 'message', 'path']) {
    const value = record[key];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    // rule alerts name their path in the message already
    if (key === 'path' && typeof record.message === 'string' && record.message.includes(String(value))) continue;
    parts.push(String(value));
  }
  return parts.length > 0 ? parts.join(' ') : JSON.stringify(record);
}

const MAX_SUMMARY = 400;

const SEVERITY_WIDTH = 8;

export function formatTableRow(row: HistoryRow): string {
  const time = isoTime(row.timeMs).replace(/\.\d{3}Z$/, 'Z');
  const record = parseRecord(row);
  let summary = escapeControlChars(summarizeRecord(row.type, record));
  if (summary.length > MAX_SUMMARY) summary = summary.slice(0, MAX_SUMMARY) + '…';
  const severity = severityOf(row.type, record) ?? '-';
  return `${time.padEnd(21)} ${escapeControlChars(row.type).padEnd(10)} ${severity.padEnd(SEVERITY_WIDTH)} ${summary}`;
}

/** Whether a row passes --min-severity (rows of unknown severity do not). */
export function meetsMinimum(row: HistoryRow, minimum: Severity | undefined): boolean {
  if (minimum === undefined) return true;
  const severity = severityOf(row.type, parseRecord(row));
  return severity !== null && atLeast(severity, minimum);
}

export function runAlertsCommand(argv: string[], io: AlertsIo): number {
  const stderr = io.stderr ?? process.stderr;
  let args: AlertsArgs;
  try {
    args = parseAlertsArgs(argv, io.now());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`lsmwatch alerts: ${error.message}\n${ALERTS_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(ALERTS_USAGE + '\n');
    return 0;
  }
  const dbPath = args.db ?? io.defaultDbPath;
  let store;
  try {
    store = openStateStore(dbPath, { readonly: true });
  } catch (error) {
    let message: string;
    if (error instanceof StateDbMissingError) message = `no state database at ${dbPath} (has the agent run yet? use --db PATH)`;
    else if (error instanceof StateSchemaError) message = error.message;
    else message = `cannot open state database ${dbPath}: ${(error as Error).message}`;
    stderr.write(`lsmwatch alerts: ${escapeControlChars(message)}\n`);
    return 1;
  }
  try {
    const rows = store.queryHistory({ sinceMs: args.since?.getTime(), type: args.type });
    if (args.json || !io.isTTY) {
      for (const row of rows) if (meetsMinimum(row, args.minSeverity)) io.stdout.write(historyRowToJson(row) + '\n');
    } else {
      io.stdout.write(`${'TIME'.padEnd(21)} ${'TYPE'.padEnd(10)} ${'SEVERITY'.padEnd(SEVERITY_WIDTH)} SUMMARY\n`);
      for (const row of rows) if (meetsMinimum(row, args.minSeverity)) io.stdout.write(formatTableRow(row) + '\n');
    }
    return 0;
  } catch (error) {
    stderr.write(`lsmwatch alerts: cannot read ${escapeControlChars(dbPath)}: ${escapeControlChars((error as Error).message)}\n`);
    return 1;
  } finally {
    store.close();
  }
}
