/**
 * `lsmwatch top [--control PATH] [--interval SECONDS] [--once]`: asks the running agent for its
 * live counters over the control socket once per interval and redraws. On a terminal it uses the
 * alternate screen and quits on q or Ctrl-C; without one it prints frames one after another, with
 * no colour and no cursor movement. NO_COLOR (set and not empty) turns colour off anywhere.
 */
import { createConnection, type Socket } from 'node:net';
import { DEFAULT_CONTROL_PATH } from '../control/controlProtocol.js';
import type { TopSnapshot } from '../agent/topSnapshot.js';
import { escapeControlChars } from '../log/escape.js';
import { renderTopFrame } from './topView.js';

export const TOP_USAGE = 'usage: lsmwatch top [--control PATH] [--interval SECONDS] [--once]';

export interface TopArgs {
  path: string;
  intervalMs: number;
  once: boolean;
}

export function parseTopArgs(argv: string[]): TopArgs | string {
  const args: TopArgs = { path: DEFAULT_CONTROL_PATH, intervalMs: 1000, once: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--control') {
      const v = value();
      if (!v) return '--control needs a path';
      args.path = v;
    } else if (flag === '--interval') {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0.2 || v > 3600) return '--interval: expected seconds from 0.2 to 3600';
      args.intervalMs = v * 1000;
    } else if (flag === '--once') args.once = true;
    else return TOP_USAGE;
  }
  return args;
}

export function colorWanted(isTTY: boolean, env: Record<string, string | undefined>): boolean {
  return isTTY && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/** One persistent connection; each ask() sends a request and resolves with the next reply line. */
function connect(path: string): Promise<{ ask(): Promise<TopSnapshot>; close(): void; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection(path);
    let buffered = '';
    let waiting: { resolve: (s: TopSnapshot) => void; reject: (e: Error) => void } | null = null;
    let closeWhy: (why: string) => void = () => {};
    const closed = new Promise<string>((r) => (closeWhy = r));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const w = waiting;
        waiting = null;
        if (!w) continue;
        try {
          const reply = JSON.parse(line) as { ok: boolean; error?: string } & TopSnapshot;
          if (reply.ok) w.resolve(reply);
          else w.reject(new Error(reply.error ?? 'the agent refused'));
        } catch {
          w.reject(new Error('the agent sent an unreadable reply'));
        }
      }
      if (buffered.length > 4 * 1024 * 1024) socket.destroy(new Error('reply too long'));
    });
    socket.once('connect', () =>
      resolve({
        ask: () =>
          new Promise<TopSnapshot>((res, rej) => {
            waiting = { resolve: res, reject: rej };
            socket.write('{"command":"top"}\n');
          }),
        close: () => socket.end(),
        closed,
      }),
    );
    socket.on('error', (e: NodeJS.ErrnoException) => {
      waiting?.reject(e);
      waiting = null;
      reject(e);
      closeWhy(e.code ?? e.message);
    });
    socket.on('close', () => {
      waiting?.reject(new Error('the agent closed the connection'));
      waiting = null;
      closeWhy('closed');
    });
  });
}

export interface TopIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  env: Record<string, string | undefined>;
}

export async function runTopCommand(argv: string[], io: TopIo): Promise<number> {
  const args = parseTopArgs(argv);
  if (typeof args === 'string') {
    io.stderr.write(`lsmwatch: ${args}\n`);
    return 2;
  }
  let conn: Awaited<ReturnType<typeof connect>>;
  try {
    conn = await connect(args.path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.stderr.write(`lsmwatch: no agent answers on ${escapeControlChars(args.path)} (${err.code ?? err.message})\n`);
    return 1;
  }
  const tty = Boolean(io.stdout.isTTY) && !args.once;
  const color = colorWanted(Boolean(io.stdout.isTTY), io.env);
  let previous: { snapshot: TopSnapshot; atMs: number } | null = null;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (finish = r));

  const draw = (snapshot: TopSnapshot) => {
    const now = Date.now();
    const lines = renderTopFrame(snapshot, previous ? { snapshot: previous.snapshot, secondsAgo: (now - previous.atMs) / 1000 } : null, {
      width: io.stdout.columns ?? 100,
      height: io.stdout.rows ?? 40,
      color,
    });
    previous = { snapshot, atMs: now };
    if (tty) io.stdout.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
    else io.stdout.write(`${lines.join('\n')}\n\n`);
  };

  const tick = async () => {
    try {
      const snapshot = await conn.ask();
      // --once: a second sample one interval later, so the frame has rates
      if (args.once && previous === null) {
        previous = { snapshot, atMs: Date.now() };
        await new Promise((r) => setTimeout(r, args.intervalMs));
        draw(await conn.ask());
        finish(0);
        return;
      }
      draw(snapshot);
    } catch (e) {
      io.stderr.write(`lsmwatch: ${escapeControlChars((e as Error).message)}\n`);
      finish(1);
    }
  };

  const onKey = (data: Buffer | string) => {
    const s = data.toString();
    if (s.includes('q') || s.includes('Q') || s.includes('\x03')) finish(0);
  };
  const onSigint = () => finish(0);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  if (tty) {
    io.stdout.write('\x1b[?1049h\x1b[?25l'); // alternate screen, hide the cursor
    if (io.stdin.isTTY && io.stdin.setRawMode) io.stdin.setRawMode(true);
  }
  if (!args.once) {
    io.stdin.on('data', onKey);
    io.stdin.resume();
  }
  let finished = false;
  void done.then(() => (finished = true));
  void conn.closed.then((why) => {
    if (finished) return;
    io.stderr.write(`lsmwatch: the agent closed the control connection (${escapeControlChars(why)})\n`);
    finish(1);
  });
  await tick();
  const timer = args.once ? null : setInterval(() => void tick(), args.intervalMs);
  const code = await done;
  if (timer) clearInterval(timer);
  io.stdin.off('data', onKey);
  io.stdin.pause();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (tty) {
    if (io.stdin.isTTY && io.stdin.setRawMode) io.stdin.setRawMode(false);
    io.stdout.write('\x1b[?25h\x1b[?1049l'); // cursor back, main screen back
  }
  conn.close();
  return code;
}
