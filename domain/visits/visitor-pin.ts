// A visitor's PIN: `#` and six digits, so any keypad can type it and nobody mistakes it for an
// enrollment PIN (`*` and four). Stored only as a PBKDF2 hash salted per site, the same hash the
// doors' lists carry, so a door offline checks a typed PIN without ever holding the PIN.
//
// What the hash buys: a list or a database read does not show the PINs. What it cannot buy: six
// digits are a million guesses, so someone holding a list could find a PIN by brute force (at
// 10,000 iterations, minutes of CPU). The PIN stays safe because it is single-use, lives one day,
// opens the entrance only, and wrong PINs count in the site's lockout.
import { pbkdf2, randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(pbkdf2);

export const VISITOR_PIN_HASH = { algorithm: 'pbkdf2-sha256', iterations: 10_000, bytes: 32 } as const;

/** What a keypad sends: `#123456`, or the six digits alone. */
export const VISITOR_PIN_PATTERN = /^#?\d{6}$/;

export const newVisitorPin = (): string => `#${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;

/** The hash of the PIN's six digits with the site's salt, hex: what the visit row and the lists hold. */
export async function hashVisitorPin(pin: string, salt: string): Promise<string> {
  const digits = pin.replace(/^#/, '');
  const key = await derive(digits, salt, VISITOR_PIN_HASH.iterations, VISITOR_PIN_HASH.bytes, 'sha256');
  return key.toString('hex');
}
