import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blindSpotsOf } from '../../../src/agent/blindSpots.js';

const plan = { unmarked: false, multiWildcards: [], orphanWildcards: [] };
const ids = (spots: Array<{ id: string }>) => spots.map((s) => s.id);

test('LSM with every feature: no blind spot', () => {
  assert.equal(blindSpotsOf('lsm', { dcacheResolver: false, postOpRecords: true }, plan), []);
});

test('LSM before 5.17: refused path operations; before 5.19 (the __no_flags rename variant): exchanges', () => {
  assert.equal(ids(blindSpotsOf('lsm', { dcacheResolver: false, postOpRecords: false }, plan)), ['refused-path-ops']);
  const older = blindSpotsOf('lsm', { dcacheResolver: false, postOpRecords: false }, plan, [
    { program: 'lw_lsm_path_rename', variant: 'lw_lsm_path_rename__no_flags' },
    { program: 'lw_lsm_file_permission', variant: 'lw_lsm_file_permission__no_atomics' },
  ]);
  assert.equal(ids(older), ['refused-path-ops', 'dir-exchange']);
});

test('tracepoints: the declared limits, and the unnormalised paths without bpf_loop', () => {
  const withLoop = ids(blindSpotsOf('tracepoint', { dcacheResolver: true, postOpRecords: false }, plan));
  assert.equal(withLoop, ['syscall-argument-race', 'symlink-target-outside-inode', 'identity-lru']);
  const without = ids(blindSpotsOf('tracepoint', { dcacheResolver: false, postOpRecords: false }, plan));
  assert.ok(without.includes('path-dotdot') && without.includes('unlink-symlinked-dir'));
});

test('the watch plan: more files than marked, wildcards that cannot follow new directories', () => {
  const spots = blindSpotsOf('lsm', { dcacheResolver: false, postOpRecords: true }, { unmarked: true, multiWildcards: ['/a/*/b/*/'], orphanWildcards: ['/x/*/'] });
  assert.equal(ids(spots), ['mark-limit', 'wildcard-multi', 'wildcard-parent-missing']);
  assert.match(spots[1]!.what, /^\/a\/\*\/b\/\*\/: only the first \*/);
});

test.run();
