/**
 * The built-in detection rules (src/rules/) in the running agent: every change record of the
 * baseline and every file event is judged; each finding is one alert line (kept in the history by
 * the history sink) and one stderr line coloured by its severity.
 */
import { evaluateChange, evaluateEvent } from '../rules/evaluate.js';
import type { RulesConfig } from '../rules/rulesConfig.js';
import type { EventFacts, RuleAlert, RuleContext } from '../rules/types.js';
import type { ChangeRecord } from '../state/changeRecord.js';
import type { FileEvent, SensorEvent } from '../events/types.js';
import { O_CREAT } from '../sensor/linuxConstants.js';
import type { Notices } from '../log/notices.js';
import type { Output } from '../output/sink.js';
import { ruleAlertLine } from '../output/records.js';
import type { EventConsumer } from './eventConsumers.js';
import { packageManagerOf } from '../packages/processPackageManager.js';

export interface RuleAlerts extends EventConsumer {
  /** a change record of the baseline (live or offline) */
  judgeChange(change: ChangeRecord): void;
  /** a reloaded policy's rules section, in force for the next event */
  reconfigure(config: RulesConfig): void;
}

/** What the rules need of a file event; null for events no rule looks at (reads, unnamed files). */
export function eventFacts(event: FileEvent, inBaseline: (path: string) => boolean): EventFacts | null {
  if (event.path === null) return null;
  const creates = event.operation === 'open' && (event.openFlags & O_CREAT) !== 0;
  if (event.operation === 'open' && !creates) return null;
  // a truncate changes content only: its baseline comparison judges that
  if (event.operation === 'truncate') return null;
  const facts: EventFacts = {
    // a shared writable mapping is a write whose stores the sensors cannot see one by one
    operation: creates ? 'create' : event.operation === 'mmap' || event.operation === 'mprotect' ? 'write' : event.operation,
    path: event.path.text,
    actor: { pid: event.process.pid, comm: event.process.comm.text, uid: event.process.uid, exe: event.process.context.exe?.text ?? null },
    in_baseline: inBaseline(event.path.text),
  };
  const manager = packageManagerOf(event.process);
  if (manager !== null) facts.actor.package_manager = manager.name;
  if (event.oldPath !== null) facts.old_path = event.oldPath.text;
  if (creates && event.mode !== 0) facts.mode = event.mode & 0o7777;
  if (event.mount !== null) {
    facts.mount = event.mount.kind;
    facts.fstype = event.mount.fstype;
    facts.source = event.mount.source?.text ?? null;
    if (event.mount.sourceWatched) facts.source_watched = true;
  }
  if (event.xattr !== null) facts.xattr = event.xattr.name.text;
  const meta = event.metadata;
  if (meta !== null) {
    if (meta.mode !== null) facts.mode = meta.mode;
    if (event.operation === 'chmod' && event.mode !== 0) facts.old_mode = event.mode & 0o7777;
    if (meta.ownerUid !== null) facts.uid = meta.ownerUid;
    if (meta.ownerGid !== null) facts.gid = meta.ownerGid;
    if (meta.mtime !== null && meta.mtime !== 'now') facts.mtime = meta.mtime;
  }
  return facts;
}

export function describeRuleAlert(alert: RuleAlert): string {
  const by = alert.by ? ` (by ${alert.by.exe ?? alert.by.comm}, pid ${alert.by.pid}, uid ${alert.by.uid})` : alert.offline ? ' (while lsmwatch was not running)' : '';
  return `${alert.rule}: ${alert.message}${by}`;
}

export function createRuleAlerts(deps: {
  config: RulesConfig;
  context: RuleContext;
  output: Output;
  notices: Notices;
  nowRfc3339: () => string;
  inBaseline: (path: string) => boolean;
}): RuleAlerts {
  let config = deps.config;
  const failedRules = new Set<string>();
  const options = {
    onRuleError: (rule: string, error: unknown) => {
      if (failedRules.has(rule)) return;
      failedRules.add(rule); // once per rule: a rule that fails on one input tends to fail on many
      deps.notices.error(`rule ${rule} failed: ${error instanceof Error ? error.message : String(error)}; the other rules still run`);
    },
  };
  const raise = (alerts: RuleAlert[]) => {
    for (const alert of alerts) {
      deps.output.write(ruleAlertLine(alert, deps.nowRfc3339()));
      deps.notices.graded(alert.severity, describeRuleAlert(alert));
    }
  };
  return {
    name: 'detection rules',
    consume(event: SensorEvent) {
      if (event.kind !== 'file') return;
      const facts = eventFacts(event, deps.inBaseline);
      if (facts) raise(evaluateEvent(facts, config, deps.context, options));
    },
    judgeChange(change) {
      raise(evaluateChange(change, config, deps.context, options));
    },
    reconfigure(next) {
      config = next;
    },
  };
}
