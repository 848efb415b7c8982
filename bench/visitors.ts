// Visitors at the entrance: 200 visitor PINs of one site typed at 10/s, each a signed
// `POST /v1/door-events` that hashes the PIN, finds its visit, decides by the host's hours, uses the
// PIN up and tells the visit's workflow. Beside it, in the same run and at the same rate, the
// member door path (PIN + card enrollment, decided by the member's lifecycle workflow).
import { inPool } from '../lib/pool.ts';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { uniqueEmail, type Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { membersAtTheDoor } from './door.ts';
import { paced, percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_P99_MS = 100;

export async function visitorsAtTheEntrance(stack: ProcessStack, tenant: Tenant, options: { visitors: number; perSecond: number }): Promise<ScenarioOutcome> {
  const { visitors, perSecond } = options;
  const hostEmail = uniqueEmail('host', 0);
  const host = await tenant.call('POST', '/v1/members', { body: { email: hostEmail, name: 'Camille Durand', siteId: tenant.siteId, locale: 'en' } });
  if (host.status !== 201) throw new Error(`host: ${host.status} ${JSON.stringify(host.body)}`);
  const emails = Array.from({ length: visitors }, (_, i) => uniqueEmail('visitor', i));
  await inPool(emails, 8, async (email) => {
    const r = await tenant.call('POST', '/v1/visits', { body: { email, hostMemberId: host.body.id, locale: 'en' } });
    if (r.status !== 201) throw new Error(`visit: ${r.status} ${JSON.stringify(r.body)}`);
  });
  const pins = await inPool(emails, 16, async (email) => {
    const delivery = await waitFor(`the PIN e-mailed to ${email}`, () => stack.smtp.to(email).at(-1), { timeoutMs: 120_000, intervalMs: 50 });
    return /#\d{6}/.exec((await stack.smtp.parse(delivery)).text ?? '')![0];
  });
  const entrance = await tenant.doorController();
  const { latencies, results } = await paced(visitors, perSecond, (i) => tenant.doorEvent(entrance, { type: 'visitor_pin', pin: pins[i], occurredAt: new Date().toISOString() }));
  const notOpened = results.filter((r) => !(r.status === 200 && r.body.decision === 'opened')).length;

  // The member door path, same stack, same rate.
  const memberEmails = Array.from({ length: visitors }, (_, i) => uniqueEmail('member', i));
  await tenant.bulkInvite(memberEmails);
  const waiting = await membersAtTheDoor(tenant, memberEmails);
  const cards = await tenant.addCards(waiting.length);
  const door = await tenant.doorController();
  const members = await paced(waiting.length, perSecond, (i) => tenant.doorEvent(door, { type: 'pin_entered', pin: waiting[i]!.pin, cardNumber: cards[i], occurredAt: new Date().toISOString() }));
  const notEnrolled = members.results.filter((r) => !(r.status === 200 && r.body.decision === 'enrolled')).length;

  const p99 = percentile(latencies, 99);
  const memberP99 = percentile(members.latencies, 99);
  return {
    json: {
      visitors, rate_per_s: perSecond, p50_ms: round(percentile(latencies, 50)), p99_ms: round(p99), max_ms: round(Math.max(...latencies)), not_opened: notOpened,
      member_door_p50_ms: round(percentile(members.latencies, 50)), member_door_p99_ms: round(memberP99), members_not_enrolled: notEnrolled,
    },
    rows: [
      { name: `visitor PIN → door answer, p50 (${visitors} PINs at one site, ${perSecond}/s)`, value: percentile(latencies, 50), unit: 'ms' },
      { name: 'visitor PIN → door answer, p99', value: p99, unit: 'ms', goal: { max: GOAL_P99_MS } },
      { name: `member PIN + card → door answer, p99 (same run, ${perSecond}/s)`, value: memberP99, unit: 'ms' },
      { name: 'visitor PINs not answered "opened"', value: notOpened, unit: '', goal: { max: 0 } },
    ],
  };
}
