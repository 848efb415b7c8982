// Everything derived from the deployment's SECRET_KEY: invitation-link signatures and the
// encryption of secrets the platform must be able to read back (Wi-Fi passwords, door secrets).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUuid } from './ids.ts';

export interface Secrets {
  /** `<tokenId>.<signature>`: what an invitation link carries. */
  signToken(tokenId: string): string;
  /** The token id when the signature is ours, otherwise undefined (no hint why). */
  verifyToken(token: string): string | undefined;
  /** The 6-digit code an e-mail carries for a token (password reset): derived, never stored. */
  codeFor(tokenId: string): string;
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /**
   * What the pages' forms carry against cross-site requests: a MAC of the browser's CSRF cookie
   * and of the session it is signed in with ('' when signed out), so a pair planted before the
   * victim signs in is worth nothing after.
   */
  formToken(cookie: string, sessionId: string): string;
  checkFormToken(given: string, cookie: string, sessionId: string): boolean;
}

// Separate keys per use, so a flaw in one use never exposes another.
function subkey(secretKey: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'member-onboarding', purpose, 32));
}


export function createSecrets(secretKey: string): Secrets {
  const signing = subkey(secretKey, 'token-signature');
  const encryption = subkey(secretKey, 'encryption');
  const coding = subkey(secretKey, 'token-code');
  const forms = subkey(secretKey, 'form-token');
  const signature = (tokenId: string) => createHmac('sha256', signing).update(tokenId).digest('base64url');
  const formToken = (cookie: string, sessionId: string) => createHmac('sha256', forms).update(`${cookie}\n${sessionId}`).digest('base64url');

  return {
    signToken: (tokenId) => `${tokenId}.${signature(tokenId)}`,
    verifyToken(token) {
      const [tokenId, given, ...rest] = token.split('.');
      if (!tokenId || !given || rest.length || !isUuid(tokenId)) return undefined;
      const expected = Buffer.from(signature(tokenId));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected) ? tokenId : undefined;
    },
    codeFor(tokenId) {
      const n = createHmac('sha256', coding).update(tokenId).digest().readUInt32BE(0) % 1_000_000;
      return String(n).padStart(6, '0');
    },
    formToken: (cookie, sessionId) => formToken(cookie, sessionId),
    checkFormToken(given, cookie, sessionId) {
      const expected = Buffer.from(formToken(cookie, sessionId));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryption, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(ciphertext) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a ciphertext of this platform');
      const decipher = createDecipheriv('aes-256-gcm', encryption, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
