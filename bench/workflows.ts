// The bare floors of `npm run bench`: what Temporal and this worker cost with no product logic, so
// the product's own numbers can be read against them on the same machine in the same run. Only
// the bench's workers bundle them (with the product's workflows); production bundles never do.
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export * from '../workflows/index.ts';

export const benchPingUpdate = defineUpdate<number, [number]>('benchPing');
export const benchDoneSignal = defineSignal('benchDone');

// The cheapest activity a worker has (one `select now()`): production ships no no-op activity.
const { checkDatabase } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/** Answers each update at once, until told it is done: one update is one bare round trip. */
export async function benchUpdateTarget(): Promise<void> {
  let done = false;
  setHandler(benchPingUpdate, (n) => n);
  setHandler(benchDoneSignal, () => {
    done = true;
  });
  await condition(() => done);
}

/** Starts, runs one trivial activity, ends: the least a member's onboarding can cost. */
export async function benchOneActivity(): Promise<void> {
  await checkDatabase();
}
