import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RULES } from '../../../src/rules/catalog.js';
import { RULES_TABLE_END, RULES_TABLE_START, renderRulesTable, replaceRulesTable } from '../../../src/rules/ruleTable.js';

test('the table has one row per rule with id, severity, ATT&CK link, package-manager column, trigger', () => {
  const lines = renderRulesTable().split('\n');
  assert.is(lines.length, RULES.length + 2);
  assert.is(lines[0], '| rule | severity | ATT&CK | package manager | raised when |');
  assert.is(
    lines[2],
    '| `account_uid0_added` | critical | [T1136.001](https://attack.mitre.org/techniques/T1136/001/) | reported | an account other than root with uid 0 added to /etc/passwd |',
  );
  const pipes = renderRulesTable([{ ...RULES[0]!, trigger: 'a | b' }]).split('\n')[2]!;
  assert.ok(pipes.endsWith('| a \\| b |'), 'a pipe in a trigger does not break the table');
});

test('replaceRulesTable puts the table between the markers, and needs them', () => {
  const doc = `intro\n${RULES_TABLE_START}\nold\n${RULES_TABLE_END}\nafter\n`;
  assert.is(replaceRulesTable(doc, 'T'), `intro\n${RULES_TABLE_START}\nT\n${RULES_TABLE_END}\nafter\n`);
  assert.is(replaceRulesTable('no markers', 'T'), null);
});

test('README.md carries the current table (node --import tsx scripts/rules-table.ts --write updates it)', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  assert.ok(readme.includes(RULES_TABLE_START), 'README has the rules-table markers');
  assert.is(replaceRulesTable(readme), readme, 'README rules table is stale: run node --import tsx scripts/rules-table.ts --write');
});

test.run();
