// The delivery schedule shared by the webhook activities and their tests (ids and messages are
// the workflow contract's: contract/workflows.ts).
/**
 * After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (each ±10 %),
 * ten attempts over about three days. A 429/503's Retry-After replaces the step it falls on.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];
export const WEBHOOK_JITTER = 0.1;
/** An endpoint that failed everything for this long is disabled and its admins told. */
export const WEBHOOK_DISABLE_AFTER_MS = 5 * 86_400_000;
/** The longest Retry-After honoured. */
export const WEBHOOK_MAX_RETRY_AFTER_MS = 86_400_000;

/** The schedule's step after the given attempt of a round (1-based), jittered by `jitter` ∈ [0, 1); null after the last. */
export function retryDelay(attempt: number, jitter: number): number | null {
  const base = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - WEBHOOK_JITTER + 2 * WEBHOOK_JITTER * jitter));
}
