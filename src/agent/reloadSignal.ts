/** SIGHUP → policy reload. Kept apart from the other signals (src/agent/stopRequests.ts, and the
 * signal handling of the guard work) so each can be wired, or merged, on its own. */
export interface ReloadSignal {
  dispose(): void;
}

/** Calls `reload` once per SIGHUP. Installed before anything is loaded, so a SIGHUP during start-up
 * never takes node's default action (exit with programs loaded); until `ready()` it is remembered
 * and runs then. */
export function listenForReloadSignal(proc: Pick<NodeJS.Process, 'on' | 'off'> = process): ReloadSignal & {
  ready(reload: () => void): void;
} {
  let handler: (() => void) | null = null;
  let pending = false;
  const onHup = () => {
    if (handler) handler();
    else pending = true;
  };
  proc.on('SIGHUP', onHup);
  return {
    ready(reload) {
      handler = reload;
      if (pending) {
        pending = false;
        reload();
      }
    },
    dispose() {
      proc.off('SIGHUP', onHup);
      handler = null;
    },
  };
}
