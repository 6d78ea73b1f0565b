import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkNodeOptions,
  closeInspectorIfOpen,
  describeNodeRuntime,
  findRefusedOptions,
  NodeOptionsError,
  parseNodeOptions,
} from '../../../src/agent/nodeRuntime.js';

test('NODE_OPTIONS is split like node splits it: white space, "quotes", backslash escapes in quotes', () => {
  assert.equal(parseNodeOptions(''), []);
  assert.equal(parseNodeOptions('  --max-old-space-size=512   --require=./a.js '), ['--max-old-space-size=512', '--require=./a.js']);
  assert.equal(parseNodeOptions('--require "./with space.js" -r x'), ['--require', './with space.js', '-r', 'x']);
  assert.equal(parseNodeOptions('--title="a \\"b\\""'), ['--title=a "b"']);
  assert.equal(parseNodeOptions('""'), ['']);
});

const refusedOf = (execArgv: string[], env: Record<string, string> = {}) => findRefusedOptions(execArgv, env).map((r) => `${r.source}:${r.option}`);

test('options that load, run or expose code are found, in execArgv and NODE_OPTIONS, with "_" for "-"', () => {
  assert.equal(refusedOf(['--require', './x.js', '-r', 'y', '--import=z', '--loader', 'l', '--experimental-loader=l', '-e', 'code']), [
    'execArgv:--require',
    'execArgv:-r',
    'execArgv:--import=z',
    'execArgv:--loader',
    'execArgv:--experimental-loader=l',
    'execArgv:-e',
  ]);
  assert.equal(refusedOf(['--inspect', '--inspect-brk=0', '--inspect_port=9230', '--debug-port=1']), [
    'execArgv:--inspect',
    'execArgv:--inspect-brk=0',
    'execArgv:--inspect_port=9230',
    'execArgv:--debug-port=1',
  ]);
  assert.equal(refusedOf([], { NODE_OPTIONS: '--max-old-space-size=512 --import=./x.mjs --heapsnapshot-signal=SIGUSR2 --report-on-signal' }), [
    'NODE_OPTIONS:--import=./x.mjs',
    'NODE_OPTIONS:--heapsnapshot-signal=SIGUSR2',
    'NODE_OPTIONS:--report-on-signal',
  ]);
  for (const opt of ['--env-file=.env', '--snapshot-blob=s', '--openssl-config=c', '-C', '--conditions=dev', '--expose-internals', '--cpu-prof', '--watch', '--preserve-symlinks']) {
    assert.is(refusedOf([opt]).length, 1, opt);
  }
});

test('harmless options pass: --disable-sigusr1, memory limits, --enable-source-maps, values after a flag', () => {
  assert.equal(refusedOf(['--disable-sigusr1', '--max-old-space-size=512', '--enable-source-maps', '--stack-trace-limit=50', '--no-warnings']), []);
  assert.equal(refusedOf([], { NODE_OPTIONS: '--max-old-space-size=4096' }), []);
});

test('environment variables that load native or compiled code are found; empty ones are not', () => {
  assert.equal(refusedOf([], { LD_PRELOAD: '/x.so', LD_AUDIT: '/a.so', LD_LIBRARY_PATH: '/tmp', OPENSSL_CONF: '/c', NODE_COMPILE_CACHE: '/d' }), [
    'environment:LD_PRELOAD',
    'environment:LD_AUDIT',
    'environment:LD_LIBRARY_PATH',
    'environment:OPENSSL_CONF',
    'environment:NODE_COMPILE_CACHE',
  ]);
  assert.equal(refusedOf([], { LD_PRELOAD: '' }), []);
});

test('checkNodeOptions refuses with one message naming each option and the way out; allowed, it returns them', () => {
  try {
    checkNodeOptions([], { NODE_OPTIONS: '--require=/tmp/x.cjs' }, false);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, NodeOptionsError);
    const message = (err as Error).message;
    assert.match(message, /NODE_OPTIONS --require=\/tmp\/x\.cjs \(preloads a module\)/);
    assert.match(message, /--allow-node-options/);
    assert.not.match(message, /\n/);
  }
  assert.is(checkNodeOptions(['--inspect'], {}, true).length, 1);
  assert.equal(checkNodeOptions([], {}, false), []);
});

test('an open inspector is closed and its URL returned; a closed one is left alone', () => {
  let open: string | undefined = 'ws://127.0.0.1:9229/x';
  let closes = 0;
  const inspector = { url: () => open, close: () => ((open = undefined), closes++) };
  assert.is(closeInspectorIfOpen(inspector), 'ws://127.0.0.1:9229/x');
  assert.is(closeInspectorIfOpen(inspector), null);
  assert.is(closes, 1);
});

test('the ready line records version, executable, digest, exact execArgv, NODE_OPTIONS and how SIGUSR1 is kept off', () => {
  const base = { version: 'v22.14.0', executable: '/usr/bin/node', sha256: 'a'.repeat(64), allowNodeOptions: false };
  assert.equal(describeNodeRuntime({ ...base, execArgv: ['--disable-sigusr1'], env: {} }), {
    version: 'v22.14.0',
    executable: '/usr/bin/node',
    sha256: 'a'.repeat(64),
    execArgv: ['--disable-sigusr1'],
    nodeOptions: null,
    sigusr1: 'disabled',
    allowNodeOptions: false,
  });
  const handled = describeNodeRuntime({ ...base, execArgv: [], env: { NODE_OPTIONS: '--max-old-space-size=64' } });
  assert.is(handled.sigusr1, 'handled');
  assert.is(handled.nodeOptions, '--max-old-space-size=64');
});

test.run();
