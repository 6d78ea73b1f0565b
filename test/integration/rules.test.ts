/** The built-in rules in the running agent: a change to a baseline file raises the rule's alert
 * (severity, ATT&CK id, message), on stdout, on stderr and in the history. Scratch files only. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentBin, controlPath, makeSandbox, run, sensorUnderTest, sleep, startAgent, type Sandbox } from './harness.js';

const rules = suite('rules');
let box: Sandbox;
let etc: string;
let db: string;
let policyFile: string;

rules.before(() => {
  box = makeSandbox();
  etc = join(box.watched, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  db = join(box.root, 'state', 'state.db');
  policyFile = join(box.root, 'rules-policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({ watch: [box.watched + '/'], stats: { interval: 3600 }, state: { baseline: [etc] }, rules: { account_removed: { enabled: false } } }),
  );
});
rules.after(() => box.cleanup());

rules('a second uid-0 account appended to passwd: one critical alert, graded on stderr, kept in the history', async () => {
  const agent = startAgent(['--policy', policyFile, '--sensor', sensorUnderTest, '--db', db, '--control', controlPath(box)]);
  await agent.waitFor((e) => e.type === 'baseline', 'baseline');
  const passwd = join(etc, 'passwd');
  appendFileSync(passwd, 'x:x:0:0::/:/bin/sh\n');
  const alert = await agent.waitFor((e) => e.type === 'alert' && e.rule === 'account_uid0_added', 'account_uid0_added');
  await sleep(1000);
  await agent.stop();
  assert.is(alert.severity, 'critical');
  assert.is(alert.attack, 'T1136.001');
  assert.is(alert.path, passwd);
  assert.is(alert.source, 'change');
  assert.match(String(alert.message), /\bx\b/);
  assert.is(agent.events.filter((e) => e.type === 'alert' && e.rule === 'account_uid0_added').length, 1, 'exactly once');
  assert.match(agent.stderr(), /lsmwatch: ALERT \[critical\]: account_uid0_added: /);
  const history = run(process.execPath, [agentBin, 'alerts', '--db', db, '--json', '--min-severity', 'critical']);
  const rows = history.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(rows.some((r) => r.rule === 'account_uid0_added'), history);
  assert.not.ok(rows.some((r) => r.type === 'change'), 'a change is not critical');
});

rules.run();
