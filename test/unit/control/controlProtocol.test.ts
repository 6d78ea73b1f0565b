import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseControlRequest } from '../../../src/control/controlProtocol.js';
import { parseCtlArgs } from '../../../src/control/ctlCommand.js';

test('reload and top take no arguments; anything else is refused with the list of commands', () => {
  assert.equal(parseControlRequest('{"command":"reload"}'), { command: 'reload' });
  assert.equal(parseControlRequest('{"command":"top"}'), { command: 'top' });
  assert.is(parseControlRequest('{"command":"reload","file":"/tmp/evil.json"}'), 'unknown command (expected status, forbid-ptrace, reload or top)');
  assert.is(parseControlRequest('[]'), 'unknown command (expected status, forbid-ptrace, reload or top)');
  assert.is(parseControlRequest('x'), 'request is not valid JSON');
});

test('lsmwatch ctl reload', () => {
  assert.equal(parseCtlArgs(['reload']), { path: '/run/lsmwatch/control.sock', request: { command: 'reload' } });
  assert.equal(parseCtlArgs(['--control', '/tmp/c.sock', 'reload']), { path: '/tmp/c.sock', request: { command: 'reload' } });
  assert.match(String(parseCtlArgs(['reload', 'now'])), /usage: lsmwatch ctl .*reload/);
});

test.run();
