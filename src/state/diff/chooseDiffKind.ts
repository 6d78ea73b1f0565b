/** Which format-aware diff a path gets, decided by its name (so it also works under a test root). */
import { basename, dirname } from 'node:path';
import { matchesAnyPrefix } from '../pathMatch.js';

export type DiffKind = 'passwd' | 'group' | 'shadow' | 'sudoers' | 'authorized_keys' | 'secret' | 'text';

// Backup and lock copies (shadow-, shadow.bak, …) hold the same hashes as the original,
// so every "shadow"-named variant gets the secret-safe shadow treatment.
const SHADOW_NAME = /^g?shadow([-+~]|\..*)?$/;
const BACKUP_SUFFIX = '([-+~]|\\.(bak|old|orig|save|lock|tmp))?$';
const PASSWD_NAME = new RegExp('^passwd' + BACKUP_SUFFIX);
const GROUP_NAME = new RegExp('^group' + BACKUP_SUFFIX);
const SUDOERS_NAME = new RegExp('^sudoers' + BACKUP_SUFFIX);

/**
 * Precedence: shadow and authorized_keys first (their diffs never keep secrets, and
 * /root/.ssh/authorized_keys must stay readable although /root/.ssh/ is secret by default),
 * then the policy's secret prefixes, then the other formats, then plain text. Whether a
 * "text" file really is text (or binary/too large) is decided later from its bytes.
 */
export function chooseDiffKind(path: string, options: { secretPrefixes: readonly string[] }): DiffKind {
  const name = basename(path);
  if (SHADOW_NAME.test(name)) return 'shadow';
  if (name === 'authorized_keys' || name === 'authorized_keys2') return 'authorized_keys';
  if (matchesAnyPrefix(path, options.secretPrefixes)) return 'secret';
  if (PASSWD_NAME.test(name)) return 'passwd';
  if (GROUP_NAME.test(name)) return 'group';
  if (SUDOERS_NAME.test(name) || basename(dirname(path)) === 'sudoers.d') return 'sudoers';
  return 'text';
}
