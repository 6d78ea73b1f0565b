import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventLine, jsonU64 } from '../../../src/output/eventRecord.js';
import { enrichRecord, type EnrichContext } from '../../../src/events/enrich.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import { toNdjsonLine } from '../../../src/output/ndjsonWriter.js';
import type { FileEvent } from '../../../src/events/types.js';
import {
  contextCorpus,
  knownCgroups,
  knownComms,
  knownInodePaths,
  knownProcs,
  processSetup,
  recordCorpus,
} from '../../fixtures/output/recordCorpus.js';
import { fakeCgroups, testProcesses } from '../../fixtures/process/processFixtures.js';
import type { AttrFields, DecodedRecord, FileRecordData } from '../../../src/sensor/decoder.js';
import { AttrOp, AttrValid, MountOp, MmapOp, RecordFlag, RecordType, XattrOp } from '../../../src/sensor/contract.js';

const GOLDEN = fileURLToPath(new URL('../../fixtures/output/events.golden.ndjson', import.meta.url));
// Regenerate deliberately, after checking the difference: LSMWATCH_UPDATE_GOLDEN=1 make test-unit
const CONTEXT_GOLDEN = fileURLToPath(new URL('../../fixtures/output/events.context.golden.ndjson', import.meta.url));

function context(sensor: 'lsm' | 'tracepoint'): EnrichContext {
  const inodePaths = createInodePaths();
  for (const [dev, ino, path] of knownInodePaths) inodePaths.remember(dev, ino, path);
  const { processes, accounts } = testProcesses({ procs: knownProcs, cgroups: (procfs) => fakeCgroups(knownCgroups, true, procfs) });
  const ctx: EnrichContext = { sensor, toRfc3339: (ns) => `mono:${ns}`, agentPid: 99, lookupComm: (pid) => knownComms[pid], inodePaths, processes, accounts };
  for (const rec of processSetup) assert.is(enrichRecord(rec, ctx), null, 'process records make no event');
  return ctx;
}

const lines = (records: DecodedRecord[], ctx: EnrichContext) =>
  records.map((rec) => toNdjsonLine(eventLine(enrichRecord(rec, ctx)!)).replace(/\n$/, ''));

test('every record of the corpus prints byte for byte what the formatter printed before the typed event stage, then the process context', () => {
  const expected = readFileSync(GOLDEN, 'utf8').split('\n').filter(Boolean);
  const actual: string[] = [];
  for (const sensor of ['lsm', 'tracepoint'] as const) actual.push(...lines(recordCorpus, context(sensor)));
  assert.is(actual.length, expected.length);
  actual.forEach((line, i) => {
    const before = expected[i]!.slice(0, -1);
    assert.is(line.slice(0, before.length + 1), `${before},`, `line ${i + 1}: the fields it had come first, unchanged`);
    assert.match(line.slice(before.length + 1), /^"start_time":/, `line ${i + 1}: then the process context`);
  });
});

test('the corpus with its process context: byte for byte the golden lines', () => {
  const ctx = context('lsm');
  const actual = [...lines(recordCorpus, ctx), ...lines(contextCorpus, ctx)];
  if (process.env.LSMWATCH_UPDATE_GOLDEN === '1') writeFileSync(CONTEXT_GOLDEN, actual.map((l) => `${l}\n`).join(''));
  const expected = readFileSync(CONTEXT_GOLDEN, 'utf8').split('\n').filter(Boolean);
  assert.is(actual.length, expected.length);
  actual.forEach((line, i) => assert.is(line, expected[i], `line ${i + 1}`));
});

test('a path that is null in the event is null in the line, with path_unknown', () => {
  const event = enrichRecord(recordCorpus[6]!, context('lsm')) as FileEvent;
  assert.is(event.path, null);
  assert.is(event.pathSource, 'unknown');
  const line = eventLine(event);
  assert.is(line.path, null);
  assert.is(line.path_unknown, true);
});

/** A metadata record (LW_REC_SETATTR) as the decoder gives it. */
function setattr(attr: Partial<AttrFields>, flags = 0): DecodedRecord {
  const base = recordCorpus[0] as FileRecordData;
  return {
    ...base,
    type: RecordType.SETATTR,
    flags,
    openFlags: 0,
    mode: 0o100755,
    path: Buffer.from('/usr/bin/passwd'),
    attr: { op: AttrOp.CHMOD, valid: 0, mode: 0, uid: 0, gid: 0, size: 0n, atimeSec: 0n, atimeNsec: 0, mtimeSec: 0n, mtimeNsec: 0, ...attr },
  };
}

const metaLine = (rec: DecodedRecord) => {
  const event = enrichRecord(rec, context('lsm')) as FileEvent;
  assert.is(event.touchesContent, true, 'a metadata change is checked against the baseline');
  return eventLine(event);
};

test('chmod line: type chmod, the new mode in octal like change lines, no access or flags', () => {
  const line = metaLine(setattr({ op: AttrOp.CHMOD, valid: AttrValid.MODE, mode: 0o4755 }, RecordFlag.BEFORE_OP));
  assert.is(line.type, 'chmod');
  assert.is(line.path, '/usr/bin/passwd');
  assert.is(line.mode, '4755');
  assert.is(line.before_op, true);
  assert.is('flags' in line || 'access' in line || 'owner_uid' in line || 'mtime' in line, false);
});

test('chown, utimes and truncate lines carry only what the operation sets', () => {
  const chown = metaLine(setattr({ op: AttrOp.CHOWN, valid: AttrValid.UID | AttrValid.GID, uid: 1234, gid: 0 }));
  assert.equal([chown.type, chown.owner_uid, chown.owner_gid, 'before_op' in chown], ['chown', 1234, 0, false]);
  const touch = metaLine(setattr({ op: AttrOp.UTIMES, valid: AttrValid.MTIME | AttrValid.ATIME_NOW, mtimeSec: 946684800n }));
  assert.equal([touch.type, touch.mtime, touch.atime], ['utimes', '2000-01-01T00:00:00.000000000Z', 'now']);
  const lsmTruncate = metaLine(setattr({ op: AttrOp.TRUNCATE }));
  assert.equal([lsmTruncate.type, lsmTruncate.size], ['truncate', null]);
  const tpTruncate = metaLine(setattr({ op: AttrOp.TRUNCATE, valid: AttrValid.SIZE, size: 0n }));
  assert.is(tpTruncate.size, 0);
});

/** A record of a name made (link, symlink, mknod, mkdir) as the decoder gives it. */
function made(type: number, over: Partial<FileRecordData> = {}): DecodedRecord {
  const base = recordCorpus[0] as FileRecordData;
  return { ...base, type: type as FileRecordData['type'], flags: 0, openFlags: 0, path: Buffer.from('/etc/sudoers.d/new'), path2: null, ...over };
}

const madeLine = (rec: DecodedRecord) => {
  const event = enrichRecord(rec, context('lsm')) as FileEvent;
  assert.is(event.path?.text, '/etc/sudoers.d/new', 'the new name is the path whose content changed');
  assert.is(event.oldPath, null);
  assert.is(event.touchesContent, true, 'the new name is checked against the baseline');
  return eventLine(event);
};

test('link, symlink, mknod and mkdir lines: the new name, the target, the type, mode and device', () => {
  const link = madeLine(made(RecordType.LINK, { path2: Buffer.from('/tmp/evil'), mode: 0o100644 }));
  assert.equal([link.type, link.path, link.target, link.file_type, 'mode' in link, 'access' in link], ['link', '/etc/sudoers.d/new', '/tmp/evil', 'file', false, false]);
  const symlink = madeLine(made(RecordType.SYMLINK, { path2: Buffer.from('/tmp/x\x1b]0;pwn\x07'), mode: 0o120777, flags: RecordFlag.BEFORE_OP }));
  assert.equal([symlink.type, symlink.file_type, symlink.before_op], ['symlink', 'symlink', true]);
  assert.not.match(toNdjsonLine(symlink).trimEnd(), /[\x00-\x1f]/, 'control characters of the target text are escaped in the line');
  assert.match(toNdjsonLine(symlink), /"target":"\/tmp\/x\\u001b\]0;pwn\\u0007"/);
  const node = madeLine(made(RecordType.MKNOD, { mode: 0o060600, rdev: 0x0801 }));
  assert.equal([node.type, node.file_type, node.mode, node.device], ['mknod', 'block', '0600', '8:1']);
  const dir = madeLine(made(RecordType.MKDIR, { mode: 0o040750 }));
  assert.equal([dir.type, dir.file_type, dir.mode, 'target' in dir, 'device' in dir], ['mkdir', 'dir', '0750', false, false]);
});

test('mount and umount lines: the mount point, the kind, type, source and flags', () => {
  const at = (over: Partial<FileRecordData>) => {
    const event = enrichRecord({ ...made(RecordType.MOUNT), path: Buffer.from('/etc/cron.d'), mode: 0o040755, ...over } as DecodedRecord, context('lsm')) as FileEvent;
    assert.is(event.path?.text, '/etc/cron.d');
    return eventLine(event);
  };
  const tmpfs = at({ path2: Buffer.from('evil'), flags: RecordFlag.BEFORE_OP, mount: { op: MountOp.MOUNT, flags: 2 | 8, fstype: Buffer.from('tmpfs') } });
  assert.equal(
    [tmpfs.type, tmpfs.mount, tmpfs.fstype, tmpfs.source, tmpfs.mount_flags, tmpfs.before_op, 'access' in tmpfs, 'file_type' in tmpfs],
    ['mount', 'new', 'tmpfs', 'evil', ['nosuid', 'noexec'], true, false, false],
  );
  const bind = at({ path2: Buffer.from('/tmp/fake'), mount: { op: MountOp.MOUNT, flags: 4096, fstype: Buffer.alloc(0) } });
  assert.equal([bind.mount, bind.source, 'fstype' in bind, 'mount_flags' in bind], ['bind', '/tmp/fake', false, false]);
  assert.not.ok('source_watched' in bind);
  const elsewhere = at({ path2: Buffer.from('/etc'), flags: RecordFlag.SOURCE_WATCHED, mount: { op: MountOp.MOUNT, flags: 4096, fstype: Buffer.alloc(0) } });
  assert.equal([elsewhere.mount, elsewhere.source, elsewhere.source_watched], ['bind', '/etc', true]);
  const gone = at({ mount: { op: MountOp.UMOUNT, flags: 2, fstype: Buffer.from('tmpfs') } });
  assert.equal([gone.type, gone.mount, gone.mount_flags, 'source' in gone], ['umount', 'umount', ['detach'], false]);
});

test('setxattr and removexattr lines: the attribute name, the size set, the flags; never the value', () => {
  const at = (over: Partial<FileRecordData>) => {
    const event = enrichRecord({ ...made(RecordType.XATTR), path: Buffer.from('/usr/bin/python3'), mode: 0o100755, ...over } as DecodedRecord, context('lsm'));
    assert.ok(event !== null);
    return eventLine(event);
  };
  const set = at({ path2: Buffer.from('security.capability'), flags: RecordFlag.BEFORE_OP, xattr: { op: XattrOp.SET, flags: 2, size: 20 } });
  assert.equal([set.type, set.path, set.xattr, set.size, set.xattr_flags, set.before_op, 'access' in set], ['setxattr', '/usr/bin/python3', 'security.capability', 20, ['replace'], true, false]);
  const removed = at({ path2: Buffer.from('user.\x1b[2Jevil'), xattr: { op: XattrOp.REMOVE, flags: 0, size: 0 } });
  assert.equal([removed.type, 'size' in removed, 'xattr_flags' in removed], ['removexattr', false, false]);
  assert.not.match(toNdjsonLine(removed), /\x1b/, 'control characters in the name are escaped in the line');
  assert.is(enrichRecord({ ...made(RecordType.XATTR), path2: Buffer.from('x'), xattr: { op: 9, flags: 0, size: 0 } } as DecodedRecord, context('lsm')), null, 'an op this agent does not know');
});

test('mmap and mprotect lines: the protection and the mapping flags by name; an op this agent does not know makes none', () => {
  const at = (mmap: { op: number; prot: number; flags: number }) => {
    const event = enrichRecord({ ...made(RecordType.MMAP), path: Buffer.from('/etc/passwd'), mode: 0o100644, mmap } as DecodedRecord, context('lsm'));
    assert.ok(event !== null);
    assert.ok(event.kind === 'file' && event.touchesContent, 'the baseline is compared after it');
    return eventLine(event);
  };
  const mapped = at({ op: MmapOp.MAP, prot: 3, flags: 0x1 | 0x8000 });
  assert.equal([mapped.type, mapped.path, mapped.prot, mapped.map_flags, 'access' in mapped], ['mmap', '/etc/passwd', ['read', 'write'], ['shared', 'populate'], false]);
  const validate = at({ op: MmapOp.MAP, prot: 2, flags: 0x3 });
  assert.equal([validate.prot, validate.map_flags], [['write'], ['shared_validate']]);
  const prot = at({ op: MmapOp.MPROTECT, prot: 7, flags: 0x1 });
  assert.equal([prot.type, prot.prot], ['mprotect', ['read', 'write', 'exec']]);
  assert.is(enrichRecord({ ...made(RecordType.MMAP), mmap: { op: 9, prot: 3, flags: 1 } } as DecodedRecord, context('lsm')), null);
});

test('a metadata record of an operation this agent does not know makes no event', () => {
  assert.is(enrichRecord(setattr({ op: 42 }), context('lsm')), null);
});

test('jsonU64: exact numbers up to 2^53, decimal strings beyond', () => {
  assert.is(jsonU64(5n), 5);
  assert.is(jsonU64(2n ** 53n - 1n), 2 ** 53 - 1);
  assert.is(jsonU64(2n ** 60n), '1152921504606846976');
});

test.run();
