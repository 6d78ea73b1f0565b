/** The agent's control socket: one JSON request per line, one JSON reply per line. Root-only (the
 * socket is 0600 in a 0700 directory). Requests are validated like everything else from outside. */
import type { ForbidPtraceMode } from '../sensor/settings.js';

export const DEFAULT_CONTROL_PATH = '/run/lsmwatch/control.sock';
export const MAX_REQUEST_BYTES = 4096;

export type ControlRequest =
  | { command: 'status' }
  | { command: 'forbid-ptrace'; mode: ForbidPtraceMode }
  /** re-read and validate the policy file; a valid one replaces the running one */
  | { command: 'reload' }
  /** read-only: counters, busiest processes and paths, recent alerts (lsmwatch top) */
  | { command: 'top' }
  /** test hook (only with LSMWATCH_DEBUG_CONTROL=1): block the JavaScript thread, to prove the watchdog */
  | { command: 'debug-stall'; seconds: number };

export type ControlReply =
  | { ok: true; sensor: string; enforcement: boolean; forbid_ptrace: ForbidPtraceMode }
  | { ok: true; status: 'reloaded'; policy_sha256: string; changes: Record<string, unknown>; requires_restart: string[] }
  | ({ ok: true; command: 'top' } & Record<string, unknown>)
  | { ok: false; error: string; status?: 'rejected' };

export function parseControlRequest(line: string): ControlRequest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return 'request is not valid JSON';
  }
  if (typeof raw !== 'object' || raw === null) return 'request must be a JSON object';
  const r = raw as Record<string, unknown>;
  if (r.command === 'status' && Object.keys(r).length === 1) return { command: 'status' };
  if (r.command === 'reload' && Object.keys(r).length === 1) return { command: 'reload' };
  if (r.command === 'top' && Object.keys(r).length === 1) return { command: 'top' };
  if (r.command === 'forbid-ptrace' && Object.keys(r).length === 2) {
    if (r.mode === 'off' || r.mode === 'self' || r.mode === 'all') return { command: 'forbid-ptrace', mode: r.mode };
    return 'mode must be off, self or all';
  }
  if (r.command === 'debug-stall' && Object.keys(r).length === 2) {
    if (typeof r.seconds === 'number' && r.seconds > 0 && r.seconds <= 120) return { command: 'debug-stall', seconds: r.seconds };
    return 'seconds must be a number from 1 to 120';
  }
  return 'unknown command (expected status, forbid-ptrace, reload or top)';
}
