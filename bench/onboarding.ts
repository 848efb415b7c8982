// Bulk onboarding: N members imported through the API until every invitation e-mail reached the
// SMTP sink, against the bare floor: N workflows started from the SDK, each running one no-op
// activity on the same worker.
import { randomUUID } from 'node:crypto';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import { uniqueEmail, type Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { round, type ScenarioOutcome } from './lib.ts';

const GOAL_SHARE_OF_FLOOR = 0.5;

export async function bareOnboardingFloor(stack: ProcessStack, count: number): Promise<number> {
  const started = performance.now();
  await inPool(Array.from({ length: count }, (_, i) => i), 64, async () => {
    await stack.client.workflow.execute('benchOneActivity', { taskQueue: stack.taskQueue, workflowId: `bench-floor-${randomUUID()}`, args: [] });
  });
  return count / ((performance.now() - started) / 1000);
}

/** Imports `count` members; answers their addresses once each has its invitation e-mail. */
export async function importAndDeliver(stack: ProcessStack, tenant: Tenant, count: number, prefix = 'onboard'): Promise<{ emails: string[]; seconds: number }> {
  const emails = Array.from({ length: count }, (_, i) => uniqueEmail(prefix, i));
  const wanted = new Set(emails);
  const before = stack.smtp.deliveries.length;
  const started = performance.now();
  await tenant.bulkInvite(emails);
  let seen = before;
  let delivered = 0;
  await waitFor(
    `${count} invitation e-mails`,
    () => {
      for (; seen < stack.smtp.deliveries.length; seen++) if (stack.smtp.deliveries[seen]!.to.some((to) => wanted.delete(to))) delivered++;
      return delivered === count;
    },
    { timeoutMs: Math.max(120_000, count * 200), intervalMs: 20 },
  );
  return { emails, seconds: (performance.now() - started) / 1000 };
}

export async function onboarding(stack: ProcessStack, tenant: Tenant, count: number): Promise<ScenarioOutcome & { emails: string[] }> {
  const floor = await bareOnboardingFloor(stack, count);
  const { emails, seconds } = await importAndDeliver(stack, tenant, count);
  const perSecond = count / seconds;
  return {
    emails,
    json: { members: count, members_per_s: round(perSecond), bare_floor_per_s: round(floor), share_of_floor: round(perSecond / floor, 3), seconds: round(seconds) },
    rows: [
      { name: `bulk import of ${count} → every invitation e-mail delivered`, value: perSecond, unit: 'members/s' },
      { name: `bare floor: ${count} SDK starts of a one-no-op-activity workflow`, value: floor, unit: 'workflows/s' },
      { name: 'onboarding throughput as a share of the floor', value: (perSecond / floor) * 100, unit: '%', goal: { min: GOAL_SHARE_OF_FLOOR * 100 } },
    ],
  };
}
