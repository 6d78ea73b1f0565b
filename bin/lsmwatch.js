#!/usr/bin/env node
// lsmwatch launcher: runs the compiled agent from build/dist (make build).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(packageRoot, 'build', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write("lsmwatch: not built yet: run 'sudo make build' in the checkout first (an installed package always has it: reinstall it)\n");
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2), packageRoot);
process.exitCode = code;
// Let stdout flush the last lines (the final stats line) for up to 5 s, then leave even if a
// reader stopped reading or a handle lingers.
const flushed = process.stdout.writableLength === 0
  ? Promise.resolve()
  : new Promise((resolve) => process.stdout.once('drain', resolve));
await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
process.exit(code);
