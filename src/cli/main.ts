/** Entry point: parse arguments, dispatch, turn every expected failure into one clear line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError, USAGE } from './args.js';
import { PolicyError } from '../policy/policyError.js';
import { SensorError } from '../sensor/nativeAddon.js';
import { escapeControlChars } from '../log/escape.js';
import { NodeOptionsError, NODE_OPTIONS_EXIT_CODE } from '../agent/nodeRuntime.js';
import { StartupRefusedError } from '../agent/startup.js';

export { waitForStdoutFlush } from './exitFlush.js';

export async function main(argv: string[], packageRoot: string): Promise<number> {
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const fail = (message: string, code: number) => {
    process.stderr.write(`lsmwatch: ${escapeControlChars(message)}\n`);
    return code;
  };
  try {
    const args = parseArgs(argv, join(packageRoot, 'policy.json'));
    switch (args.command) {
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case 'version':
        process.stdout.write(`lsmwatch ${version}\n`);
        return 0;
      case 'alerts': {
        const { runAlertsCommand } = await import('../state/alertsCommand.js');
        return runAlertsCommand(args.argv, {
          stdout: process.stdout,
          isTTY: Boolean(process.stdout.isTTY),
          now: () => new Date(),
          defaultDbPath: '/var/lib/lsmwatch/state.db',
        });
      }
      case 'ctl': {
        const { runCtlCommand } = await import('../control/ctlCommand.js');
        return await runCtlCommand(args.argv, process.stdout, process.stderr);
      }
      case 'top': {
        const { runTopCommand } = await import('../top/topCommand.js');
        return await runTopCommand(args.argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
      }
      case 'install-service': {
        const { currentNode, installService, parseInstallArgs } = await import('../service/installService.js');
        const parsed = parseInstallArgs(args.argv, { packageRoot, node: currentNode() });
        if (typeof parsed === 'string') return fail(parsed, 2);
        return installService(parsed, version, process.stdout);
      }
      case 'run': {
        // node options and the start-up integrity check, before the agent's code and its runtime
        // dependencies (chalk, better-sqlite3, ...) load
        const { prepareAgentStart } = await import('../agent/startup.js');
        const startup = await prepareAgentStart(args, { packageRoot, stdout: process.stdout, stderr: process.stderr });
        const { runAgent } = await import('../agent/run.js');
        return await runAgent(args, { stdout: process.stdout, stderr: process.stderr, packageRoot, version, startup });
      }
    }
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message.includes('lsmwatch --help') ? err.message : `${err.message} (see lsmwatch --help)`, 2);
    if (err instanceof NodeOptionsError) return fail(err.message, NODE_OPTIONS_EXIT_CODE);
    if (err instanceof StartupRefusedError) return fail(err.message, 1);
    if (err instanceof PolicyError) return fail(`invalid policy: ${err.message}`, 2);
    if (err instanceof SensorError) {
      const log = err.log.trim();
      // the tail of libbpf's log (the verifier's verdict is at the end), one escaped line at a time
      for (const line of log.split('\n').slice(-15)) process.stderr.write(`  ${escapeControlChars(line)}\n`);
      return fail(`${err.message} [${err.code}]`, 1);
    }
    const e = err as Error;
    return fail(`unexpected error: ${e.stack ?? e.message}`, 1);
  }
}
