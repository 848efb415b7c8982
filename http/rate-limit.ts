// Fixed-window counters in this process's memory, for the endpoints a guesser would hammer (login,
// password reset). With several API instances each one counts on its own, so the effective limit
// is N times higher; what must hold across instances (door PIN lockout, reset-code tries) is
// counted in the database instead.
import { AppError } from './errors.ts';

/** The one answer of every limit here: 429, with when to come back. */
const tooMany = (retryAfter: number, detail: string) =>
  new AppError('rate-limited', 429, 'Too many attempts; wait before trying again', {
    detail,
    extra: { retryAfterSeconds: retryAfter },
    headers: { 'Retry-After': String(retryAfter) },
  });

export interface RateLimit {
  /** Counts one hit for `key`; throws a 429 problem once the window's budget is spent. */
  hit(key: string): void;
}

export function rateLimit(options: { name: string; max: number; windowMs: number; now?: () => number }): RateLimit {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key) {
      const t = now();
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (t - w.start >= options.windowMs) windows.delete(k);
      }
      let w = windows.get(key);
      if (!w || t - w.start >= options.windowMs) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      if (w.count > options.max) {
        const retryAfter = Math.ceil((w.start + options.windowMs - t) / 1000);
        throw tooMany(retryAfter, `at most ${options.max} ${options.name} attempts per ${Math.round(options.windowMs / 60_000)} minutes`);
      }
    },
  };
}

/**
 * Wrong passwords for one account from one address: the first few are free, then each next try
 * must wait twice as long as the last (1 s, 2 s, 4 s … up to 15 minutes). A right password clears
 * it. Keyed by account *and* address, so a stranger guessing from elsewhere slows only themself:
 * a lockout per account alone (11 wrong tries from anywhere) let anyone lock a victim out.
 */
export interface GrowingDelay {
  /** Throws a 429 problem (with Retry-After) while this key must still wait. */
  check(key: string): void;
  failed(key: string): void;
  succeeded(key: string): void;
}

export function growingDelay(options: { name: string; free: number; firstDelayMs: number; maxDelayMs: number; now?: () => number }): GrowingDelay {
  const now = options.now ?? Date.now;
  const failures = new Map<string, { count: number; waitUntil: number; last: number }>();
  return {
    check(key) {
      const entry = failures.get(key);
      const t = now();
      if (!entry || entry.waitUntil <= t) return;
      const retryAfter = Math.max(1, Math.ceil((entry.waitUntil - t) / 1000));
      throw tooMany(retryAfter, `${options.name}: after ${entry.count} wrong tries from this address, the next one may come in ${retryAfter} s`);
    },
    failed(key) {
      const t = now();
      if (failures.size > 10_000) {
        for (const [k, e] of failures) if (t - e.last > options.maxDelayMs * 2) failures.delete(k);
      }
      // Forgotten after a quiet spell as long as the longest delay.
      const previous = failures.get(key);
      const count = previous && t - previous.last <= options.maxDelayMs * 2 ? previous.count + 1 : 1;
      const delay = count <= options.free ? 0 : Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** (count - options.free - 1));
      failures.set(key, { count, waitUntil: t + delay, last: t });
    },
    succeeded(key) {
      failures.delete(key);
    },
  };
}

export function createRateLimits() {
  const quarterHour = 15 * 60_000;
  return {
    loginPerAccountAndAddress: growingDelay({ name: 'sign-in', free: 5, firstDelayMs: 1000, maxDelayMs: quarterHour }),
    loginPerAddress: rateLimit({ name: 'sign-in', max: 50, windowMs: quarterHour }),
    passwordResetPerAccount: rateLimit({ name: 'password-reset', max: 3, windowMs: quarterHour }),
    passwordResetPerAddress: rateLimit({ name: 'password-reset', max: 20, windowMs: quarterHour }),
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;

/** One sign-in under the limits: per address (a flood), and per account and address (guessing). */
export async function limitedSignIn<T>(limits: RateLimits, ip: string, email: string, attempt: () => Promise<T>): Promise<T> {
  limits.loginPerAddress.hit(ip);
  const key = `${email.trim().toLowerCase()}\n${ip}`;
  limits.loginPerAccountAndAddress.check(key);
  try {
    const result = await attempt();
    limits.loginPerAccountAndAddress.succeeded(key);
    return result;
  } catch (error) {
    if ((error as { code?: string }).code === 'invalid_credentials') limits.loginPerAccountAndAddress.failed(key);
    throw error;
  }
}
