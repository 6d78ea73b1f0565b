/**
 * `lsmwatch alerts [--since 1h|30m|2d|<RFC3339>] [--type change|alert|integrity] [--json] [--db PATH]`
 *
 * Prints recorded history: a table on a terminal (untrusted strings escaped), NDJSON otherwise
 * or with --json. Exit codes: 0 ok, 1 database missing/unreadable, 2 bad arguments.
 */
import { escapeControlChars } from '../log/escape.js';
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
  'usage: lsmwatch alerts [--since 1h|30m|2d|<RFC3339>] [--type change|alert|integrity] [--json] [--db PATH]';

interface AlertsArgs {
  since?: Date;
  type?: HistoryType;
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

/** The SUMMARY column for one row (not yet escaped). */
export function summarizeRecord(type: string, record: Record<string, unknown> | null): string {
  if (!record) return '(unreadable record)';
  if (type === 'change') {
    const parts = [String(record.action), String(record.path)];
    const by = record.by as Record<string, unknown> | null | undefined;
    if (record.offline === true) parts.push('(offline)');
    else if (by && typeof by === 'object') parts.push(`by ${String(by.comm)}[${String(by.pid)}] uid=${String(by.uid)}`);
    if (record.diff && typeof record.diff === 'object') {
      const summary = diffSummary(record.diff as Record<string, unknown>);
      if (summary) parts.push(`— ${summary}`);
    }
    return parts.join(' ');
  }
  const parts: string[] = [];
  for (const key of ['rule', 'kind', 'message', 'path']) {
    if (typeof record[key] === 'string' || typeof record[key] === 'number') parts.push(String(record[key]));
  }
  return parts.length > 0 ? parts.join(' ') : JSON.stringify(record);
}

const MAX_SUMMARY = 400;

export function formatTableRow(row: HistoryRow): string {
  const time = isoTime(row.timeMs).replace(/\.\d{3}Z$/, 'Z');
  let summary = escapeControlChars(summarizeRecord(row.type, parseRecord(row)));
  if (summary.length > MAX_SUMMARY) summary = summary.slice(0, MAX_SUMMARY) + '…';
  return `${time.padEnd(21)} ${escapeControlChars(row.type).padEnd(10)} ${summary}`;
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
      for (const row of rows) io.stdout.write(historyRowToJson(row) + '\n');
    } else {
      io.stdout.write(`${'TIME'.padEnd(21)} ${'TYPE'.padEnd(10)} SUMMARY\n`);
      for (const row of rows) io.stdout.write(formatTableRow(row) + '\n');
    }
    return 0;
  } catch (error) {
    stderr.write(`lsmwatch alerts: cannot read ${escapeControlChars(dbPath)}: ${escapeControlChars((error as Error).message)}\n`);
    return 1;
  } finally {
    store.close();
  }
}
