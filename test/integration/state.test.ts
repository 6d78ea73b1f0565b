/** File-integrity state end to end: baselines in SQLite, change records with diffs, changes made
 * while the agent was down, history queries, and a database that survives kill -9. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { agentBin, controlPath, makeSandbox, run, sensorUnderTest, sleep, startAgent, type Event, type Sandbox } from './harness.js';

const state = suite('state');
let box: Sandbox;
let etc: string;
let db: string;
let policyFile: string;

state.before(() => {
  box = makeSandbox();
  etc = join(box.watched, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  writeFileSync(join(etc, 'app.conf'), 'listen=127.0.0.1\nport=8080\n');
  db = join(box.root, 'state', 'state.db');
  policyFile = join(box.root, 'state-policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      watch: [box.watched + '/'],
      stats: { interval: 3600 },
      state: { baseline: [join(etc, 'passwd'), join(etc, 'app.conf'), join(box.watched, 'churn')] },
    }),
  );
});
state.after(() => box.cleanup());

const agentArgs = () => ['--policy', policyFile, '--sensor', sensorUnderTest, '--db', db, '--control', controlPath(box)];
const changesFor = (events: Event[], path: string) => events.filter((e) => e.type === 'change' && e.path === path);

async function startWithBaseline() {
  const agent = startAgent(agentArgs());
  await agent.waitFor((e) => e.type === 'baseline', 'baseline reconciled');
  return agent;
}

state('first start builds the baseline (0600 database) and reports nothing', async () => {
  const agent = await startWithBaseline();
  await agent.stop();
  assert.equal(agent.events.filter((e) => e.type === 'change'), []);
  const mode = Number(run('stat', ['-c', '%a', db]).trim());
  assert.is(mode, 600);
});

state('a useradd-style temp-file-plus-rename gives exactly one replaced change with the added user', async () => {
  const agent = await startWithBaseline();
  const passwd = join(etc, 'passwd');
  run('sh', ['-c', 'cp "$1" "$1.tmp" && echo "bob:x:1001:1001::/home/bob:/bin/sh" >> "$1.tmp" && mv "$1.tmp" "$1"', 'sh', passwd]);
  const change = await agent.waitFor((e) => e.type === 'change' && e.path === passwd, 'passwd change');
  await sleep(1000);
  await agent.stop();
  assert.is(changesFor(agent.events, passwd).length, 1, 'exactly one change');
  assert.is(change.action, 'replaced');
  assert.match(JSON.stringify(change.diff), /bob/);
  assert.is((change.by as { comm: string }).comm, 'mv');
});

state('sed -i on a watched config gives a diff with the changed line', async () => {
  const agent = await startWithBaseline();
  const conf = join(etc, 'app.conf');
  run('sed', ['-i', 's/8080/9090/', conf]);
  const change = await agent.waitFor((e) => e.type === 'change' && e.path === conf, 'app.conf change');
  await agent.stop();
  const diff = JSON.stringify(change.diff);
  assert.match(diff, /port=8080/);
  assert.match(diff, /port=9090/);
});

state('lsmwatch alerts --since 1h --json returns what the runs recorded', () => {
  const out = run(process.execPath, [agentBin, 'alerts', '--since', '1h', '--json', '--db', db]);
  const rows = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const paths = rows.map((r) => JSON.stringify(r));
  assert.ok(paths.some((p) => p.includes(join(etc, 'passwd'))), 'the passwd change is in the history');
  assert.ok(paths.some((p) => p.includes(join(etc, 'app.conf'))), 'the app.conf change is in the history');
});

state('a change made while the agent was down is reported once, offline', async () => {
  const conf = join(etc, 'app.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8') + 'debug=true\n');
  const first = await startWithBaseline();
  await first.stop();
  const offline = changesFor(first.events, conf);
  assert.is(offline.length, 1);
  assert.is(offline[0].offline, true);
  assert.match(JSON.stringify(offline[0].diff), /debug=true/);
  const second = await startWithBaseline();
  await second.stop();
  assert.equal(changesFor(second.events, conf), [], 'not reported again');
});

state('kill -9 while the agent writes records leaves a database that passes integrity_check', async () => {
  const churn = join(box.watched, 'churn');
  mkdirSync(churn);
  const agent = await startWithBaseline();
  run('sh', ['-c', 'i=0; while [ $i -lt 300 ]; do echo $i > "$1/f$((i % 40))"; i=$((i+1)); done', 'sh', churn]);
  await agent.waitFor((e) => e.type === 'change' && String(e.path).startsWith(churn), 'first churn change');
  agent.child.kill('SIGKILL');
  await agent.exited;
  const check = new Database(db, { readonly: true });
  try {
    assert.equal(check.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  } finally {
    check.close();
  }
});

state.run();
