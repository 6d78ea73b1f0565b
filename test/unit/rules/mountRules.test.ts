import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EventFacts } from '../../../src/rules/types.js';
import { SHELL, eventAlerts, rulesOf } from '../../fixtures/rules/helpers.js';

function mount(over: Partial<EventFacts>): EventFacts {
  return { operation: 'mount', path: '/etc/cron.d', actor: { pid: 9, comm: 'mount', uid: 0 }, mount: 'new', fstype: 'tmpfs', source: 'evil', ...over };
}

test('mount_over_watched: a tmpfs, a bind or a move onto a watched name', () => {
  const alerts = eventAlerts(mount({}));
  assert.equal(rulesOf(alerts), ['mount_over_watched']);
  assert.equal([alerts[0]!.severity, alerts[0]!.attack], ['high', 'T1564.013']);
  assert.is(alerts[0]!.message, 'tmpfs mounted over watched /etc/cron.d from "evil": the files below it are hidden');
  assert.match(eventAlerts(mount({ mount: 'bind', fstype: null, source: '/tmp/fake' }))[0]!.message, /^bind mount over watched \/etc\/cron\.d from "\/tmp\/fake"/);
  assert.match(eventAlerts(mount({ mount: 'move', fstype: null, source: null }))[0]!.message, /^mount moved over watched \/etc\/cron\.d: /);
  // a source with control characters is quoted, never raw
  assert.not.match(eventAlerts(mount({ source: 'x\x1b[2J' }))[0]!.message, /\x1b/);
});

test('mount_over_watched negative: remounts, propagation changes, unmounts, the package manager, other operations', () => {
  assert.equal(eventAlerts(mount({ mount: 'remount' })), []);
  assert.equal(eventAlerts(mount({ mount: 'propagation' })), []);
  assert.equal(eventAlerts(mount({ operation: 'umount', mount: 'umount' })), []);
  assert.equal(eventAlerts(mount({ actor: { ...SHELL, package_manager: 'dpkg' } })), []);
  // a watched tree bound to an unwatched name hides nothing watched
  assert.equal(eventAlerts(mount({ mount: 'bind', fstype: null, source: '/etc', source_watched: true })), []);
  assert.equal(eventAlerts({ operation: 'write', path: '/etc/cron.d/x', actor: { pid: 1, comm: 'sh', uid: 0 } }).filter((a) => a.rule === 'mount_over_watched'), []);
});

test.run();
