/**
 * The process context of the run: the process cache (fed by the sensor's exec, fork and exit
 * records), user names, container lookups, on the host's /proc, /etc and cgroup tree. Started once
 * the programs are attached: it then reads /proc for the processes already running, so their
 * events name an executable too, and rechecks the account files every few seconds.
 */
import { createAccounts, type Accounts } from '../process/accounts.js';
import { createCgroupResolver } from '../process/cgroups.js';
import { cgroupV2Mounted, hostAccountsIo, hostCgroupIo, hostProcIo, listPids } from '../process/hostIo.js';
import { createProcessContexts, type ProcessContexts } from '../process/processContexts.js';
import type { ProcessConfig } from '../process/processConfig.js';
import { readCgroup } from '../process/procfs.js';

const ACCOUNTS_RECHECK_MS = 5000;

export interface ProcessTracking {
  readonly contexts: ProcessContexts;
  readonly accounts: Accounts;
  /** after attaching: learn the running processes, start the account rechecks */
  start(): void;
  stop(): void;
}

export function createProcessTracking(config: ProcessConfig, bootToRfc3339: (bootNs: bigint) => string): ProcessTracking {
  const accounts = createAccounts(hostAccountsIo);
  const contexts = createProcessContexts({
    config,
    proc: hostProcIo,
    accounts,
    cgroups: createCgroupResolver(hostCgroupIo, {
      unified: cgroupV2Mounted(),
      procCgroup: (pid, ticks) => readCgroup(hostProcIo, pid, ticks),
    }),
    bootToRfc3339,
  });
  let timer: NodeJS.Timeout | null = null;
  return {
    contexts,
    accounts,
    start() {
      contexts.scan(listPids());
      timer = setInterval(() => accounts.recheck(), ACCOUNTS_RECHECK_MS);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
