import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EventFacts } from '../../../src/rules/types.js';
import { CONTEXT, DPKG, NOW_NS, SHELL, alertsFor, change, eventAlerts, replace, rulesOf } from '../../fixtures/rules/helpers.js';

const ELF = Buffer.from('\x7fELF\0\x02\x01 binary');
const ELF2 = Buffer.from('\x7fELF\0\x02\x01 trojan');
const HOUR_NS = 3_600_000_000_000n;
const Y2000_NS = 946_684_800_000_000_000n;

function event(over: Partial<EventFacts>): EventFacts {
  return { operation: 'chmod', path: '/tmp/x', actor: { pid: 9, comm: 'chmod', uid: 0 }, ...over };
}

test('setuid_added: chmod u+s of a binary, from the baseline comparison', () => {
  const alerts = alertsFor(change('/usr/local/bin/tool', { content: ELF, mode: 0o100755 }, { content: ELF, mode: 0o104755 }));
  assert.equal(rulesOf(alerts), ['setuid_added']);
  assert.is(alerts[0]!.severity, 'high');
  assert.is(alerts[0]!.attack, 'T1548.001');
  assert.is(alerts[0]!.message, 'setuid bit added to /usr/local/bin/tool (mode 0755 → 4755, owner uid 0, gid 0)');
  assert.equal(alerts[0]!.details, { bits: ['setuid'], old_mode: '0755', mode: '4755', uid: 0, gid: 0 });
  // a new setgid file (created with the bit) is one too
  const created = alertsFor(change('/opt/tool/x', null, { content: 'x', mode: 0o102755 }));
  assert.equal(rulesOf(created), ['setuid_added']);
  assert.equal(created[0]!.details.bits, ['setgid']);
});

test('setuid_added negative: already setuid, the package manager installing passwd, a plain chmod', () => {
  assert.equal(rulesOf(alertsFor(replace('/usr/bin/passwd', { content: ELF, mode: 0o104755 }, { content: ELF2, mode: 0o104755 }))), ['system_binary_changed']);
  assert.equal(alertsFor(replace('/usr/bin/passwd', { content: ELF, mode: 0o100755 }, { content: ELF2, mode: 0o104755 }, { by: DPKG })), []);
  assert.equal(alertsFor(change('/usr/local/bin/tool', { content: ELF, mode: 0o100644 }, { content: ELF, mode: 0o100755 })), []);
});

test('setuid_added from a chmod event outside the baseline; the baseline reports its own', () => {
  const alerts = eventAlerts(event({ operation: 'chmod', path: '/tmp/sh', mode: 0o104755, old_mode: 0o100755 }));
  assert.equal(rulesOf(alerts), ['setuid_added']);
  assert.is(alerts[0]!.source, 'event');
  assert.is(alerts[0]!.operation, 'chmod');
  assert.is(alerts[0]!.message, 'setuid bit set on /tmp/sh (mode 0755 → 4755)');
  assert.equal(eventAlerts(event({ path: '/usr/bin/sh', mode: 0o104755, in_baseline: true })), [], 'one alert per action');
  assert.equal(eventAlerts(event({ mode: 0o100755, old_mode: 0o100644 })), []);
});

test('file_capability_added: setxattr security.capability; negative: another attribute, the package manager', () => {
  const alerts = eventAlerts(event({ operation: 'setxattr', path: '/opt/tool/python3.11', xattr: 'security.capability' }));
  assert.equal(rulesOf(alerts), ['file_capability_added']);
  assert.is(alerts[0]!.attack, 'T1548');
  assert.equal(eventAlerts(event({ operation: 'setxattr', xattr: 'security.capability', in_baseline: true })), [], 'one alert per action: the change has it');
  assert.equal(eventAlerts(event({ operation: 'setxattr', xattr: 'user.comment' })), []);
  assert.equal(eventAlerts(event({ operation: 'setxattr', xattr: 'security.capability', actor: { pid: 1, comm: 'setcap', uid: 0, package_manager: 'dpkg' } })), []);
});

test('file_capability_added from the baseline comparison: the capability decoded, the old one, a new file with one', () => {
  const path = '/usr/local/bin/py';
  const alerts = alertsFor(change(path, { content: ELF, mode: 0o100755, xattrs: {} }, { content: ELF, mode: 0o100755, xattrs: { 'security.capability': 'cap_setuid=ep' } }));
  assert.equal(rulesOf(alerts), ['file_capability_added']);
  assert.is(alerts[0]!.message, 'file capability cap_setuid=ep set on /usr/local/bin/py');
  assert.equal(alerts[0]!.details, { xattr: 'security.capability', capabilities: 'cap_setuid=ep', old_capabilities: null });
  const widened = alertsFor(change(path, { content: ELF, xattrs: { 'security.capability': 'cap_net_raw=ep' } }, { content: ELF, xattrs: { 'security.capability': 'cap_net_raw,cap_setuid=ep' } }));
  assert.is(widened[0]!.message, 'file capability cap_net_raw,cap_setuid=ep set on /usr/local/bin/py (was cap_net_raw=ep)');
  assert.equal(rulesOf(alertsFor(change('/opt/x', null, { content: ELF, xattrs: { 'security.capability': 'cap_bpf=p' } }))), ['file_capability_added']);
  // negative: removed, unchanged, another attribute, not known on one side, the package manager
  assert.equal(alertsFor(change(path, { content: ELF, xattrs: { 'security.capability': 'cap_setuid=ep' } }, { content: ELF, xattrs: {} })), []);
  assert.equal(alertsFor(change('/etc/x', { content: 'a', xattrs: {} }, { content: 'a', xattrs: { 'user.x': 'hmac:00 (1 bytes)' } })), []);
  assert.equal(alertsFor(change('/opt/x', { content: ELF, xattrs: null }, { content: ELF2, xattrs: { 'security.capability': 'cap_setuid=ep' } })), []);
  assert.equal(alertsFor(change(path, { content: ELF, xattrs: {} }, { content: ELF, xattrs: { 'security.capability': 'cap_setuid=ep' } }, { by: DPKG })), []);
});

test('system_binary_changed: replaced by cp, created in /usr/local/bin, changed while the agent was down', () => {
  const alerts = alertsFor(replace('/usr/bin/ls', { content: ELF, mode: 0o100755 }, { content: ELF2, mode: 0o100755 }, { by: { pid: 31, comm: 'cp', uid: 0 } }));
  assert.equal(rulesOf(alerts), ['system_binary_changed']);
  assert.is(alerts[0]!.attack, 'T1554');
  assert.match(alerts[0]!.message, /^system binary \/usr\/bin\/ls replaced by "cp" \(pid 31, uid 0\), not by a package manager \(sha256 [0-9a-f]{12}… → [0-9a-f]{12}…\)$/);
  assert.match(alertsFor(change('/usr/local/bin/kworker', null, { content: ELF, mode: 0o100755 }))[0]!.message, /^system binary \/usr\/local\/bin\/kworker created by "bash"/);
  const offline = alertsFor(change('/usr/sbin/sshd', ELF, ELF2, { by: null, offline: true }));
  assert.equal(rulesOf(offline), ['system_binary_changed']);
  assert.is(offline[0]!.offline, true);
  assert.match(offline[0]!.message, /rewritten while the agent was not running \(writer unknown\)/);
});

test('system_binary_changed negative: dpkg, an identical reinstall by anyone, outside the system dirs, a deletion', () => {
  assert.equal(alertsFor(replace('/usr/bin/ls', ELF, ELF2, { by: DPKG, package: 'coreutils' })), []);
  const reinstall = replace('/usr/bin/ls', { content: ELF, mode: 0o100755 }, { content: ELF, mode: 0o100755 });
  assert.is(reinstall.content_changed, false);
  assert.equal(alertsFor(reinstall), [], 'same content, mode and owner: no rule at all');
  assert.equal(alertsFor(replace('/opt/app/bin/x', ELF, ELF2)), []);
  assert.equal(alertsFor(change('/usr/bin/ls', ELF, null)), []);
});

test('timestomp: touch -d 2000-01-01 on a baselined file (mtime moved back, nothing else)', () => {
  const record = change('/usr/local/bin/tool', { content: ELF, mtimeNs: NOW_NS - HOUR_NS }, { content: ELF, mtimeNs: Y2000_NS });
  const alerts = alertsFor(record);
  assert.equal(rulesOf(alerts), ['timestomp']);
  assert.is(alerts[0]!.severity, 'medium');
  assert.is(alerts[0]!.attack, 'T1070.006');
  assert.is(alerts[0]!.message, 'modification time of /usr/local/bin/tool moved backwards (2024-05-01T11:00:00.000000000Z → 2000-01-01T00:00:00.000000000Z)');
  // a trojan copied in and dated like its neighbours: two facts, two rules
  const trojan = alertsFor(replace('/usr/bin/ls', { content: ELF, mtimeNs: NOW_NS - HOUR_NS }, { content: ELF2, mtimeNs: Y2000_NS }));
  assert.equal(rulesOf(trojan), ['system_binary_changed', 'timestomp']);
  // dated into the future
  assert.equal(rulesOf(alertsFor(change('/etc/profile', 'a\n', { content: 'a\n', mode: 0o100600, mtimeNs: NOW_NS + 48n * HOUR_NS }))), ['timestomp']);
  // a new file dated years back by a known process
  assert.equal(rulesOf(alertsFor(change('/etc/x.conf', null, { content: 'a', mtimeNs: Y2000_NS }))), ['timestomp']);
});

test('timestomp negative: the package manager, a downgrade while the agent was down, an ordinary edit', () => {
  assert.equal(alertsFor(replace('/usr/bin/x', { content: ELF, mtimeNs: NOW_NS }, { content: ELF2, mtimeNs: Y2000_NS }, { by: DPKG })), []);
  assert.equal(rulesOf(alertsFor(replace('/usr/bin/x', { content: ELF, mtimeNs: NOW_NS }, { content: ELF2, mtimeNs: Y2000_NS }, { by: null, offline: true }))), ['system_binary_changed']);
  assert.equal(alertsFor(change('/etc/x.conf', { content: 'a', mtimeNs: NOW_NS - HOUR_NS }, { content: 'b', mtimeNs: NOW_NS })), []);
  assert.equal(alertsFor(change('/etc/x.conf', { content: 'a', mtimeNs: NOW_NS - HOUR_NS }, { content: 'b', mtimeNs: NOW_NS - HOUR_NS - 500_000_000n })), [], 'sub-second');
});

test('timestomp negative: the backups shadow tools write with their original\'s times (useradd on an old /etc/subuid)', () => {
  const useradd = { ...SHELL, comm: 'useradd', exe: '/usr/sbin/useradd' };
  for (const path of ['/etc/subuid-', '/etc/subgid-', '/etc/passwd-', '/etc/shadow-']) {
    assert.equal(alertsFor(change(path, null, { content: 'a:100000:65536\n', mtimeNs: Y2000_NS }, { by: useradd })), [], path);
    assert.equal(eventAlerts(event({ operation: 'utimes', path, mtime: '2000-01-01T00:00:00Z' })), [], `${path}: utimes event`);
  }
  // the live files and any other new file dated back still are
  assert.equal(rulesOf(alertsFor(change('/etc/subuid', { content: 'a', mtimeNs: NOW_NS - HOUR_NS }, { content: 'a', mtimeNs: Y2000_NS }))), ['timestomp']);
  assert.equal(rulesOf(alertsFor(change('/etc/subuid-x', null, { content: 'a', mtimeNs: Y2000_NS }))), ['timestomp']);
});

test('timestomp negative: an unmount shows the older file that was under the mount (recheck mount)', () => {
  const shown = change('/opt/app/job', { content: 'evil', mtimeNs: NOW_NS }, { content: 'job', mtimeNs: NOW_NS - HOUR_NS }, { by: { ...SHELL, comm: 'umount' } });
  assert.equal(rulesOf(alertsFor(shown)), ['timestomp'], 'without the re-check mark it looks like one');
  shown.recheck = 'mount';
  assert.equal(alertsFor(shown).filter((a) => a.rule === 'timestomp'), []);
});

test('timestomp from utimes events: far from now; a baselined file only for the future', () => {
  const alerts = eventAlerts(event({ operation: 'utimes', path: '/tmp/x', mtime: '2000-01-01T00:00:00Z' }));
  assert.equal(rulesOf(alerts), ['timestomp']);
  assert.is(alerts[0]!.message, 'modification time of /tmp/x set far into the past (2000-01-01T00:00:00Z)');
  assert.equal(eventAlerts(event({ operation: 'utimes', mtime: '2024-05-01T11:59:00Z' })), [], 'touch: now');
  assert.equal(eventAlerts(event({ operation: 'utimes', mtime: '2000-01-01T00:00:00Z', in_baseline: true })), [], 'the comparison reports it');
  assert.equal(rulesOf(eventAlerts(event({ operation: 'utimes', mtime: '2030-01-01T00:00:00Z', in_baseline: true }))), ['timestomp']);
  assert.equal(eventAlerts(event({ operation: 'utimes', mtime: '2000-01-01T00:00:00Z', actor: { ...SHELL, package_manager: 'dpkg' } })), []);
  assert.equal(eventAlerts(event({ operation: 'utimes', mtime: 'garbage' })), []);
  // the clock is a parameter
  const later = { ...CONTEXT, now: () => new Date('2000-01-01T06:00:00Z') };
  assert.equal(eventAlerts(event({ operation: 'utimes', mtime: '2000-01-01T00:00:00Z' }), later), []);
});

test.run();
