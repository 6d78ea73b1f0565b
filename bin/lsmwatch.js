#!/usr/bin/env node
// lsmwatch launcher: runs the compiled agent from build/dist (make build).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(packageRoot, 'build', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write("lsmwatch: not built yet: run 'sudo make build' in the checkout first\n");
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2), packageRoot);
process.exitCode = code;
// Give stdout a moment to flush the last lines, then leave even if a handle lingers.
setTimeout(() => process.exit(code), 200).unref();
