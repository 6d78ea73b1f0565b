import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mmapOperation, sharedMapping } from '../../../src/events/sharedMapping.js';
import { MmapOp } from '../../../src/sensor/contract.js';

test('mmapOperation: map and mprotect by name; an op this agent does not know is null', () => {
  assert.is(mmapOperation({ op: MmapOp.MAP, prot: 3, flags: 1 }), 'mmap');
  assert.is(mmapOperation({ op: MmapOp.MPROTECT, prot: 3, flags: 1 }), 'mprotect');
  assert.is(mmapOperation({ op: 0, prot: 3, flags: 1 }), null);
});

test('sharedMapping: PROT_* and MAP_* by name, MAP_SHARED_VALIDATE told apart from MAP_SHARED', () => {
  assert.equal(sharedMapping({ op: 1, prot: 0x3, flags: 0x1 }), { prot: ['read', 'write'], flags: ['shared'] });
  assert.equal(sharedMapping({ op: 1, prot: 0x2, flags: 0x3 | 0x80000 }), { prot: ['write'], flags: ['shared_validate', 'sync'] });
  assert.equal(sharedMapping({ op: 1, prot: 0x7, flags: 0x1 | 0x10 | 0x2000 | 0x100000 }).flags, ['shared', 'fixed', 'locked', 'fixed_noreplace']);
});

test.run();
