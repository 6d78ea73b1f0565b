/** Every built-in rule, in the order the README lists them. */
import { ACCOUNT_RULES } from './accountRules.js';
import { FILE_METADATA_RULES } from './fileMetadataRules.js';
import { MOUNT_RULES } from './mountRules.js';
import { PERSISTENCE_RULES } from './persistenceRules.js';
import { SSH_RULES } from './sshRules.js';
import { SUDOERS_RULES } from './sudoersRules.js';
import { SYSTEM_CONFIG_RULES } from './systemConfigRules.js';
import type { RuleDefinition, RuleId } from './types.js';

export const RULES: readonly RuleDefinition[] = Object.freeze([
  ...ACCOUNT_RULES,
  ...SUDOERS_RULES,
  ...SSH_RULES,
  ...SYSTEM_CONFIG_RULES,
  ...PERSISTENCE_RULES,
  ...FILE_METADATA_RULES,
  ...MOUNT_RULES,
]);

const BY_ID = new Map<string, RuleDefinition>(RULES.map((rule) => [rule.id, rule]));

export const RULE_IDS: readonly RuleId[] = Object.freeze(RULES.map((rule) => rule.id));

export function findRule(id: string): RuleDefinition | undefined {
  return BY_ID.get(id);
}
