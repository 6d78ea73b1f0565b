/** Listens on the control socket and applies run-time settings (forbid-ptrace) through the sensor's
 * settings map, without reloading programs. */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { MAX_REQUEST_BYTES, parseControlRequest, type ControlReply, type ControlRequest } from './controlProtocol.js';

export interface ControlHandler {
  /** a reload answers once it is done */
  handle(request: ControlRequest): ControlReply | Promise<ControlReply>;
}

/** Is another agent answering on this socket? (A stale socket file from a crash is not.) */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export async function startControlServer(path: string, handler: ControlHandler): Promise<{ close(): void }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    if (await socketInUse(path)) throw new Error(`another lsmwatch agent is listening on ${path} (use --control PATH)`);
    unlinkSync(path);
  }
  const server: Server = createServer((socket) => {
    let buffered = '';
    // replies go out in the order the requests came, also when one of them takes a while
    let replies: Promise<void> = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) {
        socket.end(JSON.stringify({ ok: false, error: 'request too long' }) + '\n');
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const request = parseControlRequest(line);
        const answer = async (): Promise<ControlReply> => {
          try {
            return typeof request === 'string' ? { ok: false, error: request } : await handler.handle(request);
          } catch (err) {
            return { ok: false, error: (err as Error).message };
          }
        };
        replies = replies.then(async () => {
          const reply = await answer();
          if (!socket.destroyed) socket.write(JSON.stringify(reply) + '\n');
        });
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  server.unref(); // the control socket alone never keeps the agent alive
  return {
    close() {
      server.close();
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
