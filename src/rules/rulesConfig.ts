/**
 * The policy's `rules` section: switch a built-in rule off or re-grade it.
 *
 *   "rules": { "account_removed": { "enabled": false }, "timestomp": { "severity": "low" } }
 *
 * Unknown rule ids and unknown keys are errors (a typo must not silently keep a rule on).
 */
import { PolicyError, describeValue } from '../policy/policyError.js';
import { expectBoolean, expectKnownKeys, expectObject } from '../policy/validate.js';
import { RULES, RULE_IDS } from './catalog.js';
import { SEVERITIES, type Severity, isSeverity } from './severity.js';
import type { RuleId } from './types.js';

export interface RuleSetting {
  enabled: boolean;
  severity: Severity;
}

export interface RulesConfig {
  /** One entry per built-in rule, defaults filled in. */
  rules: Record<RuleId, RuleSetting>;
}

export function defaultRulesConfig(): RulesConfig {
  const rules = {} as Record<RuleId, RuleSetting>;
  for (const rule of RULES) rules[rule.id] = { enabled: true, severity: rule.severity };
  return { rules };
}

const RULE_KEYS = ['enabled', 'severity'] as const;

export function parseRulesConfig(raw: unknown, file: string): RulesConfig {
  const config = defaultRulesConfig();
  if (raw === undefined || raw === null) return config;
  const section = expectObject(raw, file, 'rules');
  for (const [id, value] of Object.entries(section)) {
    if (!(RULE_IDS as readonly string[]).includes(id)) {
      throw new PolicyError(file, `rules.${id}`, `a built-in rule id (${RULE_IDS.join(', ')})`, 'an unknown rule');
    }
    const entry = expectObject(value, file, `rules.${id}`);
    expectKnownKeys(entry, RULE_KEYS, file, `rules.${id}`);
    const setting = config.rules[id as RuleId];
    if (entry.enabled !== undefined) setting.enabled = expectBoolean(entry.enabled, file, `rules.${id}.enabled`);
    if (entry.severity !== undefined) {
      if (!isSeverity(entry.severity)) {
        throw new PolicyError(file, `rules.${id}.severity`, `one of ${SEVERITIES.join(', ')}`, describeValue(entry.severity));
      }
      setting.severity = entry.severity;
    }
  }
  return config;
}
