/** Policy reload end to end (host: tracepoint sensor; VM: LSM sensor): a writer loops on a file that
 * both policies watch while the watch list is swapped three times (SIGHUP and ctl reload); no event
 * of it is lost, no program detached, the counters run on. A directory only the new policy watches
 * reports after the reloaded line, also through a descriptor opened before the reload; one only the
 * old policy watched goes quiet. A broken policy is rejected with the message a start gives, and the
 * policy in force stays enforced. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  agentBin,
  baseArgs,
  controlPath,
  helperBin,
  inVm,
  loadedLsmwatchProgramIds,
  makeSandbox,
  run,
  sleep,
  startAgent,
  type Event,
  type RunningAgent,
  type Sandbox,
} from './harness.js';

const reload = suite('policy reload');
let box: Sandbox;
let dirs: { keep: string; old: string; fresh: string; unwatched: string };

reload.before(() => {
  box = makeSandbox();
  dirs = { keep: join(box.root, 'keep'), old: join(box.root, 'old'), fresh: join(box.root, 'new'), unwatched: box.unwatched };
  for (const d of [dirs.keep, dirs.old, dirs.fresh]) mkdirSync(d);
});
reload.after(() => box.cleanup());

const policyV1 = () => ({ watch: [`${dirs.keep}/`, `${dirs.old}/`], stats: { interval: 3600 }, integrity: { interval: 1 } });
const policyV2 = () => ({ watch: [`${dirs.keep}/`, `${dirs.fresh}/`], stats: { interval: 3600 }, integrity: { interval: 1 } });

/** As configuration management does it: a new file renamed over the old one. */
function writePolicy(content: string | object): void {
  const tmp = `${box.policyFile}.new`;
  writeFileSync(tmp, typeof content === 'string' ? content : JSON.stringify(content));
  renameSync(tmp, box.policyFile);
}

const reloadedLines = (agent: RunningAgent) => agent.events.filter((e) => e.type === 'policy' && e.status === 'reloaded');

async function reloadBy(agent: RunningAgent, how: 'SIGHUP' | 'ctl'): Promise<Event> {
  const before = reloadedLines(agent).length;
  if (how === 'SIGHUP') agent.child.kill('SIGHUP');
  else run(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'reload']);
  await agent.waitFor(() => reloadedLines(agent).length > before, `reloaded line #${before + 1}`);
  return reloadedLines(agent)[before]!;
}

/** A helper that keeps a file open; "w" writes one byte through that descriptor. */
function holdOpen(path: string) {
  const child = spawn(helperBin('hold_open'), [path], { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  const waitOut = async (pattern: RegExp, count = 1) => {
    const end = Date.now() + (inVm ? 60_000 : 10_000);
    while ((out.match(new RegExp(pattern, 'g')) ?? []).length < count) {
      if (Date.now() > end) throw new Error(`hold_open ${path}: no ${String(pattern)} in ${JSON.stringify(out)}`);
      await sleep(20);
    }
  };
  let writes = 0;
  return {
    child,
    ready: () => waitOut(/open\n/),
    pid: () => Number(out.split('\n')[0]),
    async write() {
      child.stdin.write('w\n');
      await waitOut(/wrote\n/, ++writes);
    },
    close: () => child.stdin.end('q\n'),
  };
}

/** Waits until an event from a write to `path` (a sentinel) is in: everything before it was delivered. */
async function sentinel(agent: RunningAgent, name: string): Promise<number> {
  const path = join(dirs.keep, name);
  run('sh', ['-c', 'echo s >> "$1"', 'sentinel', path]);
  await agent.waitFor((e) => e.type === 'write' && e.path === path, `sentinel ${name}`);
  return agent.events.length;
}

const fileEventsOf = (agent: RunningAgent, path: string, from = 0) =>
  agent.events.slice(from).filter((e) => (e.type === 'open' || e.type === 'write') && e.path === path);

reload('the watch list is swapped three times under a looping writer: nothing lost, nothing detached, new paths report, old ones stop', async () => {
  writePolicy(policyV1());
  const agent = startAgent([...baseArgs(box), '--stats-interval', '1']);
  const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
  const heldNew = holdOpen(join(dirs.fresh, 'held'));
  const heldOld = holdOpen(join(dirs.old, 'held'));
  try {
    await Promise.all([heldNew.ready(), heldOld.ready()]);
    const progIds = ready.prog_ids as number[];

    // before: new/ is not watched, old/ is
    await heldNew.write();
    await heldOld.write();
    const beforeReload = await sentinel(agent, 'sentinel-0');
    assert.is(fileEventsOf(agent, join(dirs.fresh, 'held')).length, 0, 'new/ is not watched yet');
    assert.ok(fileEventsOf(agent, join(dirs.old, 'held')).some((e) => e.type === 'write'), 'old/ is watched');

    // the writer: a known number of open+write+close on a file both policies watch
    const count = inVm ? 150 : 400;
    const loopFile = join(dirs.keep, 'loop');
    const writer = spawn(helperBin('write_loop'), ['reopen', loopFile, String(count), inVm ? '20000' : '5000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let writerOut = '';
    writer.stdout.on('data', (d: Buffer) => (writerOut += d.toString()));
    const writerDone = new Promise<number>((res) => writer.on('exit', (code) => res(code ?? -1)));
    await agent.waitFor((e) => e.type === 'open' && e.path === loopFile, 'the writer started');

    writePolicy(policyV2());
    const first = await reloadBy(agent, 'SIGHUP');
    writePolicy(policyV1());
    const second = await reloadBy(agent, 'ctl');
    writePolicy(policyV2());
    const third = await reloadBy(agent, 'SIGHUP');
    const thirdAt = agent.events.indexOf(third);
    assert.is(await writerDone, 0, 'the writer finished');
    const writerPid = Number(writerOut.split('\n')[0]);
    assert.match(writerOut, new RegExp(`done ${count}`));

    assert.equal((first.changes as Record<string, unknown>).watch, { added: [`${dirs.fresh}/`], removed: [`${dirs.old}/`] });
    assert.equal((second.changes as Record<string, unknown>).watch, { added: [`${dirs.old}/`], removed: [`${dirs.fresh}/`] });
    assert.equal([first.trigger, second.trigger, third.trigger], ['SIGHUP', 'ctl', 'SIGHUP']);
    assert.ok(reloadedLines(agent).every((r) => (r.requires_restart as string[]).length === 0));

    // after the third reload (v2): new/ reports, through a new file and through the old descriptor
    const afterPath = join(dirs.fresh, 'after');
    run('sh', ['-c', 'echo a >> "$1"', 'after', afterPath]);
    await agent.waitFor((e) => e.type === 'write' && e.path === afterPath, 'a write in the newly watched directory');
    assert.ok(agent.events.findIndex((e) => e.path === afterPath) > thirdAt, 'after the reloaded line');
    await heldNew.write();
    await agent.waitFor((e) => e.type === 'write' && e.path === join(dirs.fresh, 'held') && e.pid === heldNew.pid(), 'a write through the descriptor opened before the reload');
    // ... and old/ is quiet, also through its old descriptor
    const fromThird = agent.events.length;
    await heldOld.write();
    run('sh', ['-c', 'echo o >> "$1"', 'old', join(dirs.old, 'later')]);
    await sentinel(agent, 'sentinel-1');
    assert.equal(fileEventsOf(agent, join(dirs.old, 'held'), fromThird), [], 'old/held is no longer watched');
    assert.equal(fileEventsOf(agent, join(dirs.old, 'later'), fromThird), []);

    // the writer lost nothing across the three swaps
    const opens = fileEventsOf(agent, loopFile).filter((e) => e.type === 'open' && e.pid === writerPid);
    const writes = fileEventsOf(agent, loopFile).filter((e) => e.type === 'write' && e.pid === writerPid);
    assert.is(opens.length, count, 'one open event per open');
    assert.is(writes.reduce((n, e) => n + (e.count as number), 0), count, 'every write counted');

    // the same programs are loaded, and were never reported detached
    const loaded = loadedLsmwatchProgramIds();
    assert.ok(progIds.every((id) => loaded.has(id)), `programs ${progIds.join(',')} still loaded`);
    assert.equal(agent.events.filter((e) => e.type === 'integrity' && e.status === 'detached'), []);

    // the integrity checker follows the reload: a mismatch is reported on every check until it is
    // resolved, so after a few checks the policy file's last finding must not be one (a check that
    // compared before the reload may still print one stale mismatch, resolved by the next check)
    await sleep(3000);
    const policyFindings = agent.events.slice(thirdAt).filter((e) => e.type === 'integrity' && e.file === box.policyFile);
    assert.not.equal(policyFindings.at(-1)?.status, 'mismatch', `the reloaded policy is the expected one: ${JSON.stringify(policyFindings)}`);
    assert.ok(policyFindings.filter((e) => e.status === 'mismatch').length <= 1, JSON.stringify(policyFindings));
    assert.ok(beforeReload > 0);

    // counters run on through the reloads: every stats line has at least what the one before had
    const stats = agent.events.filter((e) => e.type === 'stats') as Array<Event & { kernel: Record<string, number>; agent: Record<string, number> }>;
    assert.ok(stats.length >= 2, `${stats.length} stats lines`);
    for (let i = 1; i < stats.length; i++) {
      for (const k of ['seen', 'filtered', 'emitted', 'aggregated']) assert.ok(stats[i]!.kernel[k]! >= stats[i - 1]!.kernel[k]!, `kernel.${k} went back`);
      assert.ok(stats[i]!.agent.received! >= stats[i - 1]!.agent.received!);
    }
  } finally {
    heldNew.close();
    heldOld.close();
    await agent.stop();
  }
  const final = agent.events.find((e) => e.type === 'stats' && e.final === true);
  assert.is(final?.lost, 0, 'nothing lost');
});

reload('a broken policy is rejected with the message a start gives, and the policy in force is still enforced', async () => {
  writePolicy(policyV2());
  const agent = startAgent(baseArgs(box));
  try {
    await agent.waitFor((e) => e.type === 'ready', 'ready');
    const running = (agent.events.find((e) => e.type === 'ready')!.policy_sha256) as string;
    for (const broken of ['{"watch": [', JSON.stringify({ watch: [`${dirs.keep}/`], wtach: [] }), JSON.stringify({ watch: ['relative/'] })]) {
      writePolicy(broken);
      // what a start with this file prints
      const start = spawnSync(process.execPath, [agentBin, ...baseArgs(box)], { encoding: 'utf8' });
      assert.is(start.status, 2, start.stderr);
      const startMessage = start.stderr.trim().replace(/^lsmwatch: /, '');
      const before = agent.events.length;
      agent.child.kill('SIGHUP');
      const rejected = await agent.waitFor((e) => e.type === 'policy' && e.status === 'rejected' && agent.events.indexOf(e) >= before, 'rejected line');
      assert.is(rejected.error, startMessage, 'the same message as a start');
      assert.is(rejected.policy_sha256, running, 'the running policy is named');
      await agent.waitForStderr(new RegExp(`error: ${startMessage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*stays in force`));
    }
    // a rejected reload through ctl: exit 1 and the error on stderr
    const ctl = spawnSync(process.execPath, [agentBin, 'ctl', '--control', controlPath(box), 'reload'], { encoding: 'utf8' });
    assert.is(ctl.status, 1);
    assert.match(ctl.stderr, /"status":"rejected"/);

    // still the old policy: new/ reports, old/ and unwatched/ do not
    const from = agent.events.length;
    const newPath = join(dirs.fresh, 'still');
    run('sh', ['-c', 'echo 1 >> "$1"; echo 2 >> "$2"; echo 3 >> "$3"', 'w', join(dirs.old, 'no'), join(dirs.unwatched, 'no'), newPath]);
    await agent.waitFor((e) => e.type === 'write' && e.path === newPath, 'the running policy still watches new/');
    await sentinel(agent, 'sentinel-2');
    assert.equal(fileEventsOf(agent, join(dirs.old, 'no'), from), []);
    assert.equal(fileEventsOf(agent, join(dirs.unwatched, 'no'), from), []);
  } finally {
    await agent.stop();
  }
});

reload.run();
