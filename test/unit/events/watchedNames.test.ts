import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWatchedNames, type WatchedNames } from '../../../src/events/watchedNames.js';
import { enrichRecord } from '../../../src/events/enrich.js';
import { createInodePaths } from '../../../src/events/inodePaths.js';
import { eventLine } from '../../../src/output/eventRecord.js';
import { RecordFlag, RecordType } from '../../../src/sensor/contract.js';
import type { FileRecordData } from '../../../src/sensor/decoder.js';
import { testProcesses } from '../../fixtures/process/processFixtures.js';

function record(over: Partial<FileRecordData>): FileRecordData {
  return {
    kind: 'file',
    type: RecordType.WRITE,
    flags: 0,
    timeNs: 1n,
    proc: { pid: 1, tid: 1, ppid: 0, uid: 0, gid: 0, comm: Buffer.from('sh'), startNs: 1n, parentStartNs: 0n, cgroupId: 1n, loginUid: 0, sessionId: 1 },
    ino: 5n,
    dev: 1,
    openFlags: 1,
    count: 1,
    bytes: 1,
    mode: 0o100644,
    path: Buffer.from('/x'),
    path2: null,
    anchor: 0,
    anchorOff: 0,
    anchor2: 0,
    anchor2Off: 0,
    rdev: 0,
    attr: null,
    mount: null,
    xattr: null,
    mmap: null,
    ...over,
  };
}

/** The watched names the NDJSON line of a record gets (enrich, then the line). */
function addWatchedNames(names: WatchedNames, rec: FileRecordData, event: Record<string, unknown>): void {
  const ctx = { sensor: 'lsm' as const, toRfc3339: () => 't', agentPid: 0, lookupComm: () => undefined, inodePaths: createInodePaths(), watchedNames: names, ...testProcesses() };
  const line = eventLine(enrichRecord(rec, ctx)!);
  for (const k of ['watched_path', 'watched_old_path']) if (k in line) event[k] = line[k];
}

const NAMES = new Map([
  [1, '/'],
  [2, '/etc'],
  [3, '/etc/passwd'],
  [4, '/etc/cron.d'],
]);

test('a path under its own watched name gets no watched_path', () => {
  const names = createWatchedNames(NAMES);
  const event: Record<string, unknown> = {};
  addWatchedNames(names, record({ path: Buffer.from('/etc/shadow'), anchor: 2, anchorOff: 4 }), event);
  assert.equal(event, {});
  addWatchedNames(names, record({ path: Buffer.from('/etc/x'), anchor: 1, anchorOff: 0 }), event);
  assert.equal(event, {});
});

test('a bind mount: the anchor named by the mount point gives the watched name', () => {
  const names = createWatchedNames(NAMES);
  const event: Record<string, unknown> = {};
  addWatchedNames(names, record({ path: Buffer.from('/tmp/bm/cron.d/job'), anchor: 2, anchorOff: 7 }), event);
  assert.is(event.watched_path, '/etc/cron.d/job');
});

test('a hard link: the file is its own anchor', () => {
  const names = createWatchedNames(NAMES);
  const event: Record<string, unknown> = {};
  addWatchedNames(names, record({ path: Buffer.from('/root/pw'), anchor: 3, anchorOff: 8 }), event);
  assert.is(event.watched_path, '/etc/passwd');
});

test('renames move the names of marked inodes (and their subtrees); exchanges swap them', () => {
  const names = createWatchedNames(NAMES);
  const event: Record<string, unknown> = {};
  addWatchedNames(
    names,
    record({ type: RecordType.RENAME, path: Buffer.from('/etc/cron.d'), anchor: 4, anchorOff: 11, path2: Buffer.from('/etc/cron.old'), anchor2: 2, anchor2Off: 4 }),
    event,
  );
  assert.equal(event, {}, 'both names are the watched names');
  assert.is(names.watchedName(Buffer.from('/tmp/bm/x'), 4, 7), '/etc/cron.old/x');
  addWatchedNames(
    names,
    record({ type: RecordType.RENAME, flags: RecordFlag.EXCHANGE, path: Buffer.from('/etc'), anchor: 2, anchorOff: 4, path2: Buffer.from('/etc2'), anchor2: 1, anchor2Off: 0 }),
    {},
  );
  assert.is(names.watchedName(Buffer.from('/a/passwd'), 3, 9), '/etc2/passwd');
});

test('a rename seen through a bind mount names both watched names', () => {
  const names = createWatchedNames(NAMES);
  const event: Record<string, unknown> = {};
  addWatchedNames(
    names,
    record({ type: RecordType.RENAME, path: Buffer.from('/tmp/bm/passwd'), anchor: 3, anchorOff: 14, path2: Buffer.from('/tmp/bm/passwd.old'), anchor2: 2, anchor2Off: 7 }),
    event,
  );
  assert.is(event.watched_path, '/etc/passwd.old');
  assert.is(event.watched_old_path, '/etc/passwd');
});

test('unknown anchors and lost paths give nothing', () => {
  const names = createWatchedNames(NAMES);
  const event: Record<string, unknown> = {};
  addWatchedNames(names, record({ path: Buffer.from('/q'), anchor: 99, anchorOff: 0 }), event);
  addWatchedNames(names, record({ flags: RecordFlag.PATH_UNKNOWN, path: Buffer.from(''), anchor: 3, anchorOff: 0 }), event);
  assert.equal(event, {});
});

test.run();
