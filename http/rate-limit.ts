// Fixed-window counters in this process's memory, for the endpoints a guesser would hammer (login,
// password reset). With several API instances each one counts on its own, so the effective limit
// is N times higher; what must hold across instances (door PIN lockout, reset-code tries) is
// counted in the database instead.
import { AppError } from './errors.ts';

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
        throw new AppError('rate-limited', 429, 'Too many attempts; wait before trying again', {
          detail: `at most ${options.max} ${options.name} attempts per ${Math.round(options.windowMs / 60_000)} minutes`,
          extra: { retryAfterSeconds: retryAfter },
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
    },
  };
}

export function createRateLimits() {
  const quarterHour = 15 * 60_000;
  return {
    loginPerAccount: rateLimit({ name: 'sign-in', max: 10, windowMs: quarterHour }),
    loginPerAddress: rateLimit({ name: 'sign-in', max: 50, windowMs: quarterHour }),
    passwordResetPerAccount: rateLimit({ name: 'password-reset', max: 3, windowMs: quarterHour }),
    passwordResetPerAddress: rateLimit({ name: 'password-reset', max: 20, windowMs: quarterHour }),
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
