// The limits on what a guesser would hammer (sign-in, password reset), counted in PostgreSQL through
// rate-limiter-flexible, so every API process behind the balancer shares one count. Keys are hashed
// (no address or e-mail in the table). Should the database not answer, each process falls back to
// its own memory (the library's insurance limiter) rather than refusing everyone.
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from './errors.ts';

/** The table the migration `rate_limits` made in the shape the library expects. */
export const RATE_LIMIT_TABLE = 'rate_limit';

/** The one answer of every limit here: 429, with when to come back. */
const tooMany = (retryAfter: number, detail: string) =>
  new AppError('rate-limited', 429, 'Too many attempts; wait before trying again', {
    detail,
    extra: { retryAfterSeconds: retryAfter },
    headers: { 'Retry-After': String(retryAfter) },
  });

const hashed = (key: string) => createHash('sha256').update(key).digest('base64url');
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Where the counts live: PostgreSQL (shared by the processes), or this process's memory (unit tests). */
export type LimitStore = { pool: Pool } | 'memory';

function limiter(store: LimitStore, options: { keyPrefix: string; points: number; durationMs: number }): RateLimiterAbstract {
  const common = { keyPrefix: options.keyPrefix, points: options.points, duration: seconds(options.durationMs) };
  const memory = new RateLimiterMemory(common);
  if (store === 'memory') return memory;
  return new RateLimiterPostgres({ ...common, storeClient: store.pool, tableName: RATE_LIMIT_TABLE, tableCreated: true, clearExpiredByTimeout: true, insuranceLimiter: memory });
}

export interface RateLimit {
  /** Counts one hit for `key`; throws a 429 problem once the window's budget is spent. */
  hit(key: string): Promise<void>;
}

/** `key` names the count in the store; `name` is what the 429 says. */
export function rateLimit(store: LimitStore, options: { key: string; name: string; max: number; windowMs: number }): RateLimit {
  const counts = limiter(store, { keyPrefix: options.key, points: options.max, durationMs: options.windowMs });
  return {
    async hit(key) {
      try {
        await counts.consume(hashed(key));
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        throw tooMany(seconds(refusal.msBeforeNext), `at most ${options.max} ${options.name} attempts per ${Math.round(options.windowMs / 60_000)} minutes`);
      }
    },
  };
}

/** How long the try after `failures` wrong ones must wait: `free` cost nothing, then 1×, 2×, 4× … the first delay, capped. */
export function delayAfter(failures: number, options: { free: number; firstDelayMs: number; maxDelayMs: number }): number {
  return failures <= options.free ? 0 : Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** (failures - options.free - 1));
}

/**
 * Wrong passwords for one account from one address: the first few are free, then each next try
 * must wait twice as long as the last (1 s, 2 s, 4 s … up to 15 minutes). A right password clears
 * it. Keyed by account *and* address, so a stranger guessing from elsewhere slows only themself:
 * a lockout per account alone (11 wrong tries from anywhere) let anyone lock a victim out.
 */
export interface GrowingDelay {
  /** Throws a 429 problem (with Retry-After) while this key must still wait. */
  check(key: string): Promise<void>;
  failed(key: string): Promise<void>;
  succeeded(key: string): Promise<void>;
}

export function growingDelay(store: LimitStore, options: { name: string; free: number; firstDelayMs: number; maxDelayMs: number }): GrowingDelay {
  // The count of wrong tries, forgotten after a quiet spell twice the longest delay (each failure
  // starts the spell again); and the wait it imposes, as a block on a second key.
  const quietMs = options.maxDelayMs * 2;
  const failures = limiter(store, { keyPrefix: `${options.name}:failures`, points: Number.MAX_SAFE_INTEGER, durationMs: quietMs });
  const waits = limiter(store, { keyPrefix: `${options.name}:wait`, points: 1, durationMs: options.maxDelayMs });
  return {
    async check(key) {
      const wait = await waits.get(hashed(key));
      if (!wait || wait.consumedPoints <= 1 || wait.msBeforeNext <= 0) return;
      const retryAfter = seconds(wait.msBeforeNext);
      const count = (await failures.get(hashed(key)))?.consumedPoints ?? 0;
      throw tooMany(retryAfter, `${options.name}: after ${count} wrong tries from this address, the next one may come in ${retryAfter} s`);
    },
    async failed(key) {
      const { consumedPoints: count } = await failures.consume(hashed(key));
      await failures.set(hashed(key), count, seconds(quietMs));
      const delay = delayAfter(count, options);
      if (delay > 0) await waits.block(hashed(key), delay / 1000);
    },
    async succeeded(key) {
      await Promise.all([failures.delete(hashed(key)), waits.delete(hashed(key))]);
    },
  };
}

export function createRateLimits(store: LimitStore) {
  const quarterHour = 15 * 60_000;
  return {
    loginPerAccountAndAddress: growingDelay(store, { name: 'sign-in', free: 5, firstDelayMs: 1000, maxDelayMs: quarterHour }),
    loginPerAddress: rateLimit(store, { key: 'sign-in:address', name: 'sign-in', max: 50, windowMs: quarterHour }),
    passwordResetPerAccount: rateLimit(store, { key: 'password-reset:account', name: 'password-reset', max: 3, windowMs: quarterHour }),
    passwordResetPerAddress: rateLimit(store, { key: 'password-reset:address', name: 'password-reset', max: 20, windowMs: quarterHour }),
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;

/** One sign-in under the limits: per address (a flood), and per account and address (guessing). */
export async function limitedSignIn<T>(limits: RateLimits, ip: string, email: string, attempt: () => Promise<T>): Promise<T> {
  await limits.loginPerAddress.hit(ip);
  const key = `${email.trim().toLowerCase()}\n${ip}`;
  await limits.loginPerAccountAndAddress.check(key);
  try {
    const result = await attempt();
    await limits.loginPerAccountAndAddress.succeeded(key);
    return result;
  } catch (error) {
    if ((error as { code?: string }).code === 'invalid_credentials') await limits.loginPerAccountAndAddress.failed(key);
    throw error;
  }
}
