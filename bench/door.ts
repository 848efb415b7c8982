// The door: members waiting at the door controller with their PIN, each sending one signed
// `POST /v1/door-events` (PIN + card) at a steady rate; the latency is what the member waits for
// the beep. Compared with as many bare workflow-update round trips on a no-op workflow.
import { randomUUID } from 'node:crypto';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { paced, percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_P99_MS = 50;
const GOAL_TIMES_BARE = 2;
const BARE_WORKFLOWS = 10;

/** Members (whose invitation already arrived) who created their password and hold their PIN. */
export async function membersAtTheDoor(tenant: Tenant, emails: string[]): Promise<{ email: string; pin: string }[]> {
  return inPool(emails, 16, async (email) => {
    const { token } = await tenant.accept(email);
    const confirmed = await tenant.call('POST', '/v1/me/card-enrollment/confirm', { token });
    if (confirmed.status !== 200) throw new Error(`confirm ${email}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
    return { email, pin: confirmed.body.pin as string };
  });
}

export async function bareUpdates(stack: ProcessStack, count: number, perSecond: number): Promise<number[]> {
  const handles = await Promise.all(
    Array.from({ length: BARE_WORKFLOWS }, () => stack.client.workflow.start('benchUpdateTarget', { taskQueue: stack.taskQueue, workflowId: `bench-update-${randomUUID()}`, args: [] })),
  );
  // One update each first: the measured ones then find the workflows in the worker's cache, as the door's do.
  await Promise.all(handles.map((h) => h.executeUpdate<number, [number]>('benchPing', { args: [0] })));
  const { latencies } = await paced(count, perSecond, (i) => handles[i % handles.length]!.executeUpdate<number, [number]>('benchPing', { args: [i] }));
  await Promise.all(handles.map((h) => h.signal('benchDone')));
  return latencies;
}

export async function door(stack: ProcessStack, tenant: Tenant, waiting: { email: string; pin: string }[], perSecond: number): Promise<ScenarioOutcome> {
  const controller = await tenant.doorController();
  const cards = await tenant.addCards(waiting.length);
  const bare = await bareUpdates(stack, waiting.length, perSecond);
  const { latencies, results } = await paced(waiting.length, perSecond, (i) =>
    tenant.doorEvent(controller, { type: 'pin_entered', pin: waiting[i]!.pin, cardNumber: cards[i], occurredAt: new Date().toISOString() }),
  );
  const refused = results.filter((r) => !(r.status === 200 && r.body.decision === 'enrolled'));
  const answers = [...new Set(refused.map((r) => `${r.status} ${r.body?.type ?? r.body?.reason ?? ''}`.trim()))];
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const bareP99 = percentile(bare, 99);
  return {
    json: {
      requests: waiting.length,
      rate_per_s: perSecond,
      p50_ms: round(p50),
      p99_ms: round(p99),
      max_ms: round(Math.max(...latencies)),
      not_enrolled: refused.length,
      bare_update_p50_ms: round(percentile(bare, 50)),
      bare_update_p99_ms: round(bareP99),
    },
    rows: [
      { name: `door event → decision, p50 (${waiting.length} enrollments at ${perSecond}/s)`, value: p50, unit: 'ms' },
      { name: 'door event → decision, p99', value: p99, unit: 'ms', goal: { max: Math.min(GOAL_P99_MS, GOAL_TIMES_BARE * bareP99), text: `≤ ${GOAL_P99_MS} ms and ≤ ${GOAL_TIMES_BARE}× bare` } },
      { name: `bare workflow update round trip, p99 (${waiting.length} at ${perSecond}/s)`, value: bareP99, unit: 'ms' },
      { name: `door events not answered "enrolled"${answers.length ? ` (${answers.join(', ')})` : ''}`, value: refused.length, unit: '', goal: { max: 0 } },
    ],
  };
}
