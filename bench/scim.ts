// SCIM as an identity provider drives it: Entra asks gallery apps for at least 25 requests/s.
// Creates (each a member row, its lifecycle and its invitation), lookups by filter and PATCHes
// at a steady 25/s (an open loop: a slow answer cannot hide the queue behind it), then lookups
// as fast as 10 connections go, for the headroom.
import { randomBytes } from 'node:crypto';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { paced, percentile, round, type ScenarioOutcome } from './lib.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const RATE = 25;
const GOAL_P99_MS = 1000;

export async function scimRates(tenant: Tenant, options: { count: number }): Promise<ScenarioOutcome> {
  const headers = { 'Content-Type': 'application/scim+json' };
  const run = randomBytes(3).toString('hex');
  const emails = Array.from({ length: options.count }, (_, i) => `scim-${run}-${i}@bench.test`);
  const failures: string[] = [];
  const check = (what: string, status: number, ok: number) => {
    if (status !== ok) failures.push(`${what}: ${status}`);
  };

  const created = await paced(options.count, RATE, async (i) => {
    const reply = await tenant.call('POST', '/scim/v2/Users', {
      headers,
      body: { schemas: [USER], userName: emails[i], name: { givenName: 'Bench', familyName: `User ${i}` }, emails: [{ value: emails[i], type: 'work', primary: true }], externalId: `${run}-${i}`, active: true },
    });
    check('create', reply.status, 201);
    return reply.body?.id as string;
  });
  const lookups = await paced(options.count * 2, RATE * 2, async (i) => {
    const reply = await tenant.call('GET', `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${emails[i % emails.length]}"`)}`);
    check('lookup', reply.status, 200);
  });
  const patches = await paced(options.count, RATE, async (i) => {
    const reply = await tenant.call('PATCH', `/scim/v2/Users/${created.results[i]}`, { headers, body: { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: `Bench Patched ${i}` }] } });
    check('patch', reply.status, 200);
  });

  // Headroom: lookups back to back on 10 connections for 10 s.
  let done = 0;
  const until = performance.now() + 10_000;
  await Promise.all(
    Array.from({ length: 10 }, async (_, c) => {
      for (let i = c; performance.now() < until; i += 10) {
        const reply = await tenant.call('GET', `/scim/v2/Users?filter=${encodeURIComponent(`externalId eq "${run}-${i % options.count}"`)}`);
        check('lookup (closed loop)', reply.status, 200);
        done++;
      }
    }),
  );
  const maxLookups = done / 10;

  const row = (name: string, latencies: number[]) => [
    { name: `${name} p50 at ${name === 'lookup' ? RATE * 2 : RATE}/s`, value: round(percentile(latencies, 50)), unit: 'ms' },
    { name: `${name} p99 at ${name === 'lookup' ? RATE * 2 : RATE}/s`, value: round(percentile(latencies, 99)), unit: 'ms', goal: { max: GOAL_P99_MS, text: `≤ ${GOAL_P99_MS} ms while keeping the pace` } },
  ];
  return {
    json: {
      count: options.count,
      create: { p50: percentile(created.latencies, 50), p99: percentile(created.latencies, 99) },
      lookup: { p50: percentile(lookups.latencies, 50), p99: percentile(lookups.latencies, 99) },
      patch: { p50: percentile(patches.latencies, 50), p99: percentile(patches.latencies, 99) },
      lookupsPerSecondClosedLoop: maxLookups,
      failures: failures.length,
    },
    rows: [
      ...row('create', created.latencies),
      ...row('lookup', lookups.latencies),
      ...row('patch', patches.latencies),
      { name: 'lookups/s, 10 connections back to back', value: round(maxLookups, 1), unit: 'req/s', goal: { min: RATE, text: `≥ ${RATE} (Entra's ask)` } },
      { name: 'answers other than 201/200', value: failures.length, unit: '', goal: { max: 0 } },
    ],
  };
}
