/** No ptrace_agent floods: root's find, ps and top over the agent's /proc entries raise no
 * ptrace_agent alert, nor does lsof (which also opens maps and fdinfo/N); an attach still raises
 * one, with the count of the attaches one process made; opening one of the agent's files through
 * /proc/<agent>/fd/N (LSM sensor: a read-mode check that is no inspection) raises one too. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { baseArgs, controlPath, helperBin, makeSandbox, run, sensorUnderTest, sleep, startAgent, type Event, type Sandbox } from './harness.js';

const test = suite('ptrace_agent without floods');
let box: Sandbox;

test.before(() => {
  box = makeSandbox();
});
test.after(() => box.cleanup());

/** The VM image carries the host's procps and findutils under /opt/host/bin (busybox's are the
 * fallback); the host has them in PATH. */
function tool(name: string): string {
  const host = `/opt/host/bin/${name}`;
  return existsSync(host) ? host : name;
}

/** Runs a walker to the end; its output is not the point, only what it makes the kernel check. */
function walk(file: string, args: string[]): void {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  } catch (err) {
    // find exits 1 for entries that vanished under it (/proc); that is not this test's concern
    if ((err as { status?: number }).status === undefined) throw err;
  }
}

const ptraceAgentAlerts = (events: Event[]) => events.filter((e) => e.type === 'alert' && e.rule === 'ptrace_agent');

test('root walking the agent with find, ps, top and lsof raises no ptrace_agent alert; an attach raises one with its count', async () => {
  const agent = startAgent(baseArgs(box));
  try {
    await agent.waitFor((e) => e.type === 'ready', 'ready');
    const pid = agent.child.pid!;
    walk(tool('find'), ['/']);
    walk(tool('find'), [`/proc/${pid}/fd/`, `/proc/${pid}/task/${pid}/fd/`, '-maxdepth', '1', '-follow']); // stat through the fd links as well
    walk(tool('ps'), ['aux']);
    walk(tool('ps'), ['-eLf']);
    walk(tool('top'), ['-b', '-n1']);
    walk('ls', ['-l', `/proc/${pid}/fd/`, `/proc/${pid}/task/${pid}/fd/`, `/proc/${pid}/ns/`, `/proc/${pid}/`]);
    // lsof also opens the agent's maps and fdinfo/N, ps aux its environ: inspections too
    const haveLsof = existsSync(tool('lsof')) || existsSync('/usr/bin/lsof');
    if (haveLsof) walk(tool('lsof'), ['-n', '-P', '-w', '-p', String(pid)]);
    // the marker: one process attaching three times, after every walk above
    assert.match(run(helperBin('ptrace_attach'), [String(pid), 'attach', '3']), /^attached/);
    const alert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.comm === 'ptrace_attach', 'ptrace_agent alert of the attach');
    assert.is(alert.mode, 'attach');
    // LSM: three attach-mode checks; tracepoint: three PTRACE_ATTACH and three PTRACE_DETACH requests
    assert.is(alert.count, sensorUnderTest === 'lsm' ? 3 : 6, 'the three attaches of one process are one alert');
    await sleep(1500); // a second alert for the same process would come after its hold window
    const alerts = ptraceAgentAlerts(agent.events);
    assert.equal(
      alerts.map((a) => `${String(a.comm)} ${String(a.mode)}`),
      ['ptrace_attach attach'],
      `find, ps, top, lsof and ls raise none; the attach one: ${alerts.map((a) => JSON.stringify(a)).join('\n')}`,
    );
    // the walks left at most ptrace lines that say they were walks (denials under --protect only)
    const reads = agent.events.filter((e) => e.type === 'ptrace' && e.target_pid === pid && e.mode === 'read' && e.walk !== true);
    assert.is(reads.length, 0, `read-mode ptrace lines of the walks: ${reads.slice(0, 3).map((e) => JSON.stringify(e)).join('\n')}`);
  } finally {
    await agent.stop();
  }
});

if (sensorUnderTest === 'lsm') {
  test("opening one of the agent's files through /proc/<agent>/fd/N (also with O_PATH) raises ptrace_agent; reading its environ (ps aux does) does not", async () => {
    const db = join(box.root, 'fd-test', 'state.db');
    const agent = startAgent(['--policy', box.policyFile, '--sensor', sensorUnderTest, '--db', db, '--control', controlPath(box)]);
    try {
      await agent.waitFor((e) => e.type === 'baseline', 'baseline');
      const pid = agent.child.pid!;
      const fd = readdirSync(`/proc/${pid}/fd`).find((n) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${n}`) === db;
        } catch {
          return false;
        }
      });
      assert.ok(fd, 'the agent holds its state database open');
      run('cat', [`/proc/${pid}/environ`]);
      run('head', ['-c', '0', `/proc/${pid}/fd/${fd}`]);
      const alert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.comm === 'head', 'ptrace_agent of the open through fd/');
      assert.equal([alert.mode, alert.count], ['read', 1]);
      // an O_PATH descriptor of the link, reopened through /proc/self: the same access
      assert.match(run(helperBin('open_path'), [`/proc/${pid}/fd/${fd}`]), /^reopened/);
      await agent.waitFor((e) => e.type === 'alert' && e.rule === 'ptrace_agent' && e.comm === 'open_path', 'ptrace_agent of the O_PATH open');
      await sleep(1500);
      const cat = ptraceAgentAlerts(agent.events).filter((a) => a.comm === 'cat');
      assert.is(cat.length, 0, `environ is an inspection: ${cat.map((a) => JSON.stringify(a)).join('\n')}`);
    } finally {
      await agent.stop();
    }
  });
}

test.run();
