/** On a kernel with BPF LSM (the VM test bed), both sensors must report the same operations for
 * the same script. On the host only the tracepoint sensor loads, so this runs in the VM only. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { helperBin, inVm, makeSandbox, run, sleep, startAgent, type Event, type Sandbox } from './harness.js';

const parity = suite('sensor parity');
let box: Sandbox;

parity.before(() => {
  box = makeSandbox();
});
parity.after(() => box.cleanup());

/** The same file and ptrace operations, each run tagged by a distinct file name. */
async function exercise(tag: string): Promise<number> {
  const f = join(box.watched, `${tag}-file`);
  run('sh', ['-c', 'echo a >> "$1"; echo b >> "$1"; sed -i s/a/c/ "$1"; mv "$1" "$1.moved"; rm "$1.moved"', 'sh', f]);
  run('sh', ['-c', 'echo quiet >> "$1"; rm "$1"', 'sh', join(box.unwatched, `${tag}-quiet`)]);
  const target = spawn('sleep', ['30'], { stdio: 'ignore' });
  await sleep(100);
  run(helperBin('ptrace_attach'), [String(target.pid)]);
  target.kill('SIGKILL');
  return target.pid!;
}

/** What both sensors must agree on: the operation, the path (tag-relative), the program. */
function summary(events: Event[], tag: string, targetPid: number): string[] {
  const out = new Set<string>();
  for (const e of events) {
    // sed -i writes a temporary file with a random name (GNU: sedXXXXXX, busybox: <file>XXXXXX)
    const rel = (p: unknown) =>
      String(p ?? '')
        .replace(box.root, '<root>')
        .replace(/\/sed[A-Za-z0-9]{6}$/, '/TEMP')
        .replace(/-file[A-Za-z0-9]{6}$/, '-fileTEMP');
    if (e.type === 'ptrace' && e.target_pid === targetPid) out.add(`ptrace ${String(e.mode)} ${String(e.comm)}`);
    if (typeof e.path === 'string' && e.path.includes(tag)) out.add(`${e.type} ${rel(e.path)} ${rel(e.old_path)} ${String(e.comm)}`);
  }
  return [...out].sort();
}

let lsmBlindSpots: string[] = [];
/** blind-spot ids that stand for one whole event type (src/agent/blindSpots.ts) */
const TYPE_OF_BLIND_SPOT: Record<string, string> = { chown: 'chown', 'utimes-backdate': 'utimes' };

async function observe(sensor: 'lsm' | 'tracepoint', tag: string): Promise<string[]> {
  const agent = startAgent(['--policy', box.policyFile, '--sensor', sensor, '--no-state']);
  const ready = await agent.waitFor((e) => e.type === 'ready', `${sensor} ready`);
  if (sensor === 'lsm') lsmBlindSpots = ((ready.blind_spots ?? []) as Array<{ id: string }>).map((b) => b.id);
  const targetPid = await exercise(tag);
  await agent.waitFor((e) => e.type === 'ptrace' && e.target_pid === targetPid, `${sensor} ptrace event`);
  await sleep(500);
  await agent.stop();
  return summary(agent.events, tag, targetPid);
}

if (inVm) {
  parity('tracepoint and LSM sensors report the same operations for the same script', async () => {
    const lsm = await observe('lsm', 'parity');
    const tracepoint = await observe('tracepoint', 'parity');
    assert.ok(lsm.length >= 6, `LSM saw: ${lsm.join(' | ')}`);
    // event types the LSM sensor declares it cannot see on this kernel (the ready line's blind_spots)
    const hidden = new Set(lsmBlindSpots.map((id) => TYPE_OF_BLIND_SPOT[id]).filter(Boolean));
    const comparable = (line: string) => !hidden.has(line.split(' ')[0]!);
    assert.equal(tracepoint.filter(comparable), lsm.filter(comparable));
  });
}

parity.run();
