import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execStartWords, renderUnit, UNIT_CAPABILITIES, UNSET_ENVIRONMENT } from '../../../src/service/unit.js';

const o = { node: '/usr/bin/node', packageRoot: '/usr/local/lib/lsmwatch', version: '0.1.0' };

test('ExecStart runs this copy with systemd\'s directories; readiness, reload and restart as documented', () => {
  const unit = renderUnit(o);
  assert.match(unit, /^ExecStart=\/usr\/bin\/node \/usr\/local\/lib\/lsmwatch\/bin\/lsmwatch\.js run --policy \$\{CONFIGURATION_DIRECTORY\}\/policy\.json --db \$\{STATE_DIRECTORY\}\/state\.db --control \$\{RUNTIME_DIRECTORY\}\/control\.sock$/m);
  assert.equal(execStartWords(o).slice(0, 3), ['/usr/bin/node', '/usr/local/lib/lsmwatch/bin/lsmwatch.js', 'run']);
  for (const line of ['Type=notify', 'ExecReload=/bin/kill -HUP $MAINPID', 'Restart=on-failure', 'RestartPreventExitStatus=2', 'StateDirectoryMode=0700', 'RuntimeDirectoryMode=0700', 'StandardOutput=journal', 'NoNewPrivileges=yes', 'ProtectHome=read-only', 'ProtectKernelModules=yes', 'LockPersonality=yes']) {
    assert.ok(unit.split('\n').includes(line), line);
  }
  assert.ok(unit.includes(`CapabilityBoundingSet=${UNIT_CAPABILITIES.join(' ')}`));
  assert.ok(unit.includes(`UnsetEnvironment=${UNSET_ENVIRONMENT.join(' ')}`));
  assert.ok(UNSET_ENVIRONMENT.includes('NODE_OPTIONS'));
  assert.not.match(unit, /^MemoryDenyWriteExecute=/m, 'V8 needs W+X pages');
});

test('paths that would need quoting in a unit are refused', () => {
  assert.throws(() => renderUnit({ ...o, packageRoot: '/opt/my lsmwatch' }), /must not contain/);
  assert.throws(() => renderUnit({ ...o, node: 'node' }), /absolute/);
  assert.throws(() => renderUnit({ ...o, packageRoot: '/opt/100%' }), /must not contain/);
});

test.run();
