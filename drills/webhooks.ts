// Webhooks while the worker dies: a wave of members goes through their whole life with an
// endpoint listening, and the worker is SIGKILLed mid-wave. Every event must reach the receiver
// (0 lost), each under one webhook-id (a redelivery after the kill may repeat an id, never make a
// second one), each verified with the standardwebhooks package.
import { Webhook } from 'standardwebhooks';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { startWebhookReceiver } from '../scripts/lib/webhook-receiver.ts';
import { waveEmails, wholeLife, type DrillOutcome, type WaveMember } from './lib.ts';

const LIFE = ['member.invited', 'member.password_set', 'member.card_registered', 'member.active', 'member.removed'];

export async function webhooksDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; timeoutMs: number }): Promise<DrillOutcome> {
  const receiver = await startWebhookReceiver();
  try {
    const created = await tenant.call('POST', '/v1/webhooks', { body: { url: receiver.url, events: LIFE, description: 'drill' } });
    if (created.status !== 201) throw new Error(`webhook endpoint: ${created.status} ${JSON.stringify(created.body)}`);
    const verifier = new Webhook(created.body.secret as string);
    const members: WaveMember[] = waveEmails('hook', options.members).map((email) => ({ email }));
    const cards = await tenant.addCards(members.length);
    const failures: string[] = [];
    const wave = inPool(members, 8, (member, i) => wholeLife(stack, tenant, member, cards[i]!, options.timeoutMs).catch((error: Error) => void failures.push(error.message)));

    // Mid-wave: once a third of the expected deliveries arrived, the worker is killed.
    const expected = members.length * LIFE.length;
    await waitFor('a third of the deliveries', () => receiver.accepted().length >= expected / 3, { timeoutMs: options.timeoutMs, intervalMs: 20 });
    const killedAt = performance.now();
    await stack.worker.kill('SIGKILL');
    await stack.worker.start();
    await wave;

    const key = (memberId: string, type: string) => `${memberId} ${type}`;
    const wanted = new Set(members.flatMap((m) => (m.memberId ? LIFE.map((type) => key(m.memberId!, type)) : [])));
    const idsOf = () => {
      const ids = new Map<string, Set<string>>();
      for (const r of receiver.accepted()) {
        const body = JSON.parse(r.body) as { type: string; data: { member?: { id: string } } };
        const k = key(body.data.member?.id ?? '', body.type);
        ids.set(k, (ids.get(k) ?? new Set()).add(r.id));
      }
      return ids;
    };
    await waitFor('every event delivered', () => ([...wanted].every((k) => idsOf().has(k)) ? true : undefined), { timeoutMs: options.timeoutMs, intervalMs: 200 }).catch(() => undefined);
    const ids = idsOf();
    const lost = [...wanted].filter((k) => !ids.has(k));
    const duplicated = [...ids.values()].filter((s) => s.size > 1).length;
    let unverified = 0;
    for (const r of receiver.accepted()) {
      try {
        verifier.verify(r.body, r.headers);
      } catch {
        unverified++;
      }
    }
    const accepted = receiver.accepted();
    const outside = [...ids.keys()].filter((k) => !wanted.has(k));
    return {
      name: 'webhooks-worker-killed',
      lifecycles: members.length,
      lost: lost.length + (members.length - members.filter((m) => m.memberId).length) * LIFE.length,
      duplicated,
      notes: [
        `${accepted.length} deliveries for ${wanted.size} events (${accepted.length - new Set(accepted.map((r) => r.id)).size} repeated under the same webhook-id), all in ${Math.round((performance.now() - killedAt) / 1000)} s after the SIGKILL`,
        ...(outside.length ? [`also delivered: ${outside.join(', ')}`] : []),
      ],
      failed: [...failures, ...(unverified ? [`${unverified} deliveries did not verify`] : []), ...lost.slice(0, 3).map((k) => `never delivered: ${k}`)],
    };
  } finally {
    await receiver.close();
  }
}
