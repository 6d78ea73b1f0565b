/**
 * Secrets in command lines (`mysql -pS3cret`, `curl --password=…`, `PGPASSWORD=… psql`,
 * `https://user:token@host`) are replaced by `***` before a command line is kept or printed. The
 * rules come from the policy (`process.redact`, on top of a built-in list); each is one string:
 *
 *   NAME=        an assignment anywhere in an argument (`PGPASSWORD=x`, `--password=x`, `?token=x`);
 *                the value runs to the end of the word (or to its closing quote)
 *   --long       `--long=VALUE` and `--long VALUE` (also single-dash long options: `-pass VALUE`)
 *   -x           a one-letter option: `-xVALUE` and `-x VALUE`
 *   -x*          a one-letter option whose value is only ever attached (`mysql -pVALUE`; `-p`
 *                alone makes mysql prompt, and the next argument is not a password)
 *   PROG RULE    any of the above, only where PROG (a basename) is an earlier word of the command
 *                line: `mysql -p*` applies to `mysql …`, `sudo mysql …` and `sh -c "mysql …"`
 *
 * Arguments are split into words at whitespace too, so a rule also finds its secret inside a
 * `sh -c '…'` string. Matching of option and variable names ignores case. URL passwords
 * (`scheme://user:PASSWORD@`) are always redacted.
 */
import { basename } from 'node:path';

export const REDACTED = '***';

export interface RedactionRule {
  /** the rule as written in the policy */
  readonly source: string;
  /** applies only after a word whose basename is this */
  readonly program: string | null;
  readonly kind: 'assignment' | 'option' | 'attached';
  /** "pgpassword=", "--password" in lower case; one-letter options as written ("-p" is not "-P") */
  readonly name: string;
}

/** The built-in list (README, Process context). A policy adds to it; `redact_builtin: false` drops it. */
export const BUILTIN_REDACTIONS: readonly string[] = Object.freeze([
  '--password',
  '--passwd',
  '--pass',
  '--passphrase',
  '--secret',
  '--token',
  '--api-key',
  '--apikey',
  '--access-key',
  '--secret-key',
  '--client-secret',
  '--auth-token',
  '--access-token',
  'password=',
  'passwd=',
  'secret=',
  'token=',
  'api_key=',
  'apikey=',
  'access_key=',
  'secret_key=',
  'client_secret=',
  'PGPASSWORD=',
  'MYSQL_PWD=',
  'REDISCLI_AUTH=',
  'AWS_SECRET_ACCESS_KEY=',
  'AWS_SESSION_TOKEN=',
  'GITHUB_TOKEN=',
  'GH_TOKEN=',
  'GITLAB_TOKEN=',
  'NPM_TOKEN=',
  'VAULT_TOKEN=',
  'mysql -p*',
  'mysqldump -p*',
  'mysqladmin -p*',
  'mariadb -p*',
  'mariadb-dump -p*',
  'mariadb-admin -p*',
  'sshpass -p',
  'useradd -p',
  'usermod -p',
  'redis-cli -a',
  'ldapsearch -w',
  'ldapadd -w',
  'ldapmodify -w',
  'ldapdelete -w',
  'openssl -pass',
  'openssl -passin',
  'openssl -passout',
  'curl -u',
  'curl --user',
]);

const PROGRAM = /^[A-Za-z0-9._+-]{1,64}$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}=$/;
const LONG_OPTION = /^-{1,2}[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
const SHORT_OPTION = /^-[A-Za-z0-9]\*?$/;

/** Why `entry` is not a redaction rule, or null (for the policy validator). */
export function redactionRuleProblem(entry: unknown): string | null {
  const what = 'a redaction rule: NAME=, --option, -x, -x* or "PROGRAM rule"';
  if (typeof entry !== 'string') return what;
  const parts = entry.split(' ');
  if (parts.length > 2 || (parts.length === 2 && !PROGRAM.test(parts[0]!))) return what;
  const rule = parts[parts.length - 1]!;
  if (!ASSIGNMENT.test(rule) && !LONG_OPTION.test(rule) && !SHORT_OPTION.test(rule)) return what;
  return null;
}

/** Compiles validated rule strings (see redactionRuleProblem). */
export function compileRedactions(entries: readonly string[]): RedactionRule[] {
  return entries.map((source) => {
    const parts = source.split(' ');
    const rule = parts[parts.length - 1]!;
    const program = parts.length === 2 ? parts[0]!.toLowerCase() : null;
    if (rule.endsWith('=')) return { source, program, kind: 'assignment', name: rule.toLowerCase() };
    if (rule.endsWith('*')) return { source, program, kind: 'attached', name: rule.slice(0, -1) };
    return { source, program, kind: 'option', name: rule.length === 2 ? rule : rule.toLowerCase() };
  });
}

const URL_PASSWORD = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/:@]*):([^\s/@]+)@/g;
const NAME_CHAR = /[A-Za-z0-9_]/;

interface Word {
  text: string;
  /** replace the value of an option given as the next word */
  secretNext: boolean;
  /** inside a quoted assignment value that started in an earlier word: the closing quote */
  untilQuote: string | null;
}

/** The value of `NAME=` inside a word, redacted; a quote opened there may end in a later word. */
function redactAssignment(text: string, name: string, state: Word): string {
  const lower = text.toLowerCase();
  let out = '';
  let from = 0;
  for (let at = lower.indexOf(name); at !== -1; at = lower.indexOf(name, at + 1)) {
    if (at < from || (at > 0 && NAME_CHAR.test(text[at - 1]!))) continue;
    const valueAt = at + name.length;
    if (valueAt >= text.length) continue;
    const quote = text[valueAt] === "'" || text[valueAt] === '"' ? text[valueAt]! : null;
    let end = text.length;
    if (quote) {
      const close = text.indexOf(quote, valueAt + 1);
      if (close === -1) state.untilQuote = quote;
      else end = close + 1;
    }
    out += text.slice(from, valueAt) + (quote ? `${quote}${REDACTED}${quote}` : REDACTED);
    from = end;
    if (quote && state.untilQuote) break;
  }
  return out + text.slice(from);
}

function redactWord(text: string, rules: readonly RedactionRule[], programs: ReadonlySet<string>, state: Word): string {
  const lower = text.toLowerCase();
  for (const rule of rules) {
    if (rule.program !== null && !programs.has(rule.program)) continue;
    if (rule.kind === 'assignment') {
      if (lower.includes(rule.name)) text = redactAssignment(text, rule.name, state);
      continue;
    }
    const short = rule.name.length === 2;
    const word = short ? text : lower;
    if (word === rule.name) {
      if (rule.kind === 'option') state.secretNext = true;
      continue;
    }
    if (!word.startsWith(rule.name)) continue;
    if (short) return text.slice(0, 2) + REDACTED; // -pVALUE
    if (!short && text[rule.name.length] === '=') return text.slice(0, rule.name.length + 1) + REDACTED;
  }
  return text;
}

/**
 * Redacts secrets in an argument vector. Returns a new array (same length); `redacted` says
 * whether anything was replaced.
 */
export function redactArgs(argv: readonly string[], rules: readonly RedactionRule[]): { args: string[]; redacted: boolean } {
  const programs = new Set<string>();
  const state: Word = { text: '', secretNext: false, untilQuote: null };
  let redacted = false;
  const args = argv.map((arg) => {
    const parts = arg.split(/(\s+)/); // words at even indexes, the whitespace between them at odd ones
    for (let i = 0; i < parts.length; i += 2) {
      const word = parts[i]!;
      if (word === '') continue;
      let out: string;
      if (state.untilQuote !== null) {
        // the rest of a quoted value opened in an earlier word: gone, with the space before it
        const close = word.indexOf(state.untilQuote);
        out = close === -1 ? '' : word.slice(close + 1);
        if (close !== -1) state.untilQuote = null;
        if (i > 0) parts[i - 1] = '';
      } else if (state.secretNext) {
        state.secretNext = false;
        out = REDACTED;
      } else {
        out = redactWord(word, rules, programs, state).replace(URL_PASSWORD, `$1:${REDACTED}@`);
        programs.add(basename(word).toLowerCase());
      }
      if (out !== word) {
        parts[i] = out;
        redacted = true;
      }
    }
    return parts.join('');
  });
  return { args, redacted };
}

// quoting shows where an argument begins and ends; shell metacharacters need none for that
const NEEDS_QUOTES = /[\s'"\\]|^$/;

/** One argument, bare when it has no whitespace or quotes, else in single quotes (as a shell reads it). */
export function quoteArg(arg: string): string {
  return NEEDS_QUOTES.test(arg) ? `'${arg.replace(/'/g, `'\\''`)}'` : arg;
}

/** Arguments as one line, at most `max` characters (cut with …, truncated set). */
export function formatCmdline(args: readonly string[], max: number): { text: string; truncated: boolean } {
  const text = args.map(quoteArg).join(' ');
  if (text.length <= max) return { text, truncated: false };
  return { text: `${text.slice(0, Math.max(0, max - 1))}…`, truncated: true };
}

/** Splits a NUL-separated argument vector (kernel record, /proc/PID/cmdline) into strings. */
export function splitArgs(bytes: Buffer): string[] {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end === 0) return [];
  return bytes.toString('utf8', 0, end).split('\0');
}
