import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'mo_';

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/** A new HR-system key: shown once to its creator, stored only as a hash. */
export function generateApiKey(): { plaintext: string; prefix: string; secretHash: string } {
  const plaintext = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { plaintext, prefix: plaintext.slice(0, 10), secretHash: hashApiKey(plaintext) };
}
