import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MAX_XATTRS,
  decodeFileCapability,
  decodePosixAcl,
  escapeXattrName,
  fileCapabilityOf,
  summarizeXattr,
  summarizeXattrs,
  xattrChanges,
} from '../../../src/state/xattrText.js';
import { TEST_KEY } from '../../fixtures/state/helpers.js';

const OTHER_KEY = Buffer.alloc(32, 9);
const CAP = 'security.capability';
const ACL = 'system.posix_acl_access';

function u32s(...words: number[]): Buffer {
  const buf = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, i * 4));
  return buf;
}

/** vfs_cap_data rev 2: magic, {permitted, inheritable} for caps 0-31, then 32-63. */
const capV2 = (magic: number, pLo: number, iLo: number, pHi = 0, iHi = 0) => u32s(magic, pLo, iLo, pHi, iHi);

function acl(...entries: Array<[tag: number, perm: number, id: number]>): Buffer {
  const buf = Buffer.alloc(4 + entries.length * 8);
  buf.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    buf.writeUInt16LE(tag, 4 + i * 8);
    buf.writeUInt16LE(perm, 6 + i * 8);
    buf.writeUInt32LE(id >>> 0, 8 + i * 8);
  });
  return buf;
}
const UNDEF = 0xffffffff;

const HMAC_FORM = /^hmac:[0-9a-f]{16} \(\d+ bytes\)$/;

test('capability rev 2: cap_setuid+ep', () => {
  assert.is(decodeFileCapability(capV2(0x02000001, 1 << 7, 0)), 'cap_setuid=ep');
});

test('capability rev 2: permitted only, inheritable with effective, inheritable only', () => {
  assert.is(decodeFileCapability(capV2(0x02000000, 1 << 7, 0)), 'cap_setuid=p');
  assert.is(decodeFileCapability(capV2(0x02000001, 0, 1 << 1)), 'cap_dac_override=ei');
  assert.is(decodeFileCapability(capV2(0x02000000, 0, 1 << 1)), 'cap_dac_override=i');
  assert.is(decodeFileCapability(capV2(0x02000001, 1 << 0, 1 << 0)), 'cap_chown=eip');
});

test('capability: several caps grouped by flag set, groups ordered by lowest cap', () => {
  // net_bind_service(10) and net_raw(13) permitted; chown(0) inheritable; setuid(7) both.
  const permitted = (1 << 10) | (1 << 13) | (1 << 7);
  const inheritable = (1 << 0) | (1 << 7);
  assert.is(
    decodeFileCapability(capV2(0x02000000, permitted, inheritable)),
    'cap_chown=i cap_setuid=ip cap_net_bind_service,cap_net_raw=p',
  );
  assert.is(
    decodeFileCapability(capV2(0x02000001, (1 << 10) | (1 << 13), 0)),
    'cap_net_bind_service,cap_net_raw=ep',
  );
});

test('capability: caps above 31 (high word), last named and unknown numbers', () => {
  // bpf = 39 -> bit 7 of the high word; perfmon = 38; checkpoint_restore = 40.
  assert.is(decodeFileCapability(capV2(0x02000001, 0, 0, 1 << 7, 0)), 'cap_bpf=ep');
  assert.is(
    decodeFileCapability(capV2(0x02000001, 1 << 21, 0, (1 << 6) | (1 << 7) | (1 << 8), 0)),
    'cap_sys_admin,cap_perfmon,cap_bpf,cap_checkpoint_restore=ep',
  );
  // 41 and 63 have no name (yet).
  assert.is(decodeFileCapability(capV2(0x02000000, 0, 0, (1 << 9) | (1 << 31), 0)), 'cap_41,cap_63=p');
  assert.is(decodeFileCapability(capV2(0x02000000, 1 << 31, 0)), 'cap_setfcap=p');
});

test('capability rev 1: one word, 12 bytes', () => {
  assert.is(decodeFileCapability(u32s(0x01000001, 1 << 7, 0)), 'cap_setuid=ep');
  assert.is(decodeFileCapability(u32s(0x01000000, 1 << 13, 1 << 13)), 'cap_net_raw=ip');
});

test('capability rev 3: rootid shown only when non-zero', () => {
  assert.is(decodeFileCapability(u32s(0x03000001, 1 << 7, 0, 0, 0, 100000)), 'cap_setuid=ep [rootid=100000]');
  assert.is(decodeFileCapability(u32s(0x03000001, 1 << 7, 0, 0, 0, 0)), 'cap_setuid=ep');
  assert.is(decodeFileCapability(u32s(0x03000000, 0, 0, 0, 0, 0xffffffff)), '= [rootid=4294967295]');
});

test('capability: empty set gives a visible marker', () => {
  assert.is(decodeFileCapability(capV2(0x02000000, 0, 0)), '=');
  assert.is(decodeFileCapability(capV2(0x02000001, 0, 0)), '=');
  assert.is(decodeFileCapability(u32s(0x01000000, 0, 0)), '=');
});

test('capability: malformed values are null', () => {
  assert.is(decodeFileCapability(Buffer.alloc(0)), null);
  assert.is(decodeFileCapability(Buffer.from([1, 0, 0])), null);
  assert.is(decodeFileCapability(capV2(0x02000001, 1 << 7, 0).subarray(0, 16)), null, 'truncated rev 2');
  assert.is(decodeFileCapability(u32s(0x02000001, 1 << 7, 0)), null, 'rev 2 with rev 1 length');
  assert.is(decodeFileCapability(u32s(0x01000001, 1 << 7, 0, 0, 0)), null, 'rev 1 with rev 2 length');
  assert.is(decodeFileCapability(u32s(0x03000001, 1 << 7, 0, 0, 0)), null, 'rev 3 without rootid');
  assert.is(decodeFileCapability(Buffer.concat([capV2(0x02000001, 1, 0), Buffer.from([0])])), null, 'trailing byte');
  assert.is(decodeFileCapability(capV2(0x04000001, 1 << 7, 0)), null, 'unknown revision');
  assert.is(decodeFileCapability(capV2(0x00000001, 1 << 7, 0)), null, 'revision 0');
  assert.is(decodeFileCapability(capV2(0xff000001, 1 << 7, 0)), null, 'revision 0xff');
});

test('ACL: getfacl short form with numeric ids', () => {
  const value = acl([0x01, 6, UNDEF], [0x02, 4, 1000], [0x04, 4, UNDEF], [0x08, 7, 50], [0x10, 4, UNDEF], [0x20, 0, UNDEF]);
  assert.is(decodePosixAcl(value), 'user::rw-,user:1000:r--,group::r--,group:50:rwx,mask::r--,other::---');
  assert.is(decodePosixAcl(acl([0x01, 7, UNDEF], [0x04, 5, UNDEF], [0x20, 1, UNDEF])), 'user::rwx,group::r-x,other::--x');
  assert.is(decodePosixAcl(acl([0x02, 2, 0xfffffffe])), 'user:4294967294:-w-');
});

test('ACL: malformed values are null', () => {
  const good = acl([0x01, 6, UNDEF], [0x04, 4, UNDEF], [0x20, 4, UNDEF]);
  assert.ok(decodePosixAcl(good) !== null);
  assert.is(decodePosixAcl(Buffer.alloc(0)), null, 'empty');
  assert.is(decodePosixAcl(Buffer.from([2, 0])), null, 'short header');
  assert.is(decodePosixAcl(good.subarray(0, good.length - 1)), null, 'odd length');
  assert.is(decodePosixAcl(Buffer.concat([good, Buffer.alloc(4)])), null, 'half entry');
  const v1 = Buffer.from(good);
  v1.writeUInt32LE(1, 0);
  assert.is(decodePosixAcl(v1), null, 'version 1');
  assert.is(decodePosixAcl(acl([0x01, 6, UNDEF], [0x40, 4, UNDEF])), null, 'unknown tag');
  assert.is(decodePosixAcl(acl([0x01, 6, UNDEF], [0x00, 4, UNDEF])), null, 'tag 0');
  assert.is(decodePosixAcl(acl([0x01, 0o17, UNDEF])), null, 'perm bits beyond rwx');
  assert.is(decodePosixAcl(acl()), null, 'no entries');
});

test('summarizeXattr decodes capability and both ACL names', () => {
  assert.is(summarizeXattr(CAP, capV2(0x02000001, 1 << 7, 0), TEST_KEY), 'cap_setuid=ep');
  const value = acl([0x01, 6, UNDEF], [0x04, 4, UNDEF], [0x20, 4, UNDEF]);
  assert.is(summarizeXattr(ACL, value, TEST_KEY), 'user::rw-,group::r--,other::r--');
  assert.is(summarizeXattr('system.posix_acl_default', value, TEST_KEY), 'user::rw-,group::r--,other::r--');
});

test('summarizeXattr falls back to the hmac form for malformed decodable attributes', () => {
  const badCap = capV2(0x02000001, 1 << 7, 0).subarray(0, 13);
  const s = summarizeXattr(CAP, badCap, TEST_KEY);
  assert.match(s, HMAC_FORM);
  assert.ok(s.endsWith('(13 bytes)'));
  assert.match(summarizeXattr(CAP, capV2(0x05000000, 1, 0), TEST_KEY), HMAC_FORM);
  assert.match(summarizeXattr(ACL, Buffer.from([2, 0, 0, 0, 1]), TEST_KEY), HMAC_FORM);
  assert.match(summarizeXattr(ACL, acl([0x99, 4, UNDEF]), TEST_KEY), HMAC_FORM);
  assert.is(summarizeXattr(ACL, Buffer.alloc(0), TEST_KEY).endsWith('(0 bytes)'), true);
});

test('summarizeXattr: other attributes are digested, never shown; keyed', () => {
  const secret = Buffer.from('hunter2');
  const a = summarizeXattr('user.password', secret, TEST_KEY);
  assert.match(a, HMAC_FORM);
  assert.ok(!a.includes('hunter2'));
  assert.ok(a.endsWith('(7 bytes)'));
  assert.is(summarizeXattr('user.password', Buffer.from('hunter2'), TEST_KEY), a, 'stable for the same key');
  assert.is.not(summarizeXattr('user.password', secret, OTHER_KEY), a, 'differs for another key');
  assert.is.not(summarizeXattr('user.password', Buffer.from('hunter3'), TEST_KEY), a, 'differs for another value');
  // A valid capability under another name is not decoded.
  assert.match(summarizeXattr('user.capability', capV2(0x02000001, 1 << 7, 0), TEST_KEY), HMAC_FORM);
  assert.match(summarizeXattr('security.selinux', Buffer.from('system_u:object_r:bin_t:s0\0'), TEST_KEY), HMAC_FORM);
});

test('summarizeXattrs: sorted names, each summarized', () => {
  const record = summarizeXattrs(
    [
      { name: 'user.z', value: Buffer.from('z') },
      { name: CAP, value: capV2(0x02000001, 1 << 7, 0) },
      { name: 'security.selinux', value: Buffer.from('ctx') },
    ],
    TEST_KEY,
  );
  assert.equal(Object.keys(record), [CAP, 'security.selinux', 'user.z']);
  assert.is(record[CAP], 'cap_setuid=ep');
  assert.is(record['user.z'], summarizeXattr('user.z', Buffer.from('z'), TEST_KEY));
  assert.equal(summarizeXattrs([], TEST_KEY), {});
});

test('summarizeXattrs escapes control characters in names', () => {
  const record = summarizeXattrs(
    [
      { name: 'user.a\nb', value: Buffer.from('1') },
      { name: 'user.\x1b[31mred', value: Buffer.from('2') },
      { name: 'user.del\x7f', value: Buffer.from('3') },
      { name: 'user.tab\t\x00', value: Buffer.from('4') },
    ],
    TEST_KEY,
  );
  const keys = Object.keys(record);
  assert.ok(keys.includes('user.a\\x0ab'));
  assert.ok(keys.includes('user.\\x1b[31mred'));
  assert.ok(keys.includes('user.del\\x7f'));
  assert.ok(keys.includes('user.tab\\x09\\x00'));
  for (const key of keys) assert.not.match(key, /[\x00-\x1f\x7f]/);
});

test('escapeXattrName keeps the mapping one-to-one and printable', () => {
  assert.is(escapeXattrName('user.plain'), 'user.plain');
  assert.is(escapeXattrName('user.\n'), 'user.\\x0a');
  // A literal backslash is escaped too, so it cannot impersonate an escaped control.
  assert.is(escapeXattrName('user.\\x0a'), 'user.\\x5cx0a');
  assert.is.not(escapeXattrName('user.\\x0a'), escapeXattrName('user.\n'));
  assert.is(escapeXattrName('user.\x85'), 'user.\\x85');
  assert.is(escapeXattrName('user.\ud800'), 'user.\\ud800');
  assert.is(escapeXattrName('user.\u00e9\u{1f600}'), 'user.\u00e9\u{1f600}');
  assert.is(escapeXattrName('…'), '\\u2026');
});

test('summarizeXattrs keeps long names and odd keys', () => {
  const long = `user.${'a'.repeat(300)}`;
  const record = summarizeXattrs(
    [
      { name: long, value: Buffer.from('x') },
      { name: '__proto__', value: Buffer.from('p') },
      { name: '…', value: Buffer.from('o') },
    ],
    TEST_KEY,
  );
  assert.equal(Object.keys(record).sort(), ['\\u2026', '__proto__', long].sort());
  assert.ok(Object.hasOwn(record, '__proto__'));
  assert.match(record['__proto__']!, HMAC_FORM);
  assert.is(Object.getPrototypeOf(record), Object.prototype);
  assert.equal(JSON.parse(JSON.stringify(record)), record);
});

test('summarizeXattrs: at most 64 attributes plus an overflow count', () => {
  const entries = Array.from({ length: 70 }, (_, i) => ({
    name: `user.n${String(69 - i).padStart(2, '0')}`,
    value: Buffer.from([i]),
  }));
  const record = summarizeXattrs(entries, TEST_KEY);
  const keys = Object.keys(record);
  assert.is(keys.length, MAX_XATTRS + 1);
  assert.is(keys[0], 'user.n00');
  assert.is(keys[MAX_XATTRS - 1], 'user.n63');
  assert.not.ok(Object.hasOwn(record, 'user.n64'));
  assert.is(record['…'], '6 more');
  assert.is(keys[MAX_XATTRS], '…');

  const exact = summarizeXattrs(entries.slice(0, MAX_XATTRS), TEST_KEY);
  assert.is(Object.keys(exact).length, MAX_XATTRS);
  assert.not.ok(Object.hasOwn(exact, '…'));
});

test('summarizeXattrs: duplicate names keep the first value', () => {
  const record = summarizeXattrs(
    [
      { name: CAP, value: capV2(0x02000001, 1 << 7, 0) },
      { name: CAP, value: capV2(0x02000001, 1 << 6, 0) },
    ],
    TEST_KEY,
  );
  assert.equal(record, { [CAP]: 'cap_setuid=ep' });
});

test('xattrChanges: added, removed, changed; unchanged omitted; sorted', () => {
  const before = { [CAP]: 'cap_setuid=p', 'user.a': 'hmac:1', 'user.same': 'hmac:s', 'user.gone': 'hmac:g' };
  const after = { 'user.same': 'hmac:s', [CAP]: 'cap_setuid=ep', 'user.b': 'hmac:b', 'user.a': 'hmac:2' };
  assert.equal(xattrChanges(before, after), [
    { name: CAP, before: 'cap_setuid=p', after: 'cap_setuid=ep' },
    { name: 'user.a', before: 'hmac:1', after: 'hmac:2' },
    { name: 'user.b', before: null, after: 'hmac:b' },
    { name: 'user.gone', before: 'hmac:g', after: null },
  ]);
  assert.equal(xattrChanges(before, { ...before }), []);
  assert.equal(xattrChanges({}, {}), []);
});

test('xattrChanges: unknown (null) side gives no changes', () => {
  assert.equal(xattrChanges(null, { 'user.a': 'x' }), []);
  assert.equal(xattrChanges({ 'user.a': 'x' }, null), []);
  assert.equal(xattrChanges(null, null), []);
});

test('xattrChanges: inherited property names are not mistaken for entries', () => {
  assert.equal(xattrChanges({}, { constructor: 'hmac:c' }), [{ name: 'constructor', before: null, after: 'hmac:c' }]);
  const withProto = summarizeXattrs([{ name: '__proto__', value: Buffer.from('p') }], TEST_KEY);
  assert.equal(xattrChanges({}, withProto), [{ name: '__proto__', before: null, after: withProto['__proto__']! }]);
});

test('fileCapabilityOf', () => {
  const record = summarizeXattrs([{ name: CAP, value: capV2(0x02000001, 1 << 7, 0) }], TEST_KEY);
  assert.is(fileCapabilityOf(record), 'cap_setuid=ep');
  assert.is(fileCapabilityOf({ 'user.a': 'x' }), null);
  assert.is(fileCapabilityOf({}), null);
  assert.is(fileCapabilityOf(null), null);
});

test('never throws on random bytes', () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)));
    if (bytes.length >= 4 && i % 2 === 0) bytes.writeUInt32LE(i % 4 === 0 ? 0x02000001 : 2, 0);
    for (const name of [CAP, ACL, 'user.x']) {
      const s = summarizeXattr(name, bytes, TEST_KEY);
      assert.type(s, 'string');
      assert.not.match(s, /[\x00-\x1f\x7f]/);
    }
  }
});

test.run();
