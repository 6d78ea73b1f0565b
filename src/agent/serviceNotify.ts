/**
 * Talks to systemd when it started the agent (Type=notify): READY=1 once the ready line is out,
 * RELOADING=1 / READY=1 around a policy reload, STOPPING=1 at the end, a STATUS= line, and
 * WATCHDOG=1 from the JavaScript thread while WatchdogSec= is set (a stalled thread stops the pings,
 * and systemd restarts the service). Without $NOTIFY_SOCKET every call does nothing.
 */
export interface ServiceNotifier {
  readonly active: boolean;
  ready(status: string): void;
  reloading(): void;
  /** after a reload, ready again */
  reloaded(status?: string): void;
  stopping(): void;
  /** starts WATCHDOG=1 pings at half of $WATCHDOG_USEC; returns a stop function */
  startWatchdog(setInterval: (fn: () => void, ms: number) => { unref?: () => void }, clear: (t: unknown) => void): () => void;
}

export function createServiceNotifier(deps: {
  send: (socketPath: string, message: string) => number;
  env: Record<string, string | undefined>;
  pid: number;
  monotonicUs: () => bigint;
  onError: (message: string) => void;
}): ServiceNotifier {
  const socket = deps.env.NOTIFY_SOCKET ?? '';
  let reported = false;
  const notify = (message: string) => {
    if (!socket) return;
    const err = deps.send(socket, message);
    if (err !== 0 && !reported) {
      reported = true;
      deps.onError(`telling systemd "${message.split('\n')[0]}" over ${socket} failed (errno ${err})`);
    }
  };
  const status = (text: string) => `STATUS=${text.replace(/\n/g, ' ')}`;
  return {
    active: socket !== '',
    ready: (text) => notify(`READY=1\n${status(text)}`),
    reloading: () => notify(`RELOADING=1\nMONOTONIC_USEC=${deps.monotonicUs()}`),
    reloaded: (text) => notify(text ? `READY=1\n${status(text)}` : 'READY=1'),
    stopping: () => notify('STOPPING=1'),
    startWatchdog(setInterval, clear) {
      const usec = Number(deps.env.WATCHDOG_USEC ?? '');
      const forPid = deps.env.WATCHDOG_PID;
      if (!socket || !Number.isFinite(usec) || usec <= 0 || (forPid !== undefined && Number(forPid) !== deps.pid)) return () => {};
      const timer = setInterval(() => notify('WATCHDOG=1'), Math.max(100, usec / 2000));
      timer.unref?.();
      return () => clear(timer);
    },
  };
}
