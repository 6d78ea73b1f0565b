/** Everything the agent runs is in the manifest and the guard: a runtime dependency changed before
 * start is reported by the start-up check (and --protect refuses to start unless told otherwise),
 * another node executable is reported, and under --protect (LSM sensor, VM) node_modules, the node
 * executable and the state database with its -wal/-shm/-journal files cannot be written. The
 * tampering happens in a scratch copy of the checkout, never in the checkout itself. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { agentBin, baseArgs, makeSandbox, otherNodes, probe, repoRoot, run, sensorUnderTest, startAgent, type Sandbox } from './harness.js';

const integrity = suite('runtime integrity');
let box: Sandbox;
let scratch: string;
integrity.before(() => {
  box = makeSandbox({ integrity: { interval: 1 } });
  scratch = mkdtempSync(join(tmpdir(), 'lsmwatch-scratch-'));
  // Hard links where the file system allows it (fast; a tampered file is unlinked and rewritten
  // first, so the checkout is never written through a link), copies elsewhere (the VM's /tmp).
  for (const part of ['bin', 'package.json', 'policy.json', 'node_modules', 'build/dist', 'build/native', 'build/bpf', 'build/manifest.json']) {
    const from = join(repoRoot, part);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(scratch, part)), { recursive: true });
    try {
      execFileSync('cp', ['-al', from, join(scratch, part)], { stdio: 'ignore' });
    } catch {
      rmSync(join(scratch, part), { recursive: true, force: true });
      execFileSync('cp', ['-a', from, join(scratch, part)], { stdio: 'ignore' });
    }
  }
});
integrity.after(() => {
  box.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const CHALK = join('node_modules', 'chalk', 'source', 'index.js');

/** Appends to a file of the scratch copy without touching the checkout (breaks a hard link first). */
function tamper(rel: string): string {
  const path = join(scratch, rel);
  const content = readFileSync(path);
  unlinkSync(path);
  writeFileSync(path, content);
  appendFileSync(path, '\n// code an attacker appended\n');
  return path;
}

integrity('a runtime dependency changed before start is reported by the start-up integrity check', async () => {
  const changed = tamper(CHALK);
  const agent = startAgent(baseArgs(box), {}, { bin: join(scratch, 'bin', 'lsmwatch.js') });
  try {
    const mismatch = await agent.waitFor((e) => e.type === 'integrity' && e.status === 'mismatch' && e.file === changed, 'mismatch for chalk');
    assert.ok(mismatch.expected !== mismatch.actual);
    const baseline = await agent.waitFor((e) => e.type === 'integrity' && e.status === 'baseline', 'baseline line');
    assert.ok((baseline.problems as number) >= 1, 'the first check counts it');
    await agent.waitForStderr(/integrity: .*chalk.*was modified/);
  } finally {
    await agent.stop();
  }
});

integrity('--protect refuses to start when the start-up check finds a problem; --allow-integrity-mismatch starts anyway', async () => {
  const changed = join(scratch, CHALK);
  assert.ok(readFileSync(changed, 'utf8').includes('an attacker appended'), 'the scratch copy is still tampered');
  const refused = startAgent(baseArgs(box, ['--protect']), {}, { bin: join(scratch, 'bin', 'lsmwatch.js') });
  assert.is(await refused.exitWithin(), 1);
  assert.match(refused.stderr(), /refusing to start with --protect/);
  assert.ok(refused.stderr().includes(changed), 'names the file');
  assert.match(refused.stderr(), /--allow-integrity-mismatch/);
  assert.not.match(refused.stderr(), /\n\s+at /, 'no stack trace');
  assert.ok(refused.events.some((e) => e.type === 'integrity' && e.status === 'mismatch' && e.file === changed), 'NDJSON finding');
  assert.is(refused.events.filter((e) => e.type === 'ready').length, 0);

  const allowed = startAgent(baseArgs(box, ['--protect', '--allow-integrity-mismatch']), {}, { bin: join(scratch, 'bin', 'lsmwatch.js') });
  try {
    const ready = await allowed.waitFor((e) => e.type === 'ready', 'ready');
    assert.is(ready.protect, sensorUnderTest === 'lsm');
    await allowed.waitFor((e) => e.type === 'integrity' && e.status === 'mismatch' && e.file === changed, 'still reported');
  } finally {
    await allowed.stop();
  }
});

for (const node of otherNodes().slice(0, 1)) {
  integrity('the node executable is in the manifest: running the agent on another node is reported', async () => {
    const agent = startAgent(baseArgs(box), {}, { node });
    try {
      const finding = await agent.waitFor((e) => e.type === 'integrity' && e.status === 'mismatch' && e.name === 'node executable', 'node executable finding');
      assert.is(finding.file, node);
    } finally {
      await agent.stop();
    }
  });
}

if (sensorUnderTest === 'lsm') {
  integrity('under --protect node_modules, the node executable and the state database with its -wal, -shm and -journal files cannot be written; lsmwatch alerts still reads it', async () => {
    const db = join(box.root, 'state', 'state.db');
    const agent = startAgent(baseArgs(box, ['--protect', '--db', db]));
    const node = process.execPath;
    const moved = `${node}.moved`;
    try {
      await agent.waitFor((e) => e.type === 'ready' && e.protect === true, 'ready with protect');
      await agent.waitFor((e) => e.type === 'baseline', 'state baseline');
      for (const file of [join(repoRoot, CHALK), join(repoRoot, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) {
        assert.ok(existsSync(file), `${file} exists`);
        assert.match(probe('open', file, 'w'), /^errno=1 /, `writing ${file} denied`);
        await agent.waitFor((e) => e.type === 'alert' && e.rule === 'agent_file_denied' && e.path === file, `alert for ${file}`);
      }
      let renamed = '';
      try {
        renamed = run('mv', [node, moved]);
      } catch (err) {
        renamed = String((err as { stderr?: string }).stderr);
      }
      assert.match(renamed, /not permitted/i, 'renaming the node executable denied');
      assert.not.ok(existsSync(moved));
      const alerts = run(process.execPath, [agentBin, 'alerts', '--db', db, '--json']);
      assert.match(alerts, /agent_file_denied/, 'lsmwatch alerts reads the guarded database');
    } finally {
      if (existsSync(moved)) execFileSync('mv', [moved, node]);
      await agent.stop();
    }
  });
}

integrity.run();
