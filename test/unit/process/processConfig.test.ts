import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PROCESS_CONFIG, parseProcessConfig } from '../../../src/process/processConfig.js';
import { BUILTIN_REDACTIONS, redactArgs } from '../../../src/process/redaction.js';
import { PolicyError } from '../../../src/policy/policyError.js';

test('defaults', () => {
  const c = parseProcessConfig(undefined, 'p.json');
  assert.equal([c.ancestors, c.cacheSize, c.cmdlineMax], [8, 8192, 1024]);
  assert.equal(c.redact, BUILTIN_REDACTIONS);
  assert.equal(DEFAULT_PROCESS_CONFIG.redact, BUILTIN_REDACTIONS);
});

test('policy rules add to the built-in list; redact_builtin: false keeps only the policy\'s', () => {
  const more = parseProcessConfig({ redact: ['myapp --key', '--password'] }, 'p.json');
  assert.is(more.redact.length, BUILTIN_REDACTIONS.length + 1, 'a rule already built in is not repeated');
  assert.equal(redactArgs(['myapp', '--key', 'k'], more.redactionRules).args, ['myapp', '--key', '***']);
  const only = parseProcessConfig({ redact: ['myapp --key'], redact_builtin: false }, 'p.json');
  assert.equal(only.redact, ['myapp --key']);
  assert.equal(redactArgs(['x', '--password=1'], only.redactionRules).args, ['x', '--password=1']);
});

test('every mistake names its field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ancestors: -1 }, /process\.ancestors: expected an integer from 0 to 32/],
    [{ cache_size: 10 }, /process\.cache_size: expected an integer from 256/],
    [{ cmdline_max: 5000 }, /process\.cmdline_max: expected an integer from 0 to 2047/],
    [{ redact: '--password' }, /process\.redact: expected an array of redaction rules/],
    [{ redact: ['ok=', 'two words here'] }, /process\.redact\[1\]: expected a redaction rule/],
    [{ redact_builtin: 'no' }, /process\.redact_builtin: expected true or false/],
    [{ depth: 1 }, /process\.depth: expected one of the known keys/],
  ];
  for (const [raw, message] of cases) {
    try {
      parseProcessConfig(raw, 'p.json');
      assert.unreachable(JSON.stringify(raw));
    } catch (err) {
      assert.instance(err, PolicyError);
      assert.match((err as Error).message, message);
    }
  }
});

test.run();
