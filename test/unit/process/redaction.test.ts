import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BUILTIN_REDACTIONS,
  compileRedactions,
  formatCmdline,
  quoteArg,
  redactArgs,
  redactionRuleProblem,
  splitArgs,
} from '../../../src/process/redaction.js';

const builtin = compileRedactions(BUILTIN_REDACTIONS);
const redact = (argv: string[], rules = builtin) => redactArgs(argv, rules).args;
const line = (argv: string[], rules = builtin) => formatCmdline(redact(argv, rules), 4096).text;

test('mysql -pPASSWORD: attached only; -p alone prompts, so the next argument is a database, not a secret', () => {
  assert.equal(redact(['mysql', '-uroot', '-pS3cret', 'shop']), ['mysql', '-uroot', '-p***', 'shop']);
  assert.equal(redact(['mysql', '-p', 'shop']), ['mysql', '-p', 'shop']);
  assert.equal(redact(['mysql', '-P3306', '-h', 'db']), ['mysql', '-P3306', '-h', 'db'], 'one-letter options are case sensitive: -P is the port');
  assert.equal(redact(['/usr/bin/mysqldump', '-pS3cret', 'shop']), ['/usr/bin/mysqldump', '-p***', 'shop'], 'the program by basename');
});

test('a program-scoped rule also applies behind sudo, env and inside sh -c strings', () => {
  assert.equal(redact(['sudo', 'mysql', '-pS3cret']), ['sudo', 'mysql', '-p***']);
  assert.equal(redact(['sh', '-c', 'mysql -pS3cret -e "select 1"']), ['sh', '-c', 'mysql -p*** -e "select 1"']);
  assert.equal(redact(['mkdir', '-pv', '/tmp/x']), ['mkdir', '-pv', '/tmp/x'], 'no rule for -p outside those programs');
  assert.equal(redact(['ssh', '-p', '22', 'host']), ['ssh', '-p', '22', 'host']);
});

test('separate-value options: the next word, in the same argument or the next one', () => {
  assert.equal(redact(['sshpass', '-p', 'S3cret', 'ssh', 'host']), ['sshpass', '-p', '***', 'ssh', 'host']);
  assert.equal(redact(['sshpass', '-pS3cret', 'ssh']), ['sshpass', '-p***', 'ssh']);
  assert.equal(redact(['curl', '--password', 'S3cret', 'https://x']), ['curl', '--password', '***', 'https://x']);
  assert.equal(redact(['sh', '-c', 'tool --token S3cret --verbose']), ['sh', '-c', 'tool --token *** --verbose']);
  assert.equal(redact(['useradd', '-m', '-p', '$6$salt$hash', 'eve']), ['useradd', '-m', '-p', '***', 'eve'], 'a password hash too');
  assert.equal(redact(['openssl', 'enc', '-pass', 'pass:S3cret']), ['openssl', 'enc', '-pass', '***']);
});

test('--option=value and NAME=value assignments anywhere in an argument, names in any case', () => {
  assert.equal(redact(['wget', '--password=S3cret', 'u']), ['wget', '--password=***', 'u']);
  assert.equal(redact(['x', '--PASSWORD=S3cret']), ['x', '--PASSWORD=***']);
  assert.equal(redact(['env', 'PGPASSWORD=S3cret', 'psql']), ['env', 'PGPASSWORD=***', 'psql']);
  assert.equal(redact(['sh', '-c', 'MYSQL_PWD=S3cret mysql']), ['sh', '-c', 'MYSQL_PWD=*** mysql']);
  assert.equal(redact(['curl', 'https://h/api?token=S3cret']), ['curl', 'https://h/api?token=***']);
  assert.equal(redact(['x', '--passwordfile=/etc/pw', 'mytoken=1']), ['x', '--passwordfile=/etc/pw', 'mytoken=1'], 'other names are left alone');
});

test('a quoted value is redacted up to its closing quote, also across words', () => {
  assert.equal(redact(['sh', '-c', "PGPASSWORD='two words' psql -h db"]), ['sh', '-c', "PGPASSWORD='***' psql -h db"]);
  assert.equal(redact(['sh', '-c', 'PGPASSWORD="a b c" psql']), ['sh', '-c', 'PGPASSWORD="***" psql']);
  assert.equal(redact(['sh', '-c', "PGPASSWORD='short' psql"]), ['sh', '-c', "PGPASSWORD='***' psql"]);
});

test('URL passwords are always redacted', () => {
  assert.equal(redact(['git', 'clone', 'https://bob:ghp_T0ken@github.com/x/y']), ['git', 'clone', 'https://bob:***@github.com/x/y']);
  assert.equal(redact(['psql', 'postgres://app:S3cret@db:5432/shop']), ['psql', 'postgres://app:***@db:5432/shop']);
  assert.equal(redact(['curl', 'https://github.com/x']), ['curl', 'https://github.com/x']);
  assert.equal(redactArgs(['ls', '-l'], []).redacted, false);
});

test('nothing of the secret survives, whatever the rule', () => {
  const cases = [
    ['mysql', '-pS3cret'],
    ['sshpass', '-p', 'S3cret'],
    ['x', '--token=S3cret'],
    ['x', '--api-key', 'S3cret'],
    ['sh', '-c', 'AWS_SECRET_ACCESS_KEY=S3cret aws s3 ls'],
    ['sh', '-c', "GITHUB_TOKEN='S3cret' gh"],
    ['curl', '-u', 'bob:S3cret', 'https://x'],
    ['redis-cli', '-a', 'S3cret'],
    ['ldapsearch', '-w', 'S3cret'],
  ];
  for (const argv of cases) {
    const out = redactArgs(argv, builtin);
    assert.ok(out.redacted, argv.join(' '));
    assert.not.match(out.args.join(' '), /S3cret/, argv.join(' '));
  }
});

test('policy rules: syntax checked, program-scoped or not, added to the built-in list', () => {
  for (const good of ['--db-pass', '-k', '-k*', 'myapp --key', 'DB_PASS=', 'vault -token']) assert.is(redactionRuleProblem(good), null, good);
  for (const bad of ['', 'pass word x', '--', '-', 'a b c', '=x', '--pass=x', 'my app -p', 7, null]) {
    assert.type(redactionRuleProblem(bad), 'string', String(bad));
  }
  const mine = compileRedactions(['myapp --key', 'DB_PASS=']);
  assert.equal(redact(['myapp', '--key', 'k1'], mine), ['myapp', '--key', '***']);
  assert.equal(redact(['other', '--key', 'k1'], mine), ['other', '--key', 'k1']);
  assert.equal(redact(['run', 'DB_PASS=x'], mine), ['run', 'DB_PASS=***']);
});

test('command lines: arguments with whitespace or quotes are single-quoted; bounded with an ellipsis', () => {
  assert.is(quoteArg('plain'), 'plain');
  assert.is(quoteArg('two words'), "'two words'");
  assert.is(quoteArg("it's"), "'it'\\''s'");
  assert.is(quoteArg(''), "''");
  assert.is(line(['sh', '-c', 'echo x > /etc/f']), "sh -c 'echo x > /etc/f'");
  assert.equal(formatCmdline(['a', 'b'], 3), { text: 'a b', truncated: false });
  assert.equal(formatCmdline(['abc', 'def'], 5), { text: 'abc …', truncated: true });
});

test('argument vectors: NUL-separated, trailing NULs dropped, empty arguments kept', () => {
  assert.equal(splitArgs(Buffer.from('ls\0-l\0\0/tmp\0')), ['ls', '-l', '', '/tmp']);
  assert.equal(splitArgs(Buffer.from('cut-without-nul')), ['cut-without-nul']);
  assert.equal(splitArgs(Buffer.alloc(0)), []);
  assert.equal(splitArgs(Buffer.from('\0\0')), []);
});

test.run();
