/** What one run of the agent was asked to do (from the command line; the policy file says what to watch). */
import type { ForbidPtraceMode, SensorChoice } from '../sensor/settings.js';
import type { ListenAddress } from '../metrics/listenAddress.js';

export interface RunOptions {
  command: 'run';
  policyFile: string;
  sensor: SensorChoice;
  forbidPtrace: ForbidPtraceMode;
  requireEnforcement: boolean;
  dbPath: string | null; // null: state disabled (--no-state)
  statsInterval: number | null; // seconds; null: from policy
  ringBytes: number;
  queueBytes: number;
  controlPath: string;
  protect: boolean;
  watchdogSeconds: number;
  /** --metrics ADDRESS (overrides the policy's metrics.listen); null: as the policy says */
  metricsListen: ListenAddress | null;
}
