import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicyReloader, type ReloadTargets } from '../../../src/agent/policyReload.js';
import { parseAgentPolicy, type AgentPolicy } from '../../../src/agent/agentPolicy.js';
import { createWatchList } from '../../../src/agent/watchList.js';
import { createRuntimeSettings } from '../../../src/agent/runtimeSettings.js';
import { PolicyError } from '../../../src/policy/policyError.js';
import { buildWatchEntries } from '../../../src/sensor/watchKeys.js';
import type { DetectConfig } from '../../../src/detect/index.js';
import type { StateConfig } from '../../../src/state/stateConfig.js';
import { fakeNative } from '../../fixtures/agent/fakeNative.js';
import { recordingNotices, recordingOutput } from '../../fixtures/agent/fakes.js';

const FILE = '/etc/lsmwatch/policy.json';
const parse = (doc: Record<string, unknown>) => parseAgentPolicy(JSON.stringify(doc), FILE);
const entriesOf = (p: AgentPolicy) => buildWatchEntries({ watch: p.watch, watchReads: p.watchReads, ignore: p.ignore });

function setup(initialDoc: Record<string, unknown>, options: { state?: boolean; statsFixed?: boolean } = {}) {
  const initial = parse(initialDoc);
  const native = fakeNative();
  for (const e of entriesOf(initial)) native.updateElem('lw_watch', e.key, e.value);
  let fileText: string | Error = JSON.stringify(initialDoc);
  const log: string[] = [];
  const settingsWritten: unknown[] = [];
  const targets: ReloadTargets = {
    watchList: createWatchList(native, { entries: entriesOf(initial), marks: { keys: new Set(), missing: 0 } }, 4096),
    watchPlan: (p) => ({ keys: entriesOf(p), marks: [], names: new Map() }),
    settings: createRuntimeSettings({ forbidPtrace: 'off', denyPtraceRead: initial.ptrace.denyRead, protect: false }, (s) => settingsWritten.push(s)),
    detection: {
      name: 'write detectors',
      consume() {},
      start() {},
      stop() {},
      reconfigure: (c: DetectConfig) => void log.push(`detect:${c.burstFactor}`),
      trackedKeys: () => ({ pid: 0, path: 0, fanout: 0 }),
    },
    rules: {
      name: 'detection rules',
      consume() {},
      judgeChange() {},
      reconfigure: (c) => void log.push(`rules:timestomp=${c.rules.timestomp.severity}`),
    },
    state: options.state
      ? ({
          reconfigure: (c: StateConfig) => {
            log.push(`state:${c.baseline.join(',')}`);
            return Promise.resolve();
          },
        } as unknown as ReloadTargets['state'])
      : null,
    integrity: {
      stop: () => Promise.resolve(),
      policyReloaded: (p: AgentPolicy) => {
        log.push(`integrity:${p.sha256.slice(0, 8)}:${p.integrity.interval}`);
        return Promise.resolve();
      },
      lastCheck: () => null,
    },
    statsInterval: options.statsFixed ? null : { set: (s: number) => void log.push(`stats:${s}`) },
  };
  const output = recordingOutput();
  const notices = recordingNotices();
  const notified: string[] = [];
  const reloader = createPolicyReloader({
    initial,
    load: (file) => {
      assert.is(file, FILE);
      if (fileText instanceof Error) throw fileText;
      return parseAgentPolicy(fileText, file);
    },
    targets,
    output,
    notices,
    nowRfc3339: () => 'T',
    notifier: { reloading: () => notified.push('RELOADING'), ready: () => notified.push('READY') },
    delay: () => Promise.resolve(),
  });
  return {
    native,
    reloader,
    output,
    notices,
    log,
    notified,
    settingsWritten,
    write: (doc: Record<string, unknown> | string | Error) => (fileText = doc instanceof Error || typeof doc === 'string' ? doc : JSON.stringify(doc)),
  };
}

test('a valid policy replaces the running one part by part and one reloaded record says what changed', async () => {
  const t = setup({ watch: ['/etc/'], stats: { interval: 60 } }, { state: true });
  t.write({ watch: ['/etc/', '/srv/'], stats: { interval: 5 }, detect: { burst_factor: 8 }, ptrace: { deny_read: true }, state: { baseline: ['/srv/app'] }, aggregate: { window_ms: 100 } });
  const outcome = await t.reloader.reload('SIGHUP');
  assert.is(outcome.status, 'reloaded');
  assert.is(t.output.records.length, 1);
  const r = t.output.records[0]!;
  assert.equal(Object.keys(r), ['type', 'status', 'time', 'trigger', 'policy', 'policy_sha256', 'previous_sha256', 'changes', 'requires_restart']);
  assert.equal([r.type, r.status, r.trigger, r.policy], ['policy', 'reloaded', 'SIGHUP', FILE]);
  const changes = r.changes as Record<string, Record<string, unknown>>;
  assert.equal(changes.watch, { added: ['/srv/'], removed: [] });
  assert.equal((changes.watch_map as { added: string[] }).added, ['/|srv/', '/|srv$']);
  assert.equal(changes.stats, { changed: ['interval'] });
  assert.equal(changes.state!.scan, 'background');
  assert.equal(r.requires_restart, ['aggregate.window_ms']);
  assert.equal(t.log, ['detect:8', 'stats:5', 'state:/srv/app', `integrity:${String(r.policy_sha256).slice(0, 8)}:30`]);
  assert.equal(t.settingsWritten, [{ forbidPtrace: 'off', denyPtraceRead: true, protect: false }]);
  assert.equal(t.notified, ['RELOADING', 'READY']);
  assert.is(t.reloader.current.sha256, r.policy_sha256);
  // restart-only values keep running as they were, and are reported again at the next reload
  assert.is(t.reloader.current.aggregate.windowMs, 1000);
  assert.is(t.reloader.current.stats.interval, 5);
  assert.match(t.notices.lines[0]!, /^info: policy reloaded \(SIGHUP\): changed watch, .*aggregate\.window_ms changes only with a restart$/);
  assert.equal(t.reloader.counts, { reloaded: 1, rejected: 0 });
});

test('an invalid policy changes nothing: one rejected record with the message a start prints', async () => {
  const t = setup({ watch: ['/etc/'] });
  const runningSha = t.reloader.current.sha256;
  const writesBefore = t.native.writes.length;
  t.write('{"watch": ["/etc/"], "wtach": []}');
  const outcome = await t.reloader.reload('ctl');
  let startMessage = '';
  try {
    parseAgentPolicy('{"watch": ["/etc/"], "wtach": []}', FILE);
  } catch (err) {
    startMessage = `invalid policy: ${(err as PolicyError).message}`;
  }
  assert.is(outcome.status, 'rejected');
  assert.equal(t.output.records, [
    { type: 'policy', status: 'rejected', time: 'T', trigger: 'ctl', policy: FILE, error: startMessage, policy_sha256: runningSha },
  ]);
  assert.match(startMessage, /wtach: expected one of the known keys/);
  assert.is(t.native.writes.length, writesBefore, 'no map was written');
  assert.is(t.reloader.current.sha256, runningSha);
  assert.equal(t.log, []);
  assert.match(t.notices.lines[0]!, /^error: invalid policy: .*wtach.*\(reload by ctl rejected: the running policy, sha256 [0-9a-f]{12}…, stays in force\)$/);
  assert.equal(t.notified, ['RELOADING', 'READY']);
});

test('an unreadable file and a watch list the map cannot hold are rejected the same way', async () => {
  const t = setup({ watch: ['/etc/'] });
  t.write(new PolicyError(FILE, '(file)', 'a readable policy file', 'ENOENT'));
  assert.is((await t.reloader.reload('SIGHUP')).status, 'rejected');
  // two entries per file: 2100 files (in two lists of at most 1000 and a third) need 4200 > 4096
  const files = (n: number, d: string) => Array.from({ length: n }, (_, i) => `/${d}/f${i}`);
  t.write({ watch: files(1000, 'a'), watch_reads: files(1000, 'b'), ignore: files(100, 'c') });
  const outcome = await t.reloader.reload('SIGHUP');
  assert.is(outcome.status, 'rejected');
  assert.match(String(outcome.record.error), /the new watch list was not applied: the watch list needs 4200 map entries, the kernel map holds 4096/);
  assert.equal(t.reloader.counts, { reloaded: 0, rejected: 2 });
});

test('--stats-interval and --no-state: the reload says the section is not applied, and why', async () => {
  const t = setup({ watch: ['/etc/'] }, { statsFixed: true, state: false });
  t.write({ watch: ['/etc/'], stats: { interval: 7 }, state: { baseline: ['/x'] } });
  const r = (await t.reloader.reload('SIGHUP')).record;
  const changes = r.changes as Record<string, Record<string, unknown>>;
  assert.is(changes.stats!.overridden_by, '--stats-interval');
  assert.is(changes.state!.overridden_by, '--no-state');
  assert.equal(t.log.filter((l) => l.startsWith('stats')), []);
});

test('reloads run one at a time, in order', async () => {
  const t = setup({ watch: ['/a/'] });
  t.write({ watch: ['/b/'] });
  const first = t.reloader.reload('SIGHUP');
  const second = t.reloader.reload('ctl');
  await Promise.all([first, second, t.reloader.settled()]);
  assert.equal(t.output.records.map((r) => r.trigger), ['SIGHUP', 'ctl']);
  assert.equal((t.output.records[1]!.changes as object), {}, 'the second found nothing left to change');
});

test('the kernel cache gets its second pass only when the watch map changed', async () => {
  const t = setup({ watch: ['/a/'] });
  t.write({ watch: ['/a/'], detect: { burst_factor: 5 } });
  await t.reloader.reload('SIGHUP');
  assert.equal(t.native.calls.filter((c) => c === 'clear:lw_sticky_marks'), []);
  t.write({ watch: ['/b/'] });
  await t.reloader.reload('SIGHUP');
  // the swap's two epochs (after the new entries, after the old left) and the second pass
  assert.equal(t.native.calls.filter((c) => c === 'clear:lw_sticky_marks').length, 3);
});

test('a changed rules section is in force after the reload', async () => {
  const t = setup({ watch: ['/etc/'] });
  t.write({ watch: ['/etc/'], rules: { timestomp: { severity: 'low' } } });
  const outcome = await t.reloader.reload('test');
  assert.is(outcome.status, 'reloaded');
  assert.ok(t.log.includes('rules:timestomp=low'), t.log.join(','));
});

test.run();
