/** File and ptrace events from the real agent, with the sensor under test (tracepoint here, LSM in the VM). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { baseArgs, helperBin, makeSandbox, run, sensorUnderTest, sleep, startAgent, type Event, type RunningAgent, type Sandbox } from './harness.js';

const events = suite('events');
let agent: RunningAgent;
let box: Sandbox;

events.before(async () => {
  box = makeSandbox();
  writeFileSync(join(box.watched, 'preexisting'), 'a\n');
  agent = startAgent(baseArgs(box));
  await agent.waitFor((e) => e.type === 'ready', 'ready');
});

events.after(async () => {
  await agent.stop('SIGTERM');
  box.cleanup();
});

const isFileEvent = (type: string, path: string, pid?: number) => (e: Event) =>
  e.type === type && e.path === path && (pid === undefined || e.pid === pid);

events('ready line describes the sensor', () => {
  const ready = agent.events.find((e) => e.type === 'ready')!;
  assert.is(ready.sensor, sensorUnderTest);
  assert.is(ready.enforcement, sensorUnderTest === 'lsm');
  assert.ok((ready.programs as number) > 0);
  assert.ok(Array.isArray(ready.hooks));
  assert.match(String(ready.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});

events('append to a watched file gives open and write with path, pid and comm', async () => {
  const file = join(box.watched, 'appended');
  const pid = Number(run('sh', ['-c', 'echo $$; echo x >> "$1"', 'sh', file]).trim());
  const open = await agent.waitFor(isFileEvent('open', file, pid), `open of ${file}`);
  const write = await agent.waitFor(isFileEvent('write', file, pid), `write of ${file}`);
  assert.is(open.comm, 'sh');
  assert.is(write.comm, 'sh');
  assert.is(open.access, 'write');
  assert.ok(typeof write.inode === 'number' && (write.inode as number) > 0);
  for (const key of ['tid', 'ppid', 'uid', 'gid', 'dev', 'time']) assert.ok(key in write, `write has ${key}`);
});

events('relative path after chdir resolves to the absolute path', async () => {
  const pid = Number(run('sh', ['-c', 'echo $$; cd "$1" && echo x >> relative-file', 'sh', box.watched]).trim());
  const file = join(box.watched, 'relative-file');
  await agent.waitFor(isFileEvent('write', file, pid), `write of ${file} through a relative path`);
});

events('openat with a directory fd resolves to the absolute path', async () => {
  const pid = Number(run(helperBin('openat_write'), [box.watched, 'via-dirfd', 'x\n']).split('\n')[0]);
  const file = join(box.watched, 'via-dirfd');
  await agent.waitFor(isFileEvent('open', file, pid), 'open through openat(dirfd)');
  await agent.waitFor(isFileEvent('write', file, pid), 'write through openat(dirfd)');
});

events('sed -i on a watched file names the watched path', async () => {
  const file = join(box.watched, 'config');
  writeFileSync(file, 'key=old\n');
  run('sed', ['-i', 's/old/new/', file]);
  const rename = await agent.waitFor((e) => e.type === 'rename' && e.path === file, `rename over ${file}`);
  assert.is(rename.comm, 'sed');
  assert.ok(String(rename.old_path).startsWith(box.watched + '/'));
});

events('unlink of a watched file', async () => {
  const file = join(box.watched, 'doomed');
  writeFileSync(file, 'x');
  run('rm', ['-f', file]);
  await agent.waitFor((e) => e.type === 'unlink' && e.path === file, `unlink of ${file}`);
});

events('writes to unwatched paths give no event', async () => {
  const quiet = join(box.unwatched, 'quiet');
  run('sh', ['-c', 'echo x >> "$1"; echo y >> "$1"; mv "$1" "$1.moved"; rm "$1.moved"', 'sh', quiet]);
  await sleep(300);
  const marker = join(box.watched, 'marker');
  run('sh', ['-c', 'echo m >> "$1"', 'sh', marker]);
  await agent.waitFor(isFileEvent('write', marker), 'marker write');
  await sleep(300);
  const leaked = agent.events.filter((e) => String(e.path ?? '').startsWith(box.unwatched) || String(e.old_path ?? '').startsWith(box.unwatched));
  assert.equal(leaked, [], 'no event for the unwatched directory');
});

events('a directory renamed into a watched tree is watched at once (no stale cached verdict)', async () => {
  const outside = join(box.unwatched, 'moving');
  run('sh', ['-c', 'mkdir "$1" && echo a > "$1/f" && cat "$1/f" >/dev/null', 'sh', outside]);
  const inside = join(box.watched, 'moving');
  run('mv', [outside, inside]);
  const file = join(inside, 'f');
  const pid = Number(run('sh', ['-c', 'echo $$; echo b >> "$1"', 'sh', file]).trim());
  await agent.waitFor(isFileEvent('open', file, pid), 'open after the directory moved in');
  await agent.waitFor(isFileEvent('write', file, pid), 'write after the directory moved in');
});

events('a write through an fd opened before the agent started is reported with its path', async () => {
  // 'preexisting' was created before the agent; open it now in a process, then write after a pause.
  const file = join(box.watched, 'preexisting');
  const writer = spawn('sh', ['-c', 'exec 3>>"$1"; echo $$; read line; echo y >&3', 'sh', file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((res) => writer.stdout.once('data', (d: Buffer) => res(Number(d.toString().trim()))));
  writer.stdin.end('go\n');
  await agent.waitFor(isFileEvent('write', file, pid), 'write through an already-open fd');
});

events('PTRACE_ATTACH gives a ptrace event', async () => {
  const target = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await sleep(100);
    const out = run(helperBin('ptrace_attach'), [String(target.pid)]);
    assert.match(out, /^attached /);
    const event = await agent.waitFor((e) => e.type === 'ptrace' && e.target_pid === target.pid, 'ptrace event');
    assert.is(event.comm, 'ptrace_attach');
    assert.is(event.mode, 'attach');
    assert.is(event.decision, 'allow');
    assert.is(event.target_comm, 'sleep');
  } finally {
    target.kill('SIGKILL');
  }
});

events.run();
