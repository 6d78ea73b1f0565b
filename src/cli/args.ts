/** Command-line parsing and validation (pure). Nothing native runs before this has succeeded. */
import type { RunOptions } from '../agent/runOptions.js';
import type { SensorChoice } from '../sensor/settings.js';
import { parseListenAddress } from '../metrics/listenAddress.js';

export type ParsedArgs =
  | RunOptions
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'alerts'; argv: string[] }
  | { command: 'ctl'; argv: string[] }
  | { command: 'top'; argv: string[] }
  | { command: 'install-service'; argv: string[] };

export class UsageError extends Error {
  readonly code = 'EUSAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: lsmwatch [run] [options]
       lsmwatch alerts [--since 1h] [--type change|alert|integrity] [--min-severity high] [--json] [--db PATH]
       lsmwatch ctl [--control PATH] status | reload | forbid-ptrace off|self|all
       lsmwatch top [--control PATH] [--interval SECONDS] [--once]
       lsmwatch install-service [--print] [--package-root DIR] [--destdir DIR] [--unit-dir DIR]

Watches the files that matter on this host with BPF and prints one JSON object per event on
stdout; human-readable notices and alerts go to stderr. Must run as root.

Options:
  --policy FILE            policy to load (default: policy.json next to the lsmwatch package)
  --sensor auto|lsm|tracepoint
                           BPF LSM programs, or syscall tracepoints where LSM is unavailable
                           (default: auto = LSM if the kernel allows it, else tracepoints)
  --forbid-ptrace[=self|all]
                           deny ptrace attach to the agent (self, the default) or to every process
                           (all: breaks gdb and strace -p host-wide); needs the LSM sensor
  --protect                guard the agent (LSM sensor): others cannot write, rename or unlink its
                           files, send it SIGKILL or SIGSTOP, or open its BPF maps and programs
  --watchdog SECONDS       lift the --protect guard if the agent's JavaScript thread stalls this
                           long (default: 10)
  --require-enforcement    exit 1 instead of running when enforcement was asked for but the
                           sensor cannot enforce
  --db PATH                state database (default: /var/lib/lsmwatch/state.db)
  --no-state               keep no baseline or history (no SQLite file)
  --stats-interval SECONDS how often to print a stats line (default: from the policy)
  --control PATH           control socket for 'lsmwatch ctl' (default: /run/lsmwatch/control.sock)
  --metrics ADDRESS        serve Prometheus metrics and /healthz on ADDRESS (PORT, IP:PORT or
                           [IPv6]:PORT; a bare port is 127.0.0.1); default: the policy's metrics.listen
  --help                   show this help
  --version                print the version

SIGHUP (or 'lsmwatch ctl reload') re-reads the policy file: a valid policy replaces the running one
without detaching any program; an invalid one is rejected and the running one stays in force.
`;

const DEFAULTS = {
  sensor: 'auto' as SensorChoice,
  dbPath: '/var/lib/lsmwatch/state.db',
  ringBytes: 4 * 1024 * 1024, // mapped into the agent (twice, by the kernel), so it counts in RSS; writes are aggregated
  queueBytes: 32 * 1024 * 1024,
};

function takeValue(argv: string[], i: number, flag: string, inline: string | undefined): [string, number] {
  if (inline !== undefined) return [inline, i];
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return [value, i + 1];
}

function positiveInt(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag}: expected a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${flag}: expected ${min} to ${max}, got ${n}`);
  return n;
}

const BOOLEAN_FLAGS = ['--help', '--version', '--require-enforcement', '--no-state', '--protect'];

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export function parseArgs(argv: string[], defaultPolicyFile: string): ParsedArgs {
  let rest = argv;
  if (rest[0] === 'alerts') return { command: 'alerts', argv: rest.slice(1) };
  if (rest[0] === 'ctl') return { command: 'ctl', argv: rest.slice(1) };
  if (rest[0] === 'top') return { command: 'top', argv: rest.slice(1) };
  if (rest[0] === 'install-service') return { command: 'install-service', argv: rest.slice(1) };
  if (rest[0] === 'run') rest = rest.slice(1);
  const options: RunOptions = {
    command: 'run',
    policyFile: defaultPolicyFile,
    sensor: DEFAULTS.sensor,
    forbidPtrace: 'off',
    requireEnforcement: false,
    dbPath: DEFAULTS.dbPath,
    statsInterval: null,
    ringBytes: DEFAULTS.ringBytes,
    queueBytes: DEFAULTS.queueBytes,
    controlPath: '/run/lsmwatch/control.sock',
    protect: false,
    watchdogSeconds: 10,
    metricsListen: null,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined;
    let value: string;
    if (inline !== undefined && BOOLEAN_FLAGS.includes(flag)) throw new UsageError(`${flag} takes no value`);
    switch (flag) {
      case '--help':
      case '-h':
        return { command: 'help' };
      case '--version':
      case '-V':
        return { command: 'version' };
      case '--policy':
        [value, i] = takeValue(rest, i, flag, inline);
        options.policyFile = value;
        break;
      case '--sensor':
        [value, i] = takeValue(rest, i, flag, inline);
        if (value !== 'auto' && value !== 'lsm' && value !== 'tracepoint') {
          throw new UsageError(`--sensor: expected auto, lsm or tracepoint, got ${JSON.stringify(value)}`);
        }
        options.sensor = value;
        break;
      case '--forbid-ptrace':
        value = inline ?? 'self';
        if (value !== 'self' && value !== 'all' && value !== 'off') {
          throw new UsageError(`--forbid-ptrace: expected self or all, got ${JSON.stringify(value)}`);
        }
        options.forbidPtrace = value;
        break;
      case '--control':
        [value, i] = takeValue(rest, i, flag, inline);
        options.controlPath = value;
        break;
      case '--require-enforcement':
        options.requireEnforcement = true;
        break;
      case '--protect':
        options.protect = true;
        break;
      case '--watchdog':
        [value, i] = takeValue(rest, i, flag, inline);
        options.watchdogSeconds = positiveInt(value, flag, 1, 3600);
        break;
      case '--metrics': {
        [value, i] = takeValue(rest, i, flag, inline);
        const address = parseListenAddress(value);
        if (typeof address === 'string') throw new UsageError(`--metrics: expected ${address}, got ${JSON.stringify(value)}`);
        options.metricsListen = address;
        break;
      }
      case '--db':
        [value, i] = takeValue(rest, i, flag, inline);
        options.dbPath = value;
        break;
      case '--no-state':
        options.dbPath = null;
        break;
      case '--stats-interval':
        [value, i] = takeValue(rest, i, flag, inline);
        options.statsInterval = positiveInt(value, flag, 1, 86400);
        break;
      case '--ring-bytes': // test and tuning knob: kernel ring buffer size (power of two)
        [value, i] = takeValue(rest, i, flag, inline);
        options.ringBytes = positiveInt(value, flag, 4096, 1 << 30);
        if (!isPowerOfTwo(options.ringBytes)) throw new UsageError(`--ring-bytes: expected a power of two, got ${value}`);
        break;
      case '--queue-bytes': // test and tuning knob: user-space batch queue bound
        [value, i] = takeValue(rest, i, flag, inline);
        options.queueBytes = positiveInt(value, flag, 4096, 1 << 30);
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)} (see lsmwatch --help)`);
    }
  }
  return options;
}
