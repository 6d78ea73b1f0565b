import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from '../../../src/cli/args.js';
import { createManifest, writeManifest } from '../../../src/integrity/manifest.js';
import { NodeOptionsError } from '../../../src/agent/nodeRuntime.js';
import { prepareAgentStart, StartupRefusedError } from '../../../src/agent/startup.js';

let root = '';
let ignored: number[][] = [];
test.before.each(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmwatch-prep-'));
  fs.mkdirSync(path.join(root, 'node_modules', 'chalk'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules', 'chalk', 'index.js'), 'export {};\n');
  fs.mkdirSync(path.join(root, 'build'));
  await writeManifest(path.join(root, 'build', 'manifest.json'), await createManifest(root, ['node_modules/chalk/index.js']));
  ignored = [];
});
test.after.each(() => fs.rmSync(root, { recursive: true, force: true }));

function io(extra: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d));
  stderr.on('data', (d: Buffer) => (err += d));
  return {
    io: { packageRoot: root, stdout, stderr, env: extra.env ?? {}, execArgv: extra.execArgv ?? [], ignoreSignals: (n: number[]) => ignored.push(n) },
    out: () => out,
    err: () => err,
  };
}
const options = (...argv: string[]) => parseArgs(argv, '/p.json') as Parameters<typeof prepareAgentStart>[0];

test('a clean start: node described, SIGTTIN and SIGTTOU ignored, nothing printed', async () => {
  const t = io({ execArgv: ['--disable-sigusr1'] });
  const started = await prepareAgentStart(options('--protect'), t.io);
  assert.equal(started.node.execArgv, ['--disable-sigusr1']);
  assert.is(started.node.sigusr1, 'disabled');
  assert.equal(ignored, [[21, 22]]);
  assert.is(t.out(), '');
  assert.is(t.err(), '');
});

test('--protect refuses to start on an integrity problem: NDJSON findings on stdout, one error naming the file', async () => {
  fs.appendFileSync(path.join(root, 'node_modules', 'chalk', 'index.js'), '// injected\n');
  const t = io();
  const err = await prepareAgentStart(options('--protect'), t.io).catch((e: Error) => e);
  assert.instance(err, StartupRefusedError);
  assert.match((err as Error).message, /refusing to start with --protect: the start-up integrity check found 1 problem: .*chalk\/index\.js does not match the manifest/);
  assert.match((err as Error).message, /--allow-integrity-mismatch/);
  const lines = t.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(lines[0].status, 'mismatch');
  assert.equal(ignored, [], 'stopped before anything else');
});

test('without --protect, or with --allow-integrity-mismatch, the start goes on and the findings travel along', async () => {
  fs.appendFileSync(path.join(root, 'node_modules', 'chalk', 'index.js'), '// injected\n');
  for (const argv of [[], ['--protect', '--allow-integrity-mismatch']]) {
    const started = await prepareAgentStart(options(...argv), io().io);
    assert.is(started.integrity.fileFindings.length, 1, argv.join(' '));
  }
});

test('node options that load code are refused before the check; allowed, they are named on stderr', async () => {
  const refused = await prepareAgentStart(options(), io({ env: { NODE_OPTIONS: '--require=/x.cjs' } }).io).catch((e: Error) => e);
  assert.instance(refused, NodeOptionsError);
  const t = io({ execArgv: ['--inspect-port=0'] });
  const started = await prepareAgentStart(options('--allow-node-options'), t.io);
  assert.is(started.node.allowNodeOptions, true);
  assert.match(t.err(), /warning: running with node option --inspect-port=0 .*allowed by --allow-node-options/);
});

test.run();
