/** What the agent answers on its control socket (lsmwatch ctl): status, forbid-ptrace switched in
 * the kernel through the settings map (no reload), a policy reload, and the read-only snapshot that
 * `lsmwatch top` shows. */
import type { ControlReply, ControlRequest } from '../control/controlProtocol.js';
import type { ControlHandler } from '../control/controlServer.js';
import type { Notices } from '../log/notices.js';
import type { Output } from '../output/sink.js';
import { settingLine } from '../output/records.js';
import type { SensorName } from '../sensor/settings.js';
import type { RuntimeSettings } from './runtimeSettings.js';
import type { ReloadOutcome } from './policyReload.js';

const STRENGTH = { off: 0, self: 1, all: 2 } as const;

export function createControlHandler(deps: {
  sensor: SensorName;
  enforcement: boolean;
  settings: RuntimeSettings;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  /** LSMWATCH_DEBUG_CONTROL=1: test hooks such as debug-stall are allowed */
  debugCommands: boolean;
  reload?: (trigger: string) => Promise<ReloadOutcome>;
  /** the snapshot lsmwatch top renders (read-only) */
  top?: () => Record<string, unknown>;
}): ControlHandler {
  const status = (): ControlReply => ({
    ok: true,
    sensor: deps.sensor,
    enforcement: deps.enforcement,
    forbid_ptrace: deps.settings.current.forbidPtrace,
  });
  return {
    handle(request: ControlRequest): ControlReply | Promise<ControlReply> {
      switch (request.command) {
        case 'status':
          return status();
        case 'reload': {
          const reload = deps.reload;
          if (!reload) return { ok: false, error: 'this agent cannot reload its policy' };
          return reload('ctl').then((outcome): ControlReply => {
            if (outcome.status === 'rejected') return { ok: false, status: 'rejected', error: outcome.error };
            const r = outcome.record;
            return {
              ok: true,
              status: 'reloaded',
              policy_sha256: r.policy_sha256 as string,
              changes: r.changes as Record<string, unknown>,
              requires_restart: r.requires_restart as string[],
            };
          });
        }
        case 'top':
          if (!deps.top) return { ok: false, error: 'this agent has no live view' };
          return { ok: true, command: 'top', ...deps.top() };
        case 'debug-stall': {
          if (!deps.debugCommands) return { ok: false, error: 'debug commands are disabled' };
          setTimeout(() => {
            const end = Date.now() + request.seconds * 1000;
            while (Date.now() < end); // deliberately hang the JavaScript thread
          }, 50);
          return status();
        }
        case 'forbid-ptrace': {
          if (!deps.enforcement) {
            return { ok: false, error: `the ${deps.sensor} sensor cannot enforce forbid-ptrace (needs BPF LSM)` };
          }
          const current = deps.settings.current;
          if (current.protect && STRENGTH[request.mode] < STRENGTH[current.forbidPtrace]) {
            // under --protect a guard only goes up: lowering one is what an attacker would ask for first
            deps.notices.warn(`refused 'ctl forbid-ptrace ${request.mode}': the agent runs with --protect, which allows no guard to be lowered`);
            return {
              ok: false,
              error: `the agent runs with --protect: forbid-ptrace cannot be lowered from ${current.forbidPtrace} to ${request.mode} (restart the agent without --protect to lower it)`,
            };
          }
          deps.settings.update({ forbidPtrace: request.mode });
          deps.output.write(settingLine(deps.nowRfc3339(), request.mode));
          deps.notices.info(`forbid-ptrace is now ${request.mode}`);
          return status();
        }
      }
    },
  };
}
