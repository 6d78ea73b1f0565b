/**
 * The contract test: src/sensor/contract.ts (what the decoder and the agent use) must not drift from
 * bpf/include/lsmwatch.h (what the BPF programs and the addon use). test/fixtures/contract/anchor.c
 * includes the header and declares one global of every struct and enum type; compiled with
 * `clang -g -target bpf`, they all land in the object's BTF, which bpftool dumps as JSON. Every size,
 * member offset and enum value is then compared with the TypeScript constants, in both directions:
 * a field or value that exists on one side only fails too.
 *
 * Needs clang-16 and bpftool (the Makefile's `deps` target installs both); it fails, not skips,
 * without them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as contract from '../../../src/sensor/contract.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const HEADER = join(REPO, 'bpf/include/lsmwatch.h');
const ANCHOR = join(REPO, 'test/fixtures/contract/anchor.c');

// ---- BTF as `bpftool -j btf dump file` prints it ----

interface BtfMember {
  name: string;
  type_id: number;
  bits_offset: number;
  bitfield_size?: number;
}
interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: BtfMember[];
  values?: Array<{ name: string; val: number }>;
}

class Btf {
  private readonly byId = new Map<number, BtfType>();
  constructor(readonly types: BtfType[]) {
    for (const t of types) this.byId.set(t.id, t);
  }

  named(kind: 'STRUCT' | 'ENUM', name: string): BtfType {
    const found = this.types.filter((t) => (t.kind === kind || (kind === 'ENUM' && t.kind === 'ENUM64')) && t.name === name);
    assert.is(found.length, 1, `${kind.toLowerCase()} ${name}: expected exactly one in the anchor's BTF, found ${found.length}`);
    return found[0];
  }

  /** Byte size of a type, following typedefs, qualifiers and arrays. */
  sizeOf(id: number): number {
    const t = this.byId.get(id);
    if (!t) throw new Error(`BTF type id ${id} missing`);
    switch (t.kind) {
      case 'INT':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
        return t.size!;
      case 'TYPEDEF':
      case 'CONST':
      case 'VOLATILE':
      case 'RESTRICT':
        return this.sizeOf(t.type_id!);
      case 'ARRAY':
        return t.nr_elems! * this.sizeOf(t.type_id!);
      default:
        throw new Error(`no size for BTF kind ${t.kind}`);
    }
  }

  /** Element count if the type is an array (after typedefs), else undefined. */
  arrayLength(id: number): number | undefined {
    const t = this.byId.get(id)!;
    if (t.kind === 'TYPEDEF') return this.arrayLength(t.type_id!);
    return t.kind === 'ARRAY' ? t.nr_elems : undefined;
  }
}

function run(file: string, args: string[], hint: string): string {
  try {
    return execFileSync(file, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${file} is not installed: ${hint}`);
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

let cached: Btf | Error | undefined;

/** Compiles the anchor once and returns its BTF; every test reports a failure to do so. */
function anchorBtf(): Btf {
  if (cached === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'lsmwatch-contract-'));
    try {
      const obj = join(dir, 'anchor.o');
      run(
        'clang-16',
        ['-g', '-O2', '-target', 'bpf', '-Wall', '-Werror', '-I', join(REPO, 'bpf/include'), '-c', ANCHOR, '-o', obj],
        "install clang-16 ('make deps' does)",
      );
      let json: string;
      try {
        json = run('bpftool', ['-j', 'btf', 'dump', 'file', obj], "install bpftool ('make deps' does)");
      } catch (err) {
        // bpftool lives in /usr/sbin, which is not on every PATH
        if (!/not installed/.test((err as Error).message)) throw err;
        json = run('/usr/sbin/bpftool', ['-j', 'btf', 'dump', 'file', obj], "install bpftool ('make deps' does)");
      }
      const parsed = JSON.parse(json) as { types?: BtfType[] };
      if (!Array.isArray(parsed.types)) throw new Error('bpftool -j btf dump: no "types" array in its output');
      cached = new Btf(parsed.types);
    } catch (err) {
      cached = err as Error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (cached instanceof Error) throw cached;
  return cached;
}

// ---- the expected mapping between C and TypeScript ----

/** C member name → key in the TypeScript mirror. `size` is the struct size there, hence `size_`. */
function tsKey(struct: string, member: string): string {
  if ((struct === 'lw_header' || struct === 'lw_attr' || struct === 'lw_xattr') && member === 'size') return 'size_';
  return member.replace(/^_+/, '').replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Members the TypeScript side deliberately does not mirror (reserved or padding nobody reads). */
const UNMIRRORED: Record<string, string[]> = {
  lw_watch_value: ['_pad0'],
  lw_settings: ['_reserved'],
};

const STRUCTS: Array<[string, Record<string, number>]> = [
  ['lw_header', contract.Header],
  ['lw_process', contract.Process],
  ['lw_file_record', contract.FileRecord],
  ['lw_exec_record', contract.ExecRecord],
  ['lw_fork_record', contract.ForkRecord],
  ['lw_exit_record', contract.ExitRecord],
  ['lw_ptrace_record', contract.PtraceRecord],
  ['lw_watch_key', contract.WatchKey],
  ['lw_watch_value', contract.WatchValue],
  ['lw_settings', contract.Settings],
  ['lw_signal_record', contract.SignalRecord],
  ['lw_bpf_access_record', contract.BpfAccessRecord],
  ['lw_protected_inode', contract.ProtectedInode],
  ['lw_protected_id', contract.ProtectedId],
  ['lw_task_record', contract.TaskRecord],
  ['lw_cgroup_record', contract.CgroupRecord],
  ['lw_mark', contract.Mark],
  ['lw_inode_key', contract.InodeKey],
  ['lw_policy_epoch', contract.PolicyEpoch],
  ['lw_attr', contract.Attr],
  ['lw_attr_record', contract.AttrRecord],
  ['lw_mount', contract.Mount],
  ['lw_mount_record', contract.MountRecord],
  ['lw_xattr', contract.Xattr],
  ['lw_xattr_record', contract.XattrRecord],
  ['lw_mmap', contract.Mmap],
  ['lw_mmap_record', contract.MmapRecord],
];

/** Widths the decoder and the agent read and write each scalar field with (bytes). */
const WIDTHS: Record<string, Record<string, number>> = {
  lw_header: { type: 2, size: 2, flags: 4, time_ns: 8 },
  lw_process: {
    pid: 4,
    tid: 4,
    ppid: 4,
    uid: 4,
    gid: 4,
    _pad0: 4,
    comm: contract.COMM_LEN,
    start_ns: 8,
    parent_start_ns: 8,
    cgroup_id: 8,
    loginuid: 4,
    sessionid: 4,
  },
  lw_exec_record: { hdr: contract.Header.size, proc: contract.Process.size, exe_ino: 8, exe_dev: 4, exe_len: 2, args_len: 2, tty: contract.TTY_LEN },
  lw_fork_record: { hdr: contract.Header.size, parent: contract.Process.size, child_pid: 4, child_ppid: 4, child_start_ns: 8 },
  lw_exit_record: { hdr: contract.Header.size, proc: contract.Process.size, exit_code: 4, _pad0: 4 },
  lw_file_record: {
    hdr: contract.Header.size,
    proc: contract.Process.size,
    ino: 8,
    dev: 4,
    open_flags: 4,
    count: 8,
    bytes: 8,
    mode: 4,
    path_len: 2,
    path2_len: 2,
    anchor: 4,
    anchor2: 4,
    anchor_off: 2,
    anchor2_off: 2,
    rdev: 4,
  },
  lw_ptrace_record: {
    hdr: contract.Header.size,
    tracer: contract.Process.size,
    target_pid: 4,
    target_tid: 4,
    target_uid: 4,
    mode: 4,
    request: 4,
    result: 4,
    kind: 2,
    decision: 2,
    _pad0: 4,
    target_comm: contract.COMM_LEN,
  },
  lw_watch_key: { prefixlen: 4, anchor: 4, path: contract.WATCH_KEY_MAX },
  lw_watch_value: { flags: 4, _pad0: 4 },
  lw_settings: { forbid_ptrace: 4, deny_ptrace_read: 4, protect: 4 },
  lw_signal_record: { hdr: contract.Header.size, sender: contract.Process.size, target_pid: 4, signal: 4, decision: 2, _pad0: 2, code: 4 },
  lw_task_record: {
    hdr: contract.Header.size,
    actor: contract.Process.size,
    target_pid: 4,
    op: 4,
    arg: 8,
    value: 8,
    value2: 8,
    decision: 2,
    _pad0: 2,
    _pad1: 4,
  },
  lw_cgroup_record: {
    hdr: contract.Header.size,
    actor: contract.Process.size,
    target_pid: 4,
    op: 4,
    cgroup_id: 8,
    level: 4,
    root: 4,
    decision: 2,
    path_len: 2,
    _pad0: 4,
  },
  lw_bpf_access_record: { hdr: contract.Header.size, proc: contract.Process.size, object_id: 4, kind: 4, decision: 2, _pad0: 2, _pad1: 4 },
  lw_protected_inode: { dev: 4, _pad0: 4, ino: 8 },
  lw_protected_id: { kind: 4, id: 4 },
  lw_mark: { flags: 4, watch: 4, id: 4, epoch: 4, generation: 8 },
  lw_inode_key: { dev: 4, generation: 4, ino: 8 },
  lw_attr: { op: 4, valid: 4, mode: 4, uid: 4, gid: 4, atime_nsec: 4, size: 8, atime_sec: 8, mtime_sec: 8, mtime_nsec: 4, _pad0: 4 },
  lw_attr_record: { file: contract.FileRecord.size, attr: contract.Attr.size },
  lw_mount: { op: 4, flags: 4, fstype: contract.FSTYPE_LEN },
  lw_mount_record: { file: contract.FileRecord.size, mount: contract.Mount.size },
  lw_xattr: { op: 4, flags: 4, size: 4, _pad0: 4 },
  lw_xattr_record: { file: contract.FileRecord.size, xattr: contract.Xattr.size },
  lw_mmap: { op: 4, prot: 4, flags: 4, _pad0: 4 },
  lw_mmap_record: { file: contract.FileRecord.size, mmap: contract.Mmap.size },
  lw_policy_epoch: { epoch: 4, _pad0: 4 },
};

/** C enum → [TypeScript object, prefix of the C names]. */
const ENUMS: Array<[string, Record<string, number>, string]> = [
  ['lw_record_type', contract.RecordType, 'LW_REC_'],
  ['lw_record_flags', contract.RecordFlag, 'LW_F_'],
  ['lw_decision', contract.Decision, 'LW_DECISION_'],
  ['lw_ptrace_kind', contract.PtraceKind, 'LW_PTRACE_'],
  ['lw_watch_flags', contract.WatchFlag, 'LW_WATCH_'],
  ['lw_forbid_ptrace', contract.ForbidPtrace, 'LW_FORBID_PTRACE_'],
  ['lw_stat', contract.Stat, 'LW_STAT_'],
  ['lw_object_kind', contract.ObjectKind, 'LW_OBJECT_'],
  ['lw_flush_mode', contract.FlushMode, 'LW_FLUSH_'],
  ['lw_task_op', contract.TaskOp, 'LW_TASK_'],
  ['lw_cgroup_op', contract.CgroupOp, 'LW_CGROUP_'],
  ['lw_mark_flags', contract.MarkFlag, 'LW_MARK_'],
  ['lw_mark_arg', contract.MarkArg, 'LW_MARK_ARG_'],
  ['lw_attr_op', contract.AttrOp, 'LW_ATTR_'],
  ['lw_attr_valid', contract.AttrValid, 'LW_ATTR_V_'],
  ['lw_mount_op', contract.MountOp, 'LW_MOUNT_'],
  ['lw_xattr_op', contract.XattrOp, 'LW_XATTR_'],
  ['lw_mmap_op', contract.MmapOp, 'LW_MMAP_'],
];

const headerText = () => readFileSync(HEADER, 'utf8');

// ---- tests ----

test('the anchor compiles with clang-16 -target bpf and bpftool dumps its BTF', () => {
  const btf = anchorBtf();
  assert.ok(btf.types.length > 0);
});

test('every struct and enum the header defines is checked here (and present in the BTF)', () => {
  const text = headerText();
  const structs = [...text.matchAll(/^struct\s+(lw_\w+)\s*\{/gm)].map((m) => m[1]).sort();
  const enums = [...text.matchAll(/^enum\s+(lw_\w+)\s*\{/gm)].map((m) => m[1]).sort();
  assert.equal(structs, STRUCTS.map(([n]) => n).sort(), 'structs in lsmwatch.h vs. structs this test maps');
  assert.equal(enums, ENUMS.map(([n]) => n).sort(), 'enums in lsmwatch.h vs. enums this test maps');
  const btf = anchorBtf();
  for (const name of structs) btf.named('STRUCT', name);
  for (const name of enums) btf.named('ENUM', name);
});

for (const [struct, mirror] of STRUCTS) {
  test(`struct ${struct}: size and every member offset match contract.ts`, () => {
    const t = anchorBtf().named('STRUCT', struct);
    assert.is(mirror.size, t.size, `${struct}: sizeof`);
    const skip = UNMIRRORED[struct] ?? [];
    const mirrored = new Set<string>();
    for (const m of t.members ?? []) {
      assert.is(m.bitfield_size ?? 0, 0, `${struct}.${m.name}: bit-fields are not part of the contract`);
      assert.is(m.bits_offset % 8, 0, `${struct}.${m.name}: not byte aligned`);
      if (skip.includes(m.name)) continue;
      const key = tsKey(struct, m.name);
      assert.ok(key in mirror, `${struct}.${m.name} has no "${key}" in contract.ts`);
      assert.is(mirror[key], m.bits_offset / 8, `${struct}.${m.name}: byte offset (contract.ts "${key}")`);
      mirrored.add(key);
    }
    const stale = Object.keys(mirror).filter((k) => k !== 'size' && !mirrored.has(k));
    assert.equal(stale, [], `${struct}: contract.ts keys with no member in lsmwatch.h`);
  });

  test(`struct ${struct}: member widths are the ones the TypeScript side reads`, () => {
    const btf = anchorBtf();
    const t = btf.named('STRUCT', struct);
    const widths = WIDTHS[struct];
    const skip = UNMIRRORED[struct] ?? [];
    for (const m of t.members ?? []) {
      if (skip.includes(m.name)) continue;
      assert.ok(m.name in widths, `${struct}.${m.name}: no expected width in this test`);
      assert.is(btf.sizeOf(m.type_id), widths[m.name], `${struct}.${m.name}: width in bytes`);
    }
  });
}

test('char arrays have the lengths of the #defines', () => {
  const btf = anchorBtf();
  const member = (struct: string, name: string) => btf.named('STRUCT', struct).members!.find((m) => m.name === name)!;
  assert.is(btf.arrayLength(member('lw_process', 'comm').type_id), contract.COMM_LEN);
  assert.is(btf.arrayLength(member('lw_ptrace_record', 'target_comm').type_id), contract.COMM_LEN);
  assert.is(btf.arrayLength(member('lw_watch_key', 'path').type_id), contract.WATCH_KEY_MAX);
  assert.is(btf.arrayLength(member('lw_exec_record', 'tty').type_id), contract.TTY_LEN);
  assert.is(btf.arrayLength(member('lw_mount', 'fstype').type_id), contract.FSTYPE_LEN);
});

for (const [name, mirror, prefix] of ENUMS) {
  test(`enum ${name}: every value matches contract.ts`, () => {
    const t = anchorBtf().named('ENUM', name);
    const fromC: Record<string, number> = {};
    for (const v of t.values ?? []) {
      assert.ok(v.name.startsWith(prefix), `${v.name} does not start with ${prefix}`);
      if (name === 'lw_stat' && v.name === 'LW_STAT_MAX') {
        assert.is(contract.STAT_MAX, v.val, 'LW_STAT_MAX vs STAT_MAX');
        continue;
      }
      fromC[v.name.slice(prefix.length)] = v.val;
    }
    assert.equal({ ...mirror }, fromC, `enum ${name} vs contract.ts`);
  });
}

test('LW_STAT_MAX covers every counter', () => {
  for (const v of Object.values(contract.Stat)) assert.ok(v < contract.STAT_MAX, `Stat value ${v} >= STAT_MAX`);
});

test('#define constants match contract.ts', () => {
  const defines = new Map<string, number>();
  for (const m of headerText().matchAll(/^#define\s+LW_(\w+)\s+(0x[0-9a-f]+|\d+)u?\s*(?:\/\*.*)?$/gm)) defines.set(m[1], Number(m[2]));
  const expected: Record<string, number> = {
    ABI_VERSION: contract.ABI_VERSION,
    COMM_LEN: contract.COMM_LEN,
    PATH_MAX: contract.PATH_MAX,
    WATCH_KEY_MAX: contract.WATCH_KEY_MAX,
    RECORD_MAX: contract.RECORD_MAX,
    ROOT_ANCHOR_ID: contract.ROOT_ANCHOR_ID,
    WILDCARD_ID: contract.WILDCARD_ID,
    ARGS_MAX: contract.ARGS_MAX,
    TTY_LEN: contract.TTY_LEN,
    FSTYPE_LEN: contract.FSTYPE_LEN,
    XATTR_NAME_MAX: contract.XATTR_NAME_MAX,
    ID_UNSET: contract.ID_UNSET,
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.ok(defines.has(name), `#define LW_${name} not found in lsmwatch.h`);
    assert.is(defines.get(name), value, `LW_${name}`);
  }
});

test('the largest record fits LW_RECORD_MAX and its u16 size field', () => {
  // header + fixed part + two paths of at most PATH_MAX - 1 bytes, each with its NUL, padded to 8
  const largest = Math.ceil((contract.FileRecord.size + 2 * contract.PATH_MAX) / 8) * 8;
  assert.ok(largest <= contract.RECORD_MAX, `${largest} > RECORD_MAX`);
  assert.ok(contract.RECORD_MAX <= 0xffff);
  assert.is(contract.FileRecord.size % 8, 0);
  assert.is(contract.PtraceRecord.size % 8, 0);
  // a metadata record: its fixed part and one path
  assert.ok(Math.ceil((contract.AttrRecord.size + contract.PATH_MAX) / 8) * 8 <= contract.RECORD_MAX);
  assert.ok(Math.ceil((contract.MountRecord.size + 2 * contract.PATH_MAX) / 8) * 8 <= contract.RECORD_MAX);
  assert.ok(Math.ceil((contract.XattrRecord.size + contract.PATH_MAX + contract.XATTR_NAME_MAX + 1) / 8) * 8 <= contract.RECORD_MAX);
  for (const r of [contract.AttrRecord, contract.MountRecord, contract.XattrRecord, contract.ExecRecord, contract.ForkRecord, contract.ExitRecord, contract.SignalRecord, contract.BpfAccessRecord, contract.TaskRecord, contract.CgroupRecord]) {
    assert.is(r.size % 8, 0);
  }
  // an exec record: the fixed part, the longest exe path with its NUL, the longest argument vector
  const exec = Math.ceil((contract.ExecRecord.size + contract.PATH_MAX + contract.ARGS_MAX) / 8) * 8;
  assert.ok(exec <= contract.RECORD_MAX, `${exec} > RECORD_MAX`);
});

test.run();
