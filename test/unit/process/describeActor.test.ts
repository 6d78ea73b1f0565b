import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeActor } from '../../../src/process/describeActor.js';

const SUDO = [{ pid: 22960, comm: 'sudo', exe: '/usr/bin/sudo' }, { pid: 22000, comm: 'bash', exe: '/usr/bin/bash' }];

test('the executable, the login user, the tool that changed the user, the session', () => {
  assert.is(
    describeActor({ pid: 22968, comm: 'useradd', uid: 0, exe: '/usr/sbin/useradd', user: 'root', login_uid: 1000, login_user: 'alice', session_id: 3, ancestors: SUDO }),
    '/usr/sbin/useradd (pid 22968) by alice via sudo, session 3',
  );
});

test('another uid without a privilege tool: "as" that user', () => {
  assert.is(
    describeActor({ pid: 5, comm: 'vim', uid: 33, exe: '/usr/bin/vim.basic', user: 'www-data', login_uid: 1000, login_user: 'alice', session_id: 3 }),
    '/usr/bin/vim.basic (pid 5) by alice as www-data, session 3',
  );
  assert.is(
    describeActor({ pid: 5, comm: 'vim', uid: 1001, exe: '/usr/bin/vim', user: 'bob', login_uid: 1000, login_user: 'alice', session_id: 3, ancestors: [{ pid: 4, comm: 'su', exe: '/usr/bin/su' }] }),
    '/usr/bin/vim (pid 5) by alice via su as bob, session 3',
  );
});

test('no login uid (a daemon): the user; numbers where no name is known; comm where no exe is', () => {
  assert.is(describeActor({ pid: 7, comm: 'cron', uid: 0, exe: '/usr/sbin/cron', user: 'root', login_uid: null }), '/usr/sbin/cron (pid 7) by root');
  assert.is(describeActor({ pid: 8, comm: 'x', uid: 4321, exe: null, user: null, login_uid: 1234, login_user: null, session_id: null }), 'x (pid 8) by uid 1234 as uid 4321');
  assert.is(describeActor({ pid: 9, comm: 'kill', uid: 0 }), 'kill (pid 9) by uid 0');
});

test('a comm that is not the executable\'s name is shown (a script, or a process that renamed itself)', () => {
  assert.is(describeActor({ pid: 3, comm: 'deploy.sh', uid: 0, exe: '/usr/bin/dash', user: 'root' }), '/usr/bin/dash (pid 3, comm deploy.sh) by root');
  assert.is(describeActor({ pid: 3, comm: 'unattended-upgr', uid: 0, exe: '/usr/bin/unattended-upgrade', user: 'root' }), '/usr/bin/unattended-upgrade (pid 3) by root', 'comm is cut at 15 bytes');
});

test.run();
