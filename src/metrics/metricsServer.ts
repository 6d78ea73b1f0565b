/**
 * The opt-in Prometheus endpoint (node:http): GET /metrics in the text exposition format, GET
 * /healthz (200 healthy, 503 not, JSON either way). Anything else is 404 (405 for other methods).
 * Unauthenticated, so it listens on loopback unless told otherwise. Requests are small and short:
 * no body is read, slow clients are cut off, and few connections are served at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import type { HealthReport } from './health.js';
import type { ListenAddress } from './listenAddress.js';

export interface MetricsEndpoint {
  /** the address actually bound (port 0 picks one) */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export interface MetricsHandlers {
  metrics(): Promise<string>;
  health(): HealthReport;
  /** a scrape failed (it is answered with 500) */
  onError(err: Error): void;
}

const MAX_CONNECTIONS = 16;
const REQUEST_TIMEOUT_MS = 10_000;

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean) {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(head ? undefined : body);
}

export async function startMetricsServer(address: ListenAddress, handlers: MetricsHandlers): Promise<MetricsEndpoint> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
      return;
    }
    if (path === '/metrics') {
      handlers
        .metrics()
        .then((body) => send(res, 200, EXPOSITION_CONTENT_TYPE, body, head))
        .catch((err: Error) => {
          handlers.onError(err);
          send(res, 500, 'text/plain; charset=utf-8', 'collecting metrics failed\n', head);
        });
      return;
    }
    if (path === '/healthz') {
      const report = handlers.health();
      send(res, report.healthy ? 200 : 503, 'application/json', JSON.stringify({ status: report.healthy ? 'ok' : 'unhealthy', ...report }) + '\n', head);
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found (try /metrics or /healthz)\n', head);
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref(); // the endpoint alone never keeps the agent alive
  const bound = server.address();
  const actual = typeof bound === 'object' && bound !== null ? { host: bound.address, port: bound.port } : address;
  return {
    address: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
