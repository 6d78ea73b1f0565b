/** The scratch tree and policy of the conformance suite (conformance.test.ts): a tmpfs of its own
 * under /tmp (so freed dentries and inodes are reused at once, as on /etc of many systems), watched
 * trees, an unwatched tree, entries that do not exist yet, a wildcard, and baseline files. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n';
export const EVIL = 'evil:x:0:0::/root:/bin/sh';
/** An ssh-ed25519 public key line whose blob parses (the authorized_keys diff shows its comment). */
function ed25519Key(seed: number, comment: string): string {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const key = Buffer.alloc(32, seed);
  const blob = Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(32), key]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}\n`;
}
export const KEY_OLD = ed25519Key(1, 'alice@old');
export const KEY_EVIL = ed25519Key(2, 'evil@attacker');

/** Baseline files of the metadata cases (conformance.test.ts, issue 13), in w/. */
export const META_FILES = ['meta_chmod', 'meta_chown', 'meta_touch', 'meta_truncate', 'meta_shtrunc', 'meta_rdtrunc', 'meta_ftrunc', 'meta_link', 'meta_xcap', 'meta_xacl', 'meta_xattr', 'map_shared', 'map_mprotect', 'map_fork', 'map_private'];

export interface ConformanceTree {
  root: string;
  /** watched tree (entry "w/") */
  w: string;
  /** not watched */
  u: string;
  /** entry "root/.ssh/" (exists); root/ is an ancestor of a watch entry */
  rootDir: string;
  ssh: string;
  /** entries "srv/keys/" and "srv/gone/" (directories renamed and removed as a whole) and "opt/" */
  srv: string;
  opt: string;
  /** entry "etc2/ld.so.preload": its directory exists, the file does not (yet) */
  etc2: string;
  /** entries "home/star/.ssh/" and "home/star/.bashrc" (star = the wildcard component) */
  home: string;
  /** a symbolic link to w, under an unwatched name */
  link: string;
  /** a directory under w/ that is a baseline entry of its own: what is made in it gives a change */
  made: string;
  /** mount cases: a directory under w/ whose baseline file `job` a mount over it hides, and a
   * baseline file a bind mount covers */
  mnt: string;
  bindme: string;
  policyFile: string;
  db: string;
  control: string;
  /** baseline files, one per case that changes one */
  baseline: string[];
  cleanup(): void;
}

export function makeConformanceTree(): ConformanceTree {
  const root = mkdtempSync(join(tmpdir(), 'lsmwatch-conf-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'lsmwatch-conf', root]);
  const dir = (...parts: string[]) => {
    const path = join(root, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const w = dir('w');
  const u = dir('u');
  const rootDir = dir('root');
  const ssh = dir('root', '.ssh');
  const srv = dir('srv');
  dir('srv', 'keys');
  dir('srv', 'gone');
  const opt = dir('opt');
  writeFileSync(join(opt, 'tool.conf'), 'x=1\n');
  const etc2 = dir('etc2');
  const home = dir('home');
  dir('home', 'alice', '.ssh');
  writeFileSync(join(home, 'alice', '.bashrc'), '# alice\n');
  writeFileSync(join(ssh, 'authorized_keys'), KEY_OLD);
  for (const d of ['reuse', 'race', 'deep']) dir('w', d);
  for (const d of ['race', 'bm', 'bm2', 'ns', 'cd', 'as-bind', 'as-moved', 'as-api', 'as-anc']) dir('u', d);
  writeFileSync(join(w, '.marker'), '');
  // names made (issue 13): links, symlinks, nodes and directories made in a baseline directory
  const made = dir('w', 'made');
  // mounts (issue 13): what a mount over a watched directory or file shows instead
  const mnt = dir('w', 'mnt');
  writeFileSync(join(mnt, 'job'), '* * * * * root true\n');
  // a watched directory that is bound elsewhere (mount-source-watched)
  writeFileSync(join(dir('w', 'bindsrc'), 'conf'), 'x=1\n');
  const bindme = join(w, 'bindme');
  writeFileSync(bindme, PASSWD);
  const link = join(root, 'link');
  symlinkSync(w, link);
  const baseline = ['passwd_fd', 'passwd_link', 'passwd_bind', 'passwd_ns', 'passwd_exch'].map((name) => {
    const path = join(w, name);
    writeFileSync(path, PASSWD);
    return path;
  });
  baseline.push(join(ssh, 'authorized_keys'));
  baseline.push(made, join(mnt, 'job'), bindme);
  // metadata cases (issue 13): one baseline file each, executable so u+s is what a setuid plant looks like
  for (const name of META_FILES) {
    const path = join(w, name);
    writeFileSync(path, PASSWD, { mode: 0o755 });
    baseline.push(path);
  }
  const policyFile = join(root, 'policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      watch: [
        w + '/',
        ssh + '/',
        join(srv, 'keys') + '/',
        join(srv, 'gone') + '/',
        opt + '/',
        join(etc2, 'ld.so.preload'),
        join(home, '*', '.ssh') + '/',
        join(home, '*', '.bashrc'),
      ],
      stats: { interval: 3600 },
      state: { baseline },
    }),
  );
  return {
    root,
    w,
    u,
    rootDir,
    ssh,
    srv,
    opt,
    etc2,
    home,
    link,
    made,
    mnt,
    bindme,
    policyFile,
    db: join(root, 'state', 'state.db'),
    control: join(root, 'control.sock'),
    baseline,
    cleanup() {
      try {
        execFileSync('umount', ['-l', root]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
