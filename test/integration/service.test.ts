/** The systemd unit (host only): `systemd-analyze verify` passes on what install-service writes, and
 * its exact ExecStart runs by hand with the unit's environment and as much of its sandbox as can be
 * reproduced without systemd as PID 1: the capability bounding set and no_new_privs (with_caps),
 * a mount namespace with ProtectSystem=strict, ProtectHome=read-only, ProtectKernelTunables,
 * ProtectControlGroups, PrivateDevices and ProtectKernelModules done by hand, a UTS namespace
 * (ProtectHostname), UMask, LimitMEMLOCK and OOMScoreAdjust. Type=notify is checked with a real
 * notify socket; the syscall-filter settings with strace (the agent never makes the calls they block).
 * MemoryDenyWriteExecute is shown to kill node's JIT (PR_SET_MDWE, what systemd uses). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ndjson from 'ndjson';
import { agentBin, helperBin, inVm, makeSandbox, repoRoot, run, sleep, type Event, type Sandbox } from './harness.js';

const service = suite('systemd unit');
let box: Sandbox;
let unitText = '';

service.before(() => {
  box = makeSandbox();
  unitText = run(process.execPath, [agentBin, 'install-service', '--print']);
});
service.after(() => box.cleanup());

/** The values of a unit key, in order (later lines add to, or for single values replace, earlier ones). */
const unitValues = (key: string) =>
  unitText
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

/** systemd's ExecStart splitting and ${VAR} expansion, for the unquoted words this unit uses. */
function expandExecStart(line: string, env: Record<string, string>): string[] {
  return line
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
}

const CAP_NUMBERS: Record<string, number> = { CAP_DAC_READ_SEARCH: 2, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 };

function capsOf(names: string[]): string {
  return names.map((n) => {
    const c = CAP_NUMBERS[n];
    if (c === undefined) throw new Error(`no number for ${n}`);
    return c;
  }).join(',');
}

/** The mount namespace of the unit's sandbox, by hand (run as root inside `unshare --mount --uts`). */
function sandboxScript(dirs: { state: string; runtime: string; config: string }, command: string[]): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'set -e',
    'mount --make-rprivate /',
    // StateDirectory=/RuntimeDirectory= stay writable under ProtectSystem=strict
    `for d in ${q(dirs.state)} ${q(dirs.runtime)}; do mount --bind "$d" "$d"; done`,
    // ProtectSystem=strict (and with it ProtectHome=read-only: /home and /root are on the root file system here)
    'mount -o remount,bind,ro /',
    'for d in /home /root /run/user; do if [ -d "$d" ] && mountpoint -q "$d"; then mount -o remount,bind,ro "$d"; fi; done',
    // PrivateDevices=yes: a fresh /dev with the basic nodes only
    'mount -t tmpfs -o mode=755,nosuid tmpfs /dev',
    'for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do set -- $n; mknod -m 666 "/dev/$1" c "$2" "$3"; done',
    'mkdir /dev/shm /dev/pts',
    // ProtectKernelTunables=yes, ProtectControlGroups=yes
    'for m in $(findmnt -rn -o TARGET -R /sys) /proc/sys; do mount -o remount,bind,ro "$m" 2>/dev/null || true; done',
    // ProtectKernelModules=yes, ProtectKernelLogs=yes
    'for d in /usr/lib/modules /lib/modules; do [ -d "$d" ] && mount -t tmpfs -o ro,mode=000 tmpfs "$d"; done',
    'mount --bind /dev/null /proc/kmsg 2>/dev/null || true',
    // ProtectHostname=yes: this is a UTS namespace of our own
    'hostname lsmwatch-unit-test',
    // UMask=0077, LimitMEMLOCK=infinity, OOMScoreAdjust=-900, then the unit's ExecStart
    'umask 0077',
    // (this CI machine lets no one raise RLIMIT_MEMLOCK or lower oom_score_adj, not even root: where
    // it refuses, they stay as they are; kernels since 5.11 charge BPF maps to the memory cgroup anyway)
    'set --',
    'if prlimit --memlock=unlimited:unlimited true 2>/dev/null; then set -- "$@" prlimit --memlock=unlimited:unlimited; fi',
    'if choom -n -900 -- true 2>/dev/null; then set -- "$@" choom -n -900 --; fi',
    `exec "$@" ${command.map(q).join(' ')}`,
  ].join('\n');
}

interface ByHand {
  child: ChildProcessWithoutNullStreams;
  events: Event[];
  notices: () => string;
  stderr: () => string;
  exited: Promise<number | string>;
  waitFor(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

/** Starts the unit's ExecStart the way systemd would, with the test's directories standing in for /etc, /var/lib and /run. */
function startByHand(options: { caps: string[]; wrapper?: string[]; extraEnv?: Record<string, string>; noSandbox?: boolean }): ByHand & { dirs: Record<string, string> } {
  const dirs = { state: join(box.root, 'state'), runtime: join(box.root, 'runtime'), config: join(box.root, 'config') };
  for (const [name, d] of Object.entries(dirs)) {
    mkdirSync(d, { recursive: true, mode: name === 'config' ? 0o755 : 0o700 });
    chmodSync(d, name === 'config' ? 0o755 : 0o700); // StateDirectoryMode=0700, RuntimeDirectoryMode=0700
  }
  writeFileSync(join(dirs.config, 'policy.json'), JSON.stringify({ watch: [`${box.watched}/`], stats: { interval: 3600 }, integrity: { interval: 1 }, state: { baseline: [join(box.watched, 'baseline')] } }));
  // owned by another user and private to it: root reads it only with CAP_DAC_READ_SEARCH
  writeFileSync(join(box.watched, 'baseline'), 'baseline file\n');
  chmodSync(join(box.watched, 'baseline'), 0o600);
  chownSync(join(box.watched, 'baseline'), 65534, 65534);
  const notify = spawn(helperBin('notify_listen'), [join(dirs.runtime, 'notify.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let notices = '';
  notify.stdout.setEncoding('utf8');
  notify.stdout.on('data', (d: string) => (notices += d));
  // A system service's environment: PATH from the manager, the unit's Environment= lines, the
  // directories and the notify socket; nothing inherited (NODE_OPTIONS cannot leak in).
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    STATE_DIRECTORY: dirs.state,
    RUNTIME_DIRECTORY: dirs.runtime,
    CONFIGURATION_DIRECTORY: dirs.config,
    NOTIFY_SOCKET: join(dirs.runtime, 'notify.sock'),
    WATCHDOG_USEC: '2000000',
    ...options.extraEnv,
  };
  for (const assignment of unitValues('Environment')) {
    const eq = assignment.indexOf('=');
    env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  for (const name of unitValues('UnsetEnvironment').flatMap((v) => v.split(/\s+/))) delete env[name];
  const execStart = expandExecStart(unitValues('ExecStart')[0]!, env);
  const withCaps = [helperBin('with_caps'), '--no-new-privs', capsOf(options.caps), '--', ...(options.wrapper ?? []), ...execStart];
  const command = options.noSandbox ? withCaps : ['unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', sandboxScript(dirs, withCaps)];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env }) as unknown as ChildProcessWithoutNullStreams;
  const events: Event[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  child.stdout.pipe(ndjson.parse({ strict: true })).on('data', (e: Event) => events.push(e));
  const exited = new Promise<number | string>((res) =>
    child.on('exit', (code, signal) => {
      notify.kill();
      res(code ?? signal ?? -1);
    }),
  );
  return {
    dirs,
    child,
    events,
    notices: () => notices,
    stderr: () => stderr,
    exited,
    async waitFor(pred, what, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (child.exitCode !== null || Date.now() > end) throw new Error(`waiting for ${what}: stderr:\n${stderr}\nnotify:\n${notices}\nevents: ${events.length}`);
        await sleep(50);
      }
    },
  };
}

const UNIT_CAPS = () => unitValues('CapabilityBoundingSet')[0]!.split(/\s+/);

if (!inVm) {
  service('systemd-analyze verify passes on the unit install-service writes, with no warning', () => {
    const dir = join(box.root, 'unit');
    mkdirSync(dir);
    writeFileSync(join(dir, 'lsmwatch.service'), unitText);
    const verify = spawnSync('systemd-analyze', ['verify', join(dir, 'lsmwatch.service')], { encoding: 'utf8' });
    assert.is(verify.status, 0, verify.stderr);
    assert.is(verify.stdout + verify.stderr, '', 'no warnings');
    // and it does catch what it should: a misspelt key is a warning
    writeFileSync(join(dir, 'lsmwatch.service'), unitText.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
    assert.match(spawnSync('systemd-analyze', ['verify', join(dir, 'lsmwatch.service')], { encoding: 'utf8' }).stderr, /Unknown key 'NoNewPrivilege'/);
  });

  service('the exact ExecStart, with the unit\'s environment, capabilities and sandbox: ready, READY=1, reload by ExecReload, watchdog, clean stop', async () => {
    const agent = startByHand({ caps: UNIT_CAPS() });
    try {
      await agent.waitFor(() => agent.events.some((e) => e.type === 'ready'), 'ready');
      await agent.waitFor(() => agent.notices().includes('READY=1'), 'READY=1 on the notify socket');
      const ready = agent.events.find((e) => e.type === 'ready')!;
      assert.is(ready.state_db, join(agent.dirs.state, 'state.db'));
      assert.is(ready.policy, join(agent.dirs.config, 'policy.json'));
      assert.match(agent.notices(), /^READY=1\|STATUS=watching 1 policy paths \(\d+ map entries\) with the tracepoint sensor$/m);
      // the process really runs with the unit's limits
      const pid = agent.child.pid!;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      assert.match(status, /^NoNewPrivs:\s+1$/m);
      const bounding = BigInt(`0x${/^CapBnd:\s+([0-9a-f]+)$/m.exec(status)![1]}`);
      const expected = UNIT_CAPS().reduce((m, c) => m | (1n << BigInt(CAP_NUMBERS[c]!)), 0n);
      assert.is(bounding, expected, 'CapBnd is exactly the unit\'s CapabilityBoundingSet');
      if (spawnSync('choom', ['-n', '-900', '--', 'true']).status === 0) assert.is(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim(), '-900');
      if (spawnSync('prlimit', ['--memlock=unlimited:unlimited', 'true']).status === 0) {
        assert.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max locked memory\s+unlimited\s+unlimited/m);
      }
      // everything works with them: baseline hashed, integrity clean (attachments checked by id)
      await agent.waitFor(() => agent.events.some((e) => e.type === 'integrity' && e.status === 'baseline'), 'integrity baseline');
      assert.is(agent.events.find((e) => e.type === 'integrity' && e.status === 'baseline')!.problems, 0, agent.stderr());
      await agent.waitFor(() => agent.events.some((e) => e.type === 'baseline'), 'baseline line');
      assert.is(agent.events.find((e) => e.type === 'baseline')!.files, 1);
      assert.is(statSync(join(agent.dirs.state, 'state.db')).mode & 0o777, 0o600);
      assert.is(statSync(join(agent.dirs.runtime, 'control.sock')).mode & 0o777, 0o600);
      run('sh', ['-c', 'echo x >> "$1"', 'w', join(box.watched, 'seen')]);
      await agent.waitFor(() => agent.events.some((e) => e.type === 'write' && e.path === join(box.watched, 'seen')), 'an event');
      // the watchdog pings come from the JavaScript thread
      await agent.waitFor(() => (agent.notices().match(/^WATCHDOG=1$/gm) ?? []).length >= 2, 'WATCHDOG=1 pings');
      // ExecReload, with $MAINPID as systemd fills it in
      const reloadCmd = unitValues('ExecReload')[0]!.replace('$MAINPID', String(pid)).split(' ');
      assert.is(spawnSync(reloadCmd[0]!, reloadCmd.slice(1)).status, 0);
      await agent.waitFor(() => agent.events.some((e) => e.type === 'policy' && e.status === 'reloaded'), 'reloaded line');
      await agent.waitFor(() => /RELOADING=1\|MONOTONIC_USEC=\d+\n(WATCHDOG=1\n)*READY=1/.test(agent.notices()), 'RELOADING=1 then READY=1');
      // KillSignal=SIGTERM
      agent.child.kill('SIGTERM');
      assert.is(await agent.exited, 0);
      assert.match(agent.notices(), /STOPPING=1/);
      assert.ok(agent.events.some((e) => e.type === 'stats' && e.final === true));
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await agent.exited;
    }
  });

  service('the bounding set is what the agent needs: without SYS_ADMIN the attachment check fails, without it and BPF nothing loads, without DAC_READ_SEARCH other users\' files cannot be baselined', async () => {
    /** Runs the agent with a bounding set and says how far it got. */
    const tryCaps = async (caps: string[]) => {
      const agent = startByHand({ caps, noSandbox: true });
      const outcome = await Promise.race([
        agent.exited.then((code) => ({ exit: code, integrity: [] as string[], stderr: agent.stderr() })),
        (async () => {
          await agent.waitFor(() => agent.events.some((e) => e.type === 'integrity' && e.status === 'baseline'), 'integrity baseline', 20_000).catch(() => {});
          await agent.waitFor(() => agent.events.some((e) => e.type === 'baseline'), 'baseline', 5_000).catch(() => {});
          return { exit: null, integrity: agent.events.filter((e) => e.type === 'integrity' && e.status !== 'baseline').map((e) => String(e.status)), stderr: agent.stderr() };
        })(),
      ]);
      if (agent.child.exitCode === null) agent.child.kill('SIGTERM');
      await agent.exited;
      return outcome;
    };
    const all = UNIT_CAPS();
    const full = await tryCaps(all);
    assert.is(full.exit, null);
    assert.equal(full.integrity, [], full.stderr);
    assert.not.match(full.stderr, /EACCES/);
    const noAdmin = await tryCaps(all.filter((c) => c !== 'CAP_SYS_ADMIN'));
    assert.is(noAdmin.exit, null, 'it still loads and runs (CAP_BPF, CAP_PERFMON)');
    assert.ok(noAdmin.integrity.length > 0 && noAdmin.integrity.every((s) => s === 'detached'), `programs cannot be looked up by id: ${noAdmin.integrity.join(',')}`);
    const noLoad = await tryCaps(all.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_BPF'));
    assert.is(noLoad.exit, 1, `nothing loads without CAP_BPF (and CAP_SYS_ADMIN, which implies it): ${noLoad.stderr}`);
    const noPerfmon = await tryCaps(all.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_PERFMON'));
    assert.is(noPerfmon.exit, 1, `nothing loads without CAP_PERFMON (or CAP_SYS_ADMIN): ${noPerfmon.stderr}`);
    const noDac = await tryCaps(all.filter((c) => c !== 'CAP_DAC_READ_SEARCH'));
    assert.match(noDac.stderr, /warning: baseline: \S+\/baseline: EACCES/, 'another user\'s 0600 file cannot be read');
    console.log(`  without CAP_SYS_ADMIN: integrity ${noAdmin.integrity.length} x ${noAdmin.integrity[0]}; without it and CAP_BPF: exit ${String(noLoad.exit)}: ${noLoad.stderr.trim().split('\n').at(-1)}; without it and CAP_PERFMON: exit ${String(noPerfmon.exit)}: ${noPerfmon.stderr.trim().split('\n').at(-1)}`);
  });

  service('the calls the syscall-filter settings block are never made (strace): LockPersonality, RestrictRealtime, RestrictNamespaces, RestrictAddressFamilies, RestrictSUIDSGID', async () => {
    const trace = join(box.root, 'strace.txt');
    const agent = startByHand({
      caps: UNIT_CAPS(),
      noSandbox: true,
      wrapper: ['/usr/bin/strace', '--seccomp-bpf', '-f', '-qq', '-o', trace, '-e', 'trace=personality,sched_setscheduler,sched_setattr,unshare,setns,clone,clone3,socket,chmod,fchmod,fchmodat,mknod,mknodat'],
    });
    try {
      await agent.waitFor(() => agent.events.some((e) => e.type === 'ready'), 'ready', 60_000);
      await agent.waitFor(() => agent.events.some((e) => e.type === 'integrity' && e.status === 'baseline'), 'integrity baseline', 60_000);
      run(process.execPath, [agentBin, 'ctl', '--control', join(agent.dirs.runtime, 'control.sock'), 'reload']);
      run(process.execPath, [agentBin, 'top', '--once', '--interval', '0.2', '--control', join(agent.dirs.runtime, 'control.sock')]);
      process.kill(agent.events.find((e) => e.type === 'ready')!.pid as number, 'SIGTERM'); // the agent, not strace
      await agent.exited;
    } finally {
      // strace killed would leave its tracee running: stop the agent itself
      const pid = agent.events.find((e) => e.type === 'ready')?.pid as number | undefined;
      if (pid && agent.child.exitCode === null) process.kill(pid, 'SIGTERM');
      await Promise.race([agent.exited, sleep(10_000)]);
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await agent.exited;
    }
    const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    const calls = (name: string) => lines.filter((l) => new RegExp(`^\\d+\\s+${name}\\(`).test(l));
    assert.ok(calls('socket').length > 0 && calls('clone3').length + calls('clone').length > 0, 'strace saw the agent run');
    const families = new Set(calls('socket').map((l) => /socket\((AF_[A-Z0-9]+)/.exec(l)?.[1]));
    assert.ok([...families].every((f) => f === 'AF_UNIX' || f === 'AF_INET' || f === 'AF_INET6'), `socket families: ${[...families].join(', ')}`);
    assert.equal(calls('personality').filter((l) => !/personality\(0xffffffff\)/.test(l)), [], 'no personality change');
    assert.equal([...calls('sched_setscheduler'), ...calls('sched_setattr')].filter((l) => /SCHED_(FIFO|RR|DEADLINE)/.test(l)), [], 'no realtime scheduling');
    assert.equal([...calls('unshare'), ...calls('setns')], [], 'no namespaces');
    assert.equal([...calls('clone'), ...calls('clone3')].filter((l) => /CLONE_NEW/.test(l)), [], 'no new namespaces through clone');
    assert.equal([...calls('chmod'), ...calls('fchmod'), ...calls('fchmodat')].filter((l) => /S_IS[UG]ID|0[4-7][0-7]{3}\)/.test(l)), [], 'no setuid/setgid bits');
    assert.equal([...calls('mknod'), ...calls('mknodat')], []);
  });

  service('MemoryDenyWriteExecute would kill node: its JIT needs W+X memory; node --jitless survives it', () => {
    const code = 'let s = 0; for (let i = 0; i < 1e6; i++) s += i; process.stdout.write(String(s));';
    const jit = spawnSync(helperBin('with_caps'), ['--mdwe', 'none', '--', process.execPath, '-e', code], { encoding: 'utf8' });
    assert.ok(jit.status !== 0, `node with MDWE exited ${jit.status}`);
    assert.match(jit.stderr, /Check failed|SetPermissions|Fatal/);
    const jitless = spawnSync(helperBin('with_caps'), ['--mdwe', 'none', '--', process.execPath, '--jitless', '-e', code], { encoding: 'utf8' });
    assert.is(jitless.status, 0, jitless.stderr);
    assert.is(jitless.stdout, '499999500000');
  });

  service('make install into a staging root: the runtime tree, the unit, the state directory 0700; the staged agent runs with a clean integrity check', () => {
    const dest = join(box.root, 'dest');
    const make = spawnSync('make', ['--no-print-directory', '-C', repoRoot, 'install', `DESTDIR=${dest}`, 'PREFIX=/usr/local'], { encoding: 'utf8' });
    assert.is(make.status, 0, make.stdout + make.stderr);
    const lib = join(dest, 'usr/local/lib/lsmwatch');
    for (const f of ['bin/lsmwatch.js', 'build/manifest.json', 'build/native/lsmwatch.node', 'build/dist/cli/main.js', 'policy.json', 'node_modules/better-sqlite3', 'node_modules/chalk']) {
      assert.ok(existsSync(join(lib, f)), f);
    }
    assert.not.ok(existsSync(join(lib, 'node_modules/typescript')), 'no build-only packages');
    assert.is(statSync(join(dest, 'var/lib/lsmwatch')).mode & 0o777, 0o700);
    const unit = readFileSync(join(dest, 'etc/systemd/system/lsmwatch.service'), 'utf8');
    assert.match(unit, /^ExecStart=\S+ \/usr\/local\/lib\/lsmwatch\/bin\/lsmwatch\.js run /m);
    assert.ok(existsSync(join(dest, 'etc/lsmwatch/policy.json')));
    assert.match(run(process.execPath, [join(lib, 'bin/lsmwatch.js'), '--version']), /^lsmwatch \d+\.\d+\.\d+\n$/);
  });

  service('the staged copy runs, and its own files pass the integrity check', async () => {
    const lib = join(box.root, 'dest/usr/local/lib/lsmwatch');
    const child = spawn(process.execPath, [join(lib, 'bin/lsmwatch.js'), '--policy', box.policyFile, '--sensor', 'tracepoint', '--no-state', '--control', join(box.root, 'staged.sock')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Event[] = [];
    child.stdout.pipe(ndjson.parse({ strict: true })).on('data', (e: Event) => events.push(e));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const end = Date.now() + 20_000;
      while (!events.some((e) => e.type === 'integrity' && e.status === 'baseline') && Date.now() < end) await sleep(100);
      const baseline = events.find((e) => e.type === 'integrity' && e.status === 'baseline');
      assert.ok(baseline, stderr);
      assert.is(baseline!.problems, 0, JSON.stringify(events.filter((e) => e.type === 'integrity')));
      assert.ok((baseline!.files_checked as number) > 100);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });
}

service.run();
