#!/usr/bin/env node
// lsmwatch launcher: runs the compiled agent from build/dist (make build).
import { existsSync } from 'node:fs';
import inspector from 'node:inspector';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// SIGUSR1 must never start node's inspector (anyone who connects to it runs code as root). A
// listener replaces node's handler (checked on node 20, 22 and 24); it notes the signal for the
// agent, which reports it (src/agent/signals.ts). Then, where node has --disable-sigusr1, the
// launcher runs itself again with it, so node never installs that handler at all.
const EARLY = Symbol.for('lsmwatch.earlySignals');
globalThis[EARLY] = [];
process.on('SIGUSR1', () => {
  const noted = globalThis[EARLY];
  if (Array.isArray(noted) && noted.length < 16) noted.push('SIGUSR1');
});
if (
  !process.execArgv.includes('--disable-sigusr1') &&
  process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') &&
  typeof process.execve === 'function'
) {
  try {
    process.execve(process.execPath, [process.execPath, '--disable-sigusr1', ...process.execArgv, ...process.argv.slice(1)], process.env);
  } catch (err) {
    process.stderr.write(`lsmwatch: warning: could not restart node with --disable-sigusr1 (${err.message}); SIGUSR1 is handled instead\n`);
  }
}
// A SIGUSR1 that arrived before the listener was in place opened the inspector: close it (unless
// the user asked for node options, --inspect among them). Its server starts from the event loop,
// so look again once the loop has run.
const allowNodeOptions = process.argv.includes('--allow-node-options');
const closeInspector = () => {
  const url = inspector.url();
  if (url === undefined || allowNodeOptions) return;
  inspector.close();
  process.stderr.write(`lsmwatch: ALERT: node's inspector was open (${url}) before the agent started: closed\n`);
};
closeInspector();
setImmediate(closeInspector);

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(packageRoot, 'build', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write("lsmwatch: not built yet: run 'sudo make build' in the checkout first (an installed package always has it: reinstall it)\n");
  process.exit(1);
}
const { main, waitForStdoutFlush } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2), packageRoot);
process.exitCode = code;
// Let stdout take the last lines (the final stats line) while its reader keeps reading; leave
// once it has stopped reading for 5 s (or after a minute in all), even if a handle lingers.
await waitForStdoutFlush({
  pendingBytes: () => process.stdout.writableLength,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
  now: () => performance.now(),
});
process.exit(code);
