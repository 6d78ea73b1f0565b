/**
 * Runs the enabled rules over one change record or one event and turns their findings into
 * alerts with the configured severity. Pure: the caller prints, records and counts them.
 */
import { type Actor, type ChangeRecord, isUnchangedReplace } from '../state/changeRecord.js';
import { isPackageManager } from './changeFacts.js';
import { RULES } from './catalog.js';
import type { RulesConfig } from './rulesConfig.js';
import type { AlertActor, EventFacts, Finding, ProcessFacts, RuleAlert, RuleContext, RuleDefinition } from './types.js';

/** One input cannot bury the rest: past this many findings of one rule, the rest is one summary alert. */
export const MAX_FINDINGS_PER_RULE = 10;
export const MAX_MESSAGE_LENGTH = 1000;

export interface EvaluateOptions {
  /** Told when a rule throws (a bug, or input no rule expected); the other rules still run. */
  onRuleError?: (rule: RuleDefinition['id'], error: unknown) => void;
}

function alertActor(by: Actor | ProcessFacts | null): AlertActor | null {
  if (by === null) return null;
  const actor: AlertActor = { pid: by.pid, comm: by.comm, uid: by.uid };
  if (by.exe !== undefined && by.exe !== null) actor.exe = by.exe;
  if (by.package_manager !== undefined) actor.package_manager = by.package_manager;
  return actor;
}

function bounded(findings: Finding[], rule: RuleDefinition, path: string): Finding[] {
  if (findings.length <= MAX_FINDINGS_PER_RULE) return findings;
  const kept = findings.slice(0, MAX_FINDINGS_PER_RULE - 1);
  const rest = findings.length - kept.length;
  kept.push({ message: `${rest} more ${rule.id} findings in ${path}`, details: { more: rest } });
  return kept;
}

function cut(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? message.slice(0, MAX_MESSAGE_LENGTH - 1) + '…' : message;
}

function run<T>(
  input: T,
  path: string,
  config: RulesConfig,
  select: (rule: RuleDefinition) => ((input: T, context: RuleContext) => Finding[]) | undefined,
  exemptByPackageManager: boolean,
  context: RuleContext,
  make: (rule: RuleDefinition, finding: Finding) => RuleAlert,
  options: EvaluateOptions,
): RuleAlert[] {
  const alerts: RuleAlert[] = [];
  for (const rule of RULES) {
    const evaluate = select(rule);
    const setting = config.rules[rule.id];
    if (!evaluate || !setting?.enabled) continue;
    if (rule.packageManagerExempt && exemptByPackageManager) continue;
    let findings: Finding[];
    try {
      findings = evaluate(input, context);
    } catch (error) {
      options.onRuleError?.(rule.id, error);
      continue;
    }
    for (const finding of bounded(findings, rule, path)) {
      const alert = make(rule, finding);
      alert.severity = setting.severity;
      alerts.push(alert);
    }
  }
  return alerts;
}

/** Alerts for one change record. A replace that kept content, mode and owner raises none. */
export function evaluateChange(record: ChangeRecord, config: RulesConfig, context: RuleContext, options: EvaluateOptions = {}): RuleAlert[] {
  if (isUnchangedReplace(record)) return [];
  return run(record, record.path, config, (rule) => rule.onChange, isPackageManager(record.by), context, (rule, finding) => {
    const alert: RuleAlert = {
      type: 'alert',
      rule: rule.id,
      severity: rule.severity,
      attack: rule.attack,
      message: cut(finding.message),
      path: record.path,
      source: 'change',
      action: record.action,
      by: alertActor(record.by),
      details: finding.details ?? {},
    };
    if (record.offline) alert.offline = true;
    if (record.package !== undefined) alert.package = record.package;
    return alert;
  }, options);
}

/** Alerts for the facts of one event. */
export function evaluateEvent(event: EventFacts, config: RulesConfig, context: RuleContext, options: EvaluateOptions = {}): RuleAlert[] {
  return run(event, event.path, config, (rule) => rule.onEvent, isPackageManager(event.actor), context, (rule, finding) => ({
    type: 'alert',
    rule: rule.id,
    severity: rule.severity,
    attack: rule.attack,
    message: cut(finding.message),
    path: event.path,
    source: 'event',
    operation: event.operation,
    by: alertActor(event.actor),
    details: finding.details ?? {},
  }), options);
}

/** The NDJSON line (without newline); key order: type, rule, severity, attack, message, path, … */
export function formatAlertLine(alert: RuleAlert, time?: string): string {
  const { type, rule, severity, attack, message, path, ...rest } = alert;
  return JSON.stringify({ type, ...(time === undefined ? {} : { time }), rule, severity, attack, message, path, ...rest });
}
