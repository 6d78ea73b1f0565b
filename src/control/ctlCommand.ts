/** `lsmwatch ctl [--control PATH] status | reload | forbid-ptrace off|self|all`: talks to a running agent. */
import { createConnection } from 'node:net';
import { DEFAULT_CONTROL_PATH, type ControlRequest } from './controlProtocol.js';

export const CTL_USAGE = 'usage: lsmwatch ctl [--control PATH] status | reload | forbid-ptrace off|self|all';

export function parseCtlArgs(argv: string[]): { path: string; request: ControlRequest } | string {
  let path = DEFAULT_CONTROL_PATH;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--control') {
      if (!argv[i + 1]) return '--control needs a path';
      path = argv[++i];
    } else if (argv[i].startsWith('--control=')) path = argv[i].slice('--control='.length);
    else rest.push(argv[i]);
  }
  if (rest.length === 1 && rest[0] === 'status') return { path, request: { command: 'status' } };
  if (rest.length === 1 && rest[0] === 'reload') return { path, request: { command: 'reload' } };
  if (rest.length === 2 && rest[0] === 'forbid-ptrace' && (rest[1] === 'off' || rest[1] === 'self' || rest[1] === 'all')) {
    return { path, request: { command: 'forbid-ptrace', mode: rest[1] } };
  }
  if (rest.length === 2 && rest[0] === 'debug-stall' && /^\d+$/.test(rest[1])) {
    return { path, request: { command: 'debug-stall', seconds: Number(rest[1]) } };
  }
  return CTL_USAGE;
}

export async function runCtlCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const parsed = parseCtlArgs(argv);
  if (typeof parsed === 'string') {
    err.write(`lsmwatch: ${parsed}\n`);
    return 2;
  }
  return new Promise((resolve) => {
    const socket = createConnection(parsed.path);
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(parsed.request) + '\n'));
    socket.on('data', (d: string) => {
      reply += d;
      if (!reply.includes('\n')) return;
      socket.end();
      const line = reply.slice(0, reply.indexOf('\n'));
      let ok = false;
      try {
        ok = (JSON.parse(line) as { ok?: boolean }).ok === true;
      } catch {
        ok = false;
      }
      (ok ? out : err).write(line + '\n');
      resolve(ok ? 0 : 1);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      err.write(`lsmwatch: no agent answers on ${parsed.path} (${e.code ?? e.message})\n`);
      resolve(1);
    });
  });
}
