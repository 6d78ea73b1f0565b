/** Where the metrics endpoint listens: `PORT` (loopback), `IPv4:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
 * Only IP literals: a host name would be resolved at start and could point anywhere. Pure. */
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** The address, or why `text` is not one (phrased as what was expected). */
export function parseListenAddress(text: string): ListenAddress | string {
  const expected = 'PORT, IPv4:PORT, [IPv6]:PORT or localhost:PORT (an IP address, loopback unless you mean otherwise)';
  let host: string;
  let portText: string;
  if (/^\d+$/.test(text)) {
    host = DEFAULT_METRICS_HOST;
    portText = text;
  } else {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
    if (!m) return expected;
    host = m[1] === 'localhost' ? DEFAULT_METRICS_HOST : m[1]!;
    portText = m[2]!;
    if (isIP(host) === 0) return expected;
    if (m[0].startsWith('[') && isIP(host) !== 6) return expected;
  }
  const port = Number(portText);
  // 0: a free port the kernel picks (the ready line names it)
  if (!Number.isInteger(port) || port < 0 || port > 65535) return 'a port from 0 to 65535';
  return { host, port };
}

export function formatListenAddress(a: ListenAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** 127.0.0.0/8 and ::1: reachable only from this host. */
export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === '::ffff:127.0.0.1';
}
