import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blindSpotsOf } from '../../../src/agent/blindSpots.js';

const plan = { unmarked: false, multiWildcards: [], orphanWildcards: [] };
const ids = (...args: Parameters<typeof blindSpotsOf>) => blindSpotsOf(...args).map((s) => s.id);

test('a bind or move of a watched tree to an unwatched name: declared only by the tracepoint sensor without bpf_loop', () => {
  for (const sensor of ['lsm', 'tracepoint'] as const) {
    const got = ids(sensor, { dcacheResolver: true, postOpRecords: true, utimesHook: true }, plan);
    assert.not.ok(got.includes('mount-source-watched'), sensor);
  }
  assert.not.ok(ids('lsm', { dcacheResolver: false, postOpRecords: false }, plan).includes('mount-source-watched'), 'LSM on 5.10');
  assert.ok(ids('tracepoint', { dcacheResolver: false, postOpRecords: false }, plan).includes('mount-source-watched'));
});

test('LSM on a kernel with the post-op programs (5.17+) and fexit/vfs_utimes loaded: nothing else', () => {
  assert.equal(ids('lsm', { dcacheResolver: false, postOpRecords: true, utimesHook: true }, plan), []);
  assert.equal(ids('lsm', { dcacheResolver: false, postOpRecords: true }, plan), ['utimes-backdate'], 'not told it loaded: declared');
});

test('tracepoint: io_uring is declared, Linux AIO only where io_submit\'s program was left out; LSM sees them all', () => {
  const tp = ids('tracepoint', { dcacheResolver: true, postOpRecords: false }, plan);
  assert.ok(tp.includes('io-uring'));
  assert.not.ok(tp.includes('linux-aio'), 'io_submit read where bpf_loop exists');
  const old = ids('tracepoint', { dcacheResolver: false, postOpRecords: false }, plan, [], [{ program: 'lw_tp_enter_io_submit', reason: 'no bpf_loop' }]);
  assert.ok(old.includes('linux-aio'));
  for (const id of ['copy-file-range', 'sendfile', 'splice', 'fallocate', 'write-without-write-syscall']) assert.not.ok(tp.includes(id), id);
  const lsm = ids('lsm', { dcacheResolver: false, postOpRecords: true, utimesHook: true }, plan);
  assert.not.ok(lsm.includes('linux-aio') || lsm.includes('io-uring'));
});

test('shared writable mappings: declared by no sensor; mprotect by the tracepoint sensor only (it names no file)', () => {
  const tp = ids('tracepoint', { dcacheResolver: true, postOpRecords: false }, plan);
  const lsm = ids('lsm', { dcacheResolver: false, postOpRecords: true, utimesHook: true }, plan);
  assert.not.ok(tp.includes('mmap-shared-write') || lsm.includes('mmap-shared-write'));
  assert.ok(tp.includes('mprotect-shared-write'));
  assert.not.ok(lsm.includes('mprotect-shared-write'));
});

test('tracepoint: the cases of names made (link, symlink, mknod, mkdir) are not declared', () => {
  const got = ids('tracepoint', { dcacheResolver: true, postOpRecords: false }, plan);
  for (const id of ['link-into-watched', 'link-out-of-watched', 'symlink', 'mkfifo', 'mknod-device', 'mkdir']) assert.not.ok(got.includes(id), id);
});

test('LSM without bpf_get_func_ret: refused path operations, and utimes (no hook has its path), are declared', () => {
  const got = ids('lsm', { dcacheResolver: false, postOpRecords: false }, plan);
  assert.ok(got.includes('refused-path-ops'));
  assert.ok(got.includes('utimes-backdate'), 'the conformance case of timestomping may miss there');
});

test('tracepoint: metadata changes through a symbolic link are declared; the metadata cases are not', () => {
  const got = ids('tracepoint', { dcacheResolver: true, postOpRecords: false }, plan);
  assert.ok(got.includes('metadata-through-symlink'));
  for (const id of ['chmod-setuid', 'chown', 'utimes-backdate', 'truncate', 'ftruncate', 'open-trunc-shell', 'open-rdonly-trunc']) {
    assert.not.ok(got.includes(id), id);
  }
});

test('every blind spot says what is missed', () => {
  for (const spot of blindSpotsOf('tracepoint', { dcacheResolver: false, postOpRecords: false }, { unmarked: true, multiWildcards: ['/a/*/b/*/'], orphanWildcards: ['/x/*/'] })) {
    assert.ok(spot.what.length > 20, spot.id);
  }
});

test('LSM before 5.19 (the __no_flags rename variant): exchanges are declared', () => {
  const got = ids('lsm', { dcacheResolver: false, postOpRecords: false, utimesHook: true }, plan, [
    { program: 'lw_lsm_path_rename', variant: 'lw_lsm_path_rename__no_flags' },
    { program: 'lw_lsm_file_permission', variant: 'lw_lsm_file_permission__no_atomics' },
  ]);
  assert.equal(got, ['refused-path-ops', 'dir-exchange']);
  assert.not.ok(ids('lsm', { dcacheResolver: false, postOpRecords: true, utimesHook: true }, plan, []).includes('dir-exchange'));
});

test.run();
