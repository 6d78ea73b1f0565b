/** The ways a run ends: SIGINT, SIGTERM, or stdout going away. Listened for before anything is
 * loaded, so a signal during start-up still leads to an orderly shutdown (never to a default kill
 * with programs loaded). */
import type { Writable } from 'node:stream';

export interface StopRequests {
  /** resolves with why the agent should stop */
  readonly requested: Promise<string>;
  dispose(): void;
}

export function listenForStop(stdout: Writable): StopRequests {
  let request: (why: string) => void = () => {};
  const requested = new Promise<string>((res) => (request = res));
  const onSigint = () => request('SIGINT');
  const onSigterm = () => request('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    request(err.code === 'EPIPE' ? 'stdout closed' : `stdout error ${err.code ?? err.message}`);
  });
  return {
    requested,
    dispose() {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}
