// The bare floors of `npm run bench`: what Temporal and this worker cost with no product logic, so
// the product's own numbers can be read against them on the same machine in the same run.
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export const benchPingUpdate = defineUpdate<number, [number]>('benchPing');
export const benchDoneSignal = defineSignal('benchDone');

const { benchNoop } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/** Answers each update at once, until told it is done: one update is one bare round trip. */
export async function benchUpdateTarget(): Promise<void> {
  let done = false;
  setHandler(benchPingUpdate, (n) => n);
  setHandler(benchDoneSignal, () => {
    done = true;
  });
  await condition(() => done);
}

/** Starts, runs one no-op activity, ends: the least a member's onboarding can cost. */
export async function benchOneActivity(): Promise<void> {
  await benchNoop();
}
