// Webhooks under a bulk import: after a warm-up, 300 members imported with no endpoint (the
// import alone), then 300 more with an endpoint subscribed to member.invited. Each event's latency is its arrival at
// the receiver minus its `timestamp` (the audit event's commit-time clock, same machine).
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { startWebhookReceiver } from '../scripts/lib/webhook-receiver.ts';
import { importAndDeliver } from './onboarding.ts';
import { percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_P99_MS = 5_000;

export async function webhookLatency(stack: ProcessStack, tenant: Tenant, count: number): Promise<ScenarioOutcome> {
  // A first, small import warms the worker and the server up: the two measured ones start equal.
  await importAndDeliver(stack, tenant, 30, 'warm');
  const alone = await importAndDeliver(stack, tenant, count, 'plain');
  const receiver = await startWebhookReceiver();
  try {
    const created = await tenant.call('POST', '/v1/webhooks', { body: { url: receiver.url, events: ['member.invited'], description: 'bench' } });
    if (created.status !== 201) throw new Error(`webhook endpoint: ${created.status} ${JSON.stringify(created.body)}`);
    const started = performance.now();
    const withHooks = await importAndDeliver(stack, tenant, count, 'hooked');
    const wanted = new Set(withHooks.emails);
    const arrivals = () => receiver.accepted().filter((r) => wanted.has((JSON.parse(r.body) as { data: { member: { email: string } } }).data.member.email));
    await waitFor(`${count} member.invited webhooks`, () => new Set(arrivals().map((r) => r.id)).size >= count, { timeoutMs: Math.max(120_000, count * 200), intervalMs: 50 });
    const lastAt = performance.now();
    const latencies = arrivals().map((r) => r.at - Date.parse((JSON.parse(r.body) as { timestamp: string }).timestamp));
    // Where the time goes: commit → delivery row (NOTIFY, the relay's wake-up and fan-out); and
    // how many went out on the relay's own first attempt rather than through a stream.
    const [split] = await stack.orm.em.fork().execute<{ relay_p50: number; relay_p99: number; first_try: number }[]>(
      `select percentile_cont(0.5) within group (order by extract(epoch from d.created_at - ev.occurred_at) * 1000) as relay_p50,
              percentile_cont(0.99) within group (order by extract(epoch from d.created_at - ev.occurred_at) * 1000) as relay_p99,
              count(*) filter (where d.attempts = 1 and d.status = 'delivered')::int as first_try
         from webhook_delivery d join webhook_event ev on ev.id = d.event_id where d.endpoint_id = ?`,
      [created.body.id],
    );
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    return {
      json: {
        members: count,
        import_alone_s: round(alone.seconds), import_alone_per_s: round(count / alone.seconds),
        import_with_webhook_s: round(withHooks.seconds), import_with_webhook_per_s: round(count / withHooks.seconds),
        last_webhook_after_s: round((lastAt - started) / 1000),
        latency_p50_ms: round(p50), latency_p99_ms: round(p99), latency_max_ms: round(Math.max(...latencies)),
        deliveries: receiver.accepted().length,
        fan_out_p50_ms: round(Number(split?.relay_p50)), fan_out_p99_ms: round(Number(split?.relay_p99)),
        delivered_first_try: split?.first_try ?? 0,
      },
      rows: [
        { name: `bulk import of ${count}, no endpoint → every invitation e-mail delivered`, value: count / alone.seconds, unit: 'members/s' },
        { name: `bulk import of ${count}, an endpoint on member.invited → every e-mail delivered`, value: count / withHooks.seconds, unit: 'members/s' },
        { name: 'event → webhook delivered, p50', value: p50, unit: 'ms' },
        { name: 'event → webhook delivered, p99', value: p99, unit: 'ms', goal: { max: GOAL_P99_MS } },
        { name: `import start → last of ${count} webhooks`, value: (lastAt - started) / 1000, unit: 's' },
      ],
    };
  } finally {
    await receiver.close();
  }
}
