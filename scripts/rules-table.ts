/**
 * Prints the README's rules table from src/rules/catalog.ts; with --write, puts it into
 * README.md between the rules-table markers.
 *   node --import tsx scripts/rules-table.ts [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRulesTable, replaceRulesTable } from '../src/rules/ruleTable.js';

const table = renderRulesTable();
if (process.argv.includes('--write')) {
  const readmePath = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
  const updated = replaceRulesTable(readFileSync(readmePath, 'utf8'), table);
  if (updated === null) {
    process.stderr.write('rules-table: README.md has no rules-table markers\n');
    process.exit(1);
  }
  writeFileSync(readmePath, updated);
} else {
  process.stdout.write(table + '\n');
}
