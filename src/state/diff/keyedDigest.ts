/**
 * Keyed digests let the baseline detect that a secret changed without keeping the secret:
 * an HMAC with a random per-database key cannot be checked against guesses without that key,
 * unlike a plain hash of a short secret.
 */
import { createHmac } from 'node:crypto';

export function keyedDigest(key: Buffer, value: string | Buffer): string {
  return createHmac('sha256', key).update(value).digest('hex');
}
