/**
 * `lsmwatch install-service`: writes the systemd unit for this copy of lsmwatch, creates the state
 * directory (0700) and the configuration directory with the default policy (kept if one is there),
 * and says how to start it. `--print` only prints the unit. `make install` runs it with --destdir
 * and --package-root for a staged install.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderUnit, UNIT_NAME } from './unit.js';

export const INSTALL_USAGE =
  'usage: lsmwatch install-service [--print] [--package-root DIR] [--destdir DIR] [--unit-dir DIR] [--config-dir DIR] [--state-dir DIR] [--node PATH]';

export interface InstallOptions {
  print: boolean;
  packageRoot: string;
  destdir: string;
  unitDir: string;
  configDir: string;
  stateDir: string;
  node: string;
}

export function parseInstallArgs(argv: string[], defaults: { packageRoot: string; node: string }): InstallOptions | string {
  const o: InstallOptions = {
    print: false,
    packageRoot: defaults.packageRoot,
    destdir: '',
    unitDir: '/etc/systemd/system',
    configDir: '/etc/lsmwatch',
    stateDir: '/var/lib/lsmwatch',
    node: defaults.node,
  };
  const dirFlags: Record<string, keyof InstallOptions> = {
    '--package-root': 'packageRoot',
    '--destdir': 'destdir',
    '--unit-dir': 'unitDir',
    '--config-dir': 'configDir',
    '--state-dir': 'stateDir',
    '--node': 'node',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--print') {
      o.print = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const key = dirFlags[flag];
    if (!key) return INSTALL_USAGE;
    const value = eq !== -1 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (key !== 'destdir' && !value.startsWith('/'))) return `${flag} needs an absolute path`;
    (o as unknown as Record<string, string>)[key] = value.replace(/\/+$/, '') || '/';
  }
  return o;
}

function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export function installService(o: InstallOptions, version: string, out: NodeJS.WritableStream): number {
  const unit = renderUnit({ node: o.node, packageRoot: o.packageRoot, version });
  if (o.print) {
    out.write(unit);
    return 0;
  }
  const at = (p: string) => (o.destdir ? join(o.destdir, p) : p);
  mkdirSync(at(o.unitDir), { recursive: true, mode: 0o755 });
  const unitPath = at(join(o.unitDir, UNIT_NAME));
  writeAtomically(unitPath, unit, 0o644);
  out.write(`lsmwatch: wrote ${unitPath}\n`);

  mkdirSync(dirname(at(o.stateDir)), { recursive: true, mode: 0o755 }); // /var/lib stays as it is
  mkdirSync(at(o.stateDir), { recursive: true, mode: 0o700 });
  chmodSync(at(o.stateDir), 0o700); // an existing directory is tightened too
  out.write(`lsmwatch: state directory ${at(o.stateDir)} (0700)\n`);

  mkdirSync(at(o.configDir), { recursive: true, mode: 0o755 });
  const policy = at(join(o.configDir, 'policy.json'));
  if (existsSync(policy)) {
    out.write(`lsmwatch: kept the existing policy ${policy}\n`);
  } else {
    const source = existsSync(join(o.packageRoot, 'policy.json')) ? join(o.packageRoot, 'policy.json') : join(at(o.packageRoot), 'policy.json');
    copyFileSync(source, policy);
    chmodSync(policy, 0o644);
    out.write(`lsmwatch: installed the default policy as ${policy} (edit it, then: systemctl reload lsmwatch)\n`);
  }
  out.write('lsmwatch: now run: systemctl daemon-reload && systemctl enable --now lsmwatch\n');
  return 0;
}

/** The node that runs this process, as an absolute path without symlinks (systemd wants a literal path). */
export function currentNode(): string {
  try {
    return realpathSync(process.execPath);
  } catch {
    return process.execPath;
  }
}
