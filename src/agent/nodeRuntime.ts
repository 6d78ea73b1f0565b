/**
 * No code path into the agent through node itself: node options and environment variables that
 * load code into the process or expose its memory are refused (unless --allow-node-options), node's
 * inspector is never left open, and the ready line records what the agent runs on. Pure except
 * where it says otherwise; the process (execArgv, env, inspector) is passed in.
 *
 * SIGUSR1 itself is handled in bin/lsmwatch.js, before anything else runs: a JavaScript listener
 * replaces node's inspector handler (checked on node 20, 22 and 24), and where node has
 * --disable-sigusr1 (22.14+, 23.7+) the launcher re-executes itself with it (process.execve).
 */

import type { NodeReadyInfo } from '../output/records.js';

/** Exit status for refused node options: a usage problem, like a bad argument. */
export const NODE_OPTIONS_EXIT_CODE = 2;

export type OptionSource = 'execArgv' | 'NODE_OPTIONS' | 'environment';

export interface RefusedOption {
  source: OptionSource;
  /** the option or variable as given, e.g. "--require=./x.js" or "LD_PRELOAD" */
  option: string;
  why: string;
}

/** Options that load or run code other than the agent's, change how its code resolves, or open it. */
const CODE_OPTIONS: Record<string, string> = {
  '-r': 'preloads a module',
  '--require': 'preloads a module',
  '--import': 'preloads a module',
  '--loader': 'installs a module loader',
  '--experimental-loader': 'installs a module loader',
  '-e': 'runs code',
  '--eval': 'runs code',
  '-p': 'runs code',
  '--print': 'runs code',
  '-i': 'starts a REPL',
  '--interactive': 'starts a REPL',
  '-C': 'changes which files packages resolve to',
  '--conditions': 'changes which files packages resolve to',
  '--preserve-symlinks': 'changes which files modules resolve to',
  '--preserve-symlinks-main': 'changes which files modules resolve to',
  '--experimental-default-type': 'changes how files are interpreted',
  '--experimental-transform-types': 'changes how files are interpreted',
  '--experimental-network-imports': 'loads code from the network',
  '--experimental-policy': 'replaces the module policy',
  '--policy-integrity': 'replaces the module policy',
  '--experimental-addon-modules': 'changes how native addons load',
  '--snapshot-blob': 'starts from a V8 snapshot (code)',
  '--build-snapshot': 'builds a snapshot instead of running',
  '--build-snapshot-config': 'builds a snapshot instead of running',
  '--experimental-sea-config': 'builds an executable instead of running',
  '--openssl-config': 'loads an OpenSSL configuration (engines, providers: native code)',
  '--openssl-shared-config': 'loads an OpenSSL configuration (engines, providers: native code)',
  '--icu-data-dir': 'loads ICU data from a directory',
  '--expose-internals': "exposes node's internals to JavaScript",
  '--allow-natives-syntax': "exposes V8's internals to JavaScript",
  '--redirect-warnings': 'writes to a file',
  '--tls-keylog': 'writes TLS keys to a file',
  '--prof': "writes V8's log (memory contents) to a file",
  '--prof-process': 'processes a log instead of running',
  '--interpreted-frames-native-stack': 'exposes the stack to perf',
  '--run': 'runs a package script instead',
  '--test': 'runs tests instead',
};

/** Option families, by prefix. */
const CODE_OPTION_PREFIXES: Array<[string, string]> = [
  ['--inspect', "opens node's inspector (JavaScript execution for anyone who connects)"],
  ['--debug', "opens node's inspector (JavaScript execution for anyone who connects)"],
  ['--env-file', 'loads environment variables (NODE_OPTIONS among them) from a file'],
  ['--heapsnapshot', 'writes heap snapshots (memory contents) to files'],
  ['--heap-prof', 'writes heap profiles to files'],
  ['--cpu-prof', 'writes CPU profiles to files'],
  ['--report', 'writes diagnostic reports (environment, memory) to files'],
  ['--diagnostic-dir', 'writes diagnostics to a directory'],
  ['--perf-', 'exposes code to perf'],
  ['--trace-event', 'writes trace events to files'],
  ['--watch', 'restarts on file changes'],
  ['--test-', 'runs tests instead'],
];

/** Environment variables that load native code or V8 code into node, or replace its options. */
const CODE_VARIABLES: Record<string, string> = {
  LD_PRELOAD: 'loads shared libraries into the process',
  LD_AUDIT: 'loads shared libraries into the process',
  LD_LIBRARY_PATH: 'changes which shared libraries (libbpf, libc, ...) load',
  OPENSSL_CONF: 'loads an OpenSSL configuration (engines, providers: native code)',
  NODE_COMPILE_CACHE: 'loads compiled code from a cache directory',
};

/** NODE_OPTIONS split the way node splits it: on white space, with "double quotes" and \-escapes inside them. */
export function parseNodeOptions(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let started = false;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted && c === '\\' && i + 1 < value.length) {
      current += value[++i];
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(c)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

/** "--Foo_bar=1" → "--foo-bar": node accepts "_" for "-" in option names. */
function optionName(token: string): string | null {
  if (!token.startsWith('-') || token === '-' || token === '--') return null;
  const name = token.split('=', 1)[0];
  return name.startsWith('--') ? '--' + name.slice(2).replace(/_/g, '-') : name;
}

function whyRefused(token: string): string | null {
  const name = optionName(token);
  if (name === null) return null;
  const exact = CODE_OPTIONS[name];
  if (exact) return exact;
  for (const [prefix, why] of CODE_OPTION_PREFIXES) if (name.startsWith(prefix)) return why;
  return null;
}

/** Every option in execArgv or NODE_OPTIONS, and every environment variable, that loads or exposes code. */
export function findRefusedOptions(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): RefusedOption[] {
  const found: RefusedOption[] = [];
  for (const token of execArgv) {
    const why = whyRefused(token);
    if (why) found.push({ source: 'execArgv', option: token, why });
  }
  for (const token of parseNodeOptions(env.NODE_OPTIONS ?? '')) {
    const why = whyRefused(token);
    if (why) found.push({ source: 'NODE_OPTIONS', option: token, why });
  }
  for (const [name, why] of Object.entries(CODE_VARIABLES)) {
    if (env[name] !== undefined && env[name] !== '') found.push({ source: 'environment', option: name, why });
  }
  return found;
}

export class NodeOptionsError extends Error {
  readonly code = 'ENODEOPTIONS';
  constructor(readonly refused: RefusedOption[]) {
    super(
      `refusing to run with node options that load or expose code: ${refused.map(describeRefused).join('; ')}. ` +
        'Start the agent without them, or pass --allow-node-options if you mean it',
    );
    this.name = 'NodeOptionsError';
  }
}

export function describeRefused(r: RefusedOption): string {
  const where = r.source === 'execArgv' ? 'node option' : r.source === 'NODE_OPTIONS' ? 'NODE_OPTIONS' : 'environment variable';
  return `${where} ${r.option} (${r.why})`;
}

/** Throws NodeOptionsError unless allowed; returns what was found (for a warning when allowed). */
export function checkNodeOptions(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>, allow: boolean): RefusedOption[] {
  const refused = findRefusedOptions(execArgv, env);
  if (refused.length > 0 && !allow) throw new NodeOptionsError(refused);
  return refused;
}

export interface InspectorLike {
  url(): string | undefined;
  close(): void;
}

/** Closes node's inspector if something opened it (a SIGUSR1 that raced the launcher's listener).
 * Returns the URL it listened on, or null. */
export function closeInspectorIfOpen(inspector: InspectorLike): string | null {
  const url = inspector.url();
  if (url === undefined) return null;
  inspector.close();
  return url;
}

/** What the ready line records about node. */
export type NodeRuntimeInfo = NodeReadyInfo;

export function describeNodeRuntime(p: {
  version: string;
  executable: string;
  sha256: string;
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  allowNodeOptions: boolean;
}): NodeRuntimeInfo {
  return {
    version: p.version,
    executable: p.executable,
    sha256: p.sha256,
    execArgv: [...p.execArgv],
    nodeOptions: p.env.NODE_OPTIONS === undefined || p.env.NODE_OPTIONS === '' ? null : p.env.NODE_OPTIONS,
    sigusr1: p.execArgv.includes('--disable-sigusr1') ? 'disabled' : 'handled',
    allowNodeOptions: p.allowNodeOptions,
  };
}
