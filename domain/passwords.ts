// Member passwords: scrypt with a per-password salt, encoded with its parameters so they can be
// raised later without invalidating stored hashes.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password.normalize('NFKC'), salt, KEY_LENGTH, { ...PARAMS, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}

export const PASSWORD_MIN_LENGTH = 12;
// scrypt cost grows with the input; a cap keeps a megabyte "password" from costing a request.
export const PASSWORD_MAX_LENGTH = 256;

// The long passwords people pick most (breach corpora's top entries of 12+ characters), and the
// words they build them from; a password that is one of them, or one of the words plus digits
// and symbols, is the first thing a guesser tries.
const COMMON = new Set([
  '123456789012', '1234567890123', '12345678901234', '123123123123', '111111111111', '000000000000', '123456123456',
  'qwertyuiopasdfghjkl', 'qwertyuiop12', 'qwertyuiop123', 'qwerty123456', 'azertyuiop12', 'azertyuiop123', 'azerty123456',
  'passwordpassword', 'password1234', 'password12345', 'password123456', 'iloveyou1234', 'abcdefghijkl', 'abc123abc123',
  'motdepasse12', 'motdepasse123', 'motdepasse1234', '1q2w3e4r5t6y', '1qaz2wsx3edc', 'zaq12wsxcde3', 'letmein12345',
  'welcome12345', 'bienvenue123', 'bienvenue1234', 'changeme1234', 'administrator', 'administrateur',
]);
const COMMON_WORDS = /^(password|passwort|motdepasse|qwerty|azerty|welcome|bienvenue|letmein|iloveyou|jetaime|admin|administrator|administrateur|changeme|soleil|football|onboarding)[\d\W_]*$/;

/** The rule every new password meets (invitation, password reset). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `the password must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (!password.trim()) return 'the password cannot be only spaces';
  const folded = password.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  if (new Set(folded).size < 4) return 'the password repeats too few characters: choose one that is harder to guess';
  if (COMMON.has(folded) || COMMON_WORDS.test(folded)) return 'this password is among the most common ones: choose one that is harder to guess';
  return undefined;
}
