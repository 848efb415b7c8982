// An activity that PostgreSQL refuses for its data (a NUL byte in text, a value out of range, a
// broken constraint) fails the same way on every retry, so retrying it only holds the member's
// lifecycle hostage. Such failures become non-retryable: the caller hears the refusal at once.
import { ApplicationFailure } from '@temporalio/common';

/** SQLSTATE of a database error, wherever the driver or the ORM put it. */
export function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

// Class 22: data exceptions; 23502 not null, 23514 check: the same input fails again. Unique and
// foreign-key violations are left to retry: a concurrent writer may have made them, and the
// activities' idempotency keys settle them on the next attempt.
const NEVER_CURED = (state: string) => state.startsWith('22') || state === '23502' || state === '23514';

export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && NEVER_CURED(state);
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

export function failDataErrorsAtOnce<T extends Record<string, AnyActivity>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: never[]) => {
        try {
          return await activity(...args);
        } catch (error) {
          if (!isDataError(error)) throw error;
          throw ApplicationFailure.create({
            type: 'InvalidData',
            message: `${name}: the database refused the data (SQLSTATE ${sqlState(error)}): ${(error as Error).message}`,
            nonRetryable: true,
            cause: error as Error,
          });
        }
      },
    ]),
  ) as T;
}
