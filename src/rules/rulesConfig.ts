/**
 * The policy's `rules` section: switch a built-in rule off or re-grade it.
 *
 *   "rules": { "account_removed": { "enabled": false }, "timestomp": { "severity": "low" } }
 *
 * Unknown rule ids and unknown keys are errors (a typo must not silently keep a rule on).
 */
import { PolicySection } from '../policy/validate.js';
import { RULES, RULE_IDS } from './catalog.js';
import { SEVERITIES, type Severity } from '../shared/severity.js';
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
  const section = PolicySection.of(raw, file, 'rules', RULE_IDS);
  for (const id of RULE_IDS) {
    if (!section.has(id)) continue;
    const entry = section.section(id, RULE_KEYS);
    const setting = config.rules[id];
    setting.enabled = entry.boolean('enabled', setting.enabled);
    setting.severity = entry.oneOf('severity', SEVERITIES, setting.severity);
  }
  return config;
}
