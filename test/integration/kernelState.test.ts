/** The maps the agent wrote are read back at every integrity check: a setting or a watch entry
 * changed by another process (here bpftool, by map id) is reported as tampered (issue 14). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlPath, makeSandbox, run, sensorUnderTest, startAgent, type Sandbox } from './harness.js';

const kernelState = suite('kernel state read back');
let box: Sandbox;
kernelState.before(() => {
  box = makeSandbox();
});
kernelState.after(() => box.cleanup());

/** Ids of the maps named `name` that `pid` holds open (from its fds' fdinfo: "map_id:"). */
function mapIdsOf(pid: number, name: string): number[] {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^map_id:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // an fd closed meanwhile
    }
  }
  const maps = JSON.parse(run('bpftool', ['-j', 'map', 'show'])) as Array<{ id: number; name: string }>;
  return maps.filter((m) => m.name === name && ids.has(m.id)).map((m) => m.id);
}

// Under --protect (LSM) bpftool cannot get the fd at all (selfProtection tests); this is the
// tracepoint sensor's case, where anyone with root can.
if (sensorUnderTest === 'tracepoint') {
  kernelState('a settings value and a watch entry changed from outside are reported as tampered', async () => {
    const policy = join(box.root, 'ks-policy.json');
    writeFileSync(policy, JSON.stringify({ watch: [box.watched + '/'], stats: { interval: 3600 }, integrity: { interval: 1 } }));
    const agent = startAgent(['--policy', policy, '--sensor', sensorUnderTest, '--no-state', '--control', controlPath(box)]);
    await agent.waitFor((e) => e.type === 'integrity' && e.status === 'baseline', 'first integrity check');
    const pid = agent.child.pid!;
    const [settings] = mapIdsOf(pid, 'lw_settings_map');
    const [watch] = mapIdsOf(pid, 'lw_watch');
    assert.ok(settings && watch, 'the agent holds its maps');
    // forbid_ptrace = all, written behind the agent's back
    run('bpftool', ['map', 'update', 'id', String(settings), 'key', 'hex', '00', '00', '00', '00', 'value', 'hex', '02', ...Array(31).fill('00')]);
    // one of the agent's trie entries removed (keys are relative to anchors: take one as the map holds it)
    const dump = JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'id', String(watch)])) as Array<{ key: string[] }>;
    assert.ok(dump.length > 0, 'the watch map has entries');
    run('bpftool', ['map', 'delete', 'id', String(watch), 'key', 'hex', ...dump[0]!.key.map((b) => b.replace(/^0x/, ''))]);
    const tamperedSettings = await agent.waitFor((e) => e.status === 'tampered' && e.name === 'lw_settings_map', 'settings tampered');
    const tamperedWatch = await agent.waitFor((e) => e.status === 'tampered' && e.name === 'lw_watch', 'watch tampered');
    await agent.stop();
    assert.match(String(tamperedSettings.error), /read back as 02/);
    assert.match(String(tamperedWatch.error), /1 removed \("/);
    assert.match(agent.stderr(), /ALERT: integrity: BPF map lw_watch was changed by another process/);
  });
}

kernelState.run();
