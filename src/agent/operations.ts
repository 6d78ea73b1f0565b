/** The parts of a running agent that operate it as a service: the stats timer a reload can
 * re-time, policy reloads wired to systemd's notifications, and the watch map's capacity. */
import type { NativeAddon, NativeSensor } from '../sensor/nativeAddon.js';
import type { Notices } from '../log/notices.js';
import type { WallClock } from '../events/wallClock.js';
import { createPolicyReloader, type PolicyReloader } from './policyReload.js';
import { createServiceNotifier, type ServiceNotifier } from './serviceNotify.js';
import { WATCH_MAP } from './watchList.js';

/** The stats line every interval; a reload may re-time it unless --stats-interval fixed it. */
export function startStatsTimer(seconds: number, fixedOnCommandLine: boolean, report: () => void) {
  let timer = setInterval(report, seconds * 1000);
  return {
    stop: () => clearInterval(timer),
    control: fixedOnCommandLine
      ? null
      : {
          set(next: number) {
            clearInterval(timer);
            timer = setInterval(report, next * 1000);
          },
        },
  };
}

export function watchCapacity(native: Pick<NativeSensor, 'mapInfo'>): number {
  return native.mapInfo().find((m) => m.name === WATCH_MAP)?.maxEntries ?? 4096;
}

/** sd_notify through the addon; every call does nothing unless systemd set $NOTIFY_SOCKET. */
export function systemdNotifier(addon: Pick<NativeAddon, 'sdNotify'>, clock: Pick<WallClock, 'monotonicNowNs'>, notices: Notices): ServiceNotifier {
  return createServiceNotifier({
    send: (socket, message) => addon.sdNotify(socket, message),
    env: process.env,
    pid: process.pid,
    monotonicUs: () => clock.monotonicNowNs() / 1000n,
    onError: (m) => notices.warn(m),
  });
}

/** Reloads (SIGHUP, ctl reload) once everything a reload changes is running; systemd hears RELOADING=1 and READY=1. */
export function startReloads(
  deps: Omit<Parameters<typeof createPolicyReloader>[0], 'notifier'> & { notifier: ServiceNotifier },
): PolicyReloader {
  return createPolicyReloader({
    ...deps,
    notifier: { reloading: () => deps.notifier.reloading(), ready: () => deps.notifier.reloaded() },
  });
}
