import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAccounts, parseIdNames } from '../../../src/process/accounts.js';

test('passwd and group lines: id → name, the first line for an id wins, junk skipped', () => {
  const names = parseIdNames('root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/:/bin/sh\n#comment\n+nis\nbad line\nx:x:notanumber:1\n:x:5:5\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  assert.equal([...names], [[0, 'root'], [1000, 'alice']]);
  assert.is(parseIdNames(`${'a'.repeat(65)}:x:7:7\n`).size, 0, 'names are bounded');
  assert.is(parseIdNames('e\u001b[31m:x:8:8\n').get(8), 'e\u001b[31m', 'kept as data: the notices escape it for the terminal');
});

function files() {
  const state = { passwd: 'root:x:0:0::/:/bin/sh\n', group: 'root:x:0:\n', reads: 0, now: 0 };
  const accounts = createAccounts({
    readText: (path) => {
      state.reads++;
      return path === '/etc/passwd' ? state.passwd : path === '/etc/group' ? state.group : null;
    },
    signature: (path) => (path === '/etc/passwd' ? state.passwd : state.group),
    nowMs: () => state.now,
  });
  return { state, accounts };
}

test('names come from the files, read once until they change', () => {
  const { state, accounts } = files();
  assert.is(accounts.userName(0), 'root');
  assert.is(accounts.groupName(0), 'root');
  assert.is(accounts.userName(1000), null);
  assert.is(accounts.loads, 1);
  assert.is(state.reads, 2);
  accounts.userName(0);
  assert.is(accounts.loads, 1, 'no rereading per lookup');
});

test('an event on /etc/passwd makes the next lookup read the files again (useradd, then the new user acts)', () => {
  const { state, accounts } = files();
  assert.is(accounts.userName(1001), null);
  state.passwd += 'eve:x:1001:1001::/home/eve:/bin/sh\n';
  assert.is(accounts.userName(1001), null, 'not without a reason to look');
  assert.ok(accounts.isSource('/etc/passwd'));
  assert.ok(accounts.isSource('/etc/group'));
  assert.not.ok(accounts.isSource('/etc/shadow'));
  accounts.invalidate();
  state.now += 1000;
  assert.is(accounts.userName(1001), 'eve');
});

test('a burst of writes to /etc/passwd: the files are read again at most every 200 ms, not per event', () => {
  const { state, accounts } = files();
  accounts.userName(0);
  for (let i = 0; i < 1000; i++) {
    accounts.invalidate();
    accounts.userName(0);
  }
  assert.is(accounts.loads, 1, 'within 200 ms of the last reading');
  state.now += 200;
  accounts.userName(0);
  assert.is(accounts.loads, 2);
});

test('where /etc is not watched, the periodic recheck notices a changed file', () => {
  const { state, accounts } = files();
  accounts.userName(0);
  accounts.recheck();
  assert.is(accounts.loads, 1, 'unchanged: nothing read');
  state.group += 'eve:x:1001:\n';
  accounts.recheck();
  state.now += 1000;
  assert.is(accounts.groupName(1001), 'eve');
  assert.is(accounts.loads, 2);
});

test('unreadable files: no names, no errors', () => {
  const accounts = createAccounts({ readText: () => null, signature: () => null, nowMs: () => 0 });
  assert.is(accounts.userName(0), null);
  assert.is(accounts.groupName(0), null);
});

test.run();
