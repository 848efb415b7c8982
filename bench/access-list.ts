// A shared building's access list at scale: one site, 10,000 active cards over 20 companies, 100
// door controllers each polling `GET /v1/door-controllers/{id}/access-list` every 5 s with
// If-None-Match. Most polls find nothing new (304); after a change each controller's next poll
// reads the whole list (200). Beside them, the floor: the list's query straight from the pool.
import { randomBytes, randomUUID } from 'node:crypto';
import { createCompany } from '../domain/companies/create-company.ts';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { siteAccessList } from '../providers/access.ts';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_304_P99_MS = 20;
const GOAL_200_TIMES_FLOOR = 2;
const POLL_EVERY_MS = 5000;
// A card granted or revoked at the site every three polls: most polls find nothing new.
const CHANGE_EVERY_MS = 15_000;

export async function accessListAtScale(
  stack: ProcessStack,
  tenant: Tenant,
  options: { cards: number; companies: number; controllers: number; durationMs: number },
): Promise<ScenarioOutcome> {
  const em = stack.orm.em.fork();
  const [{ operator_id: operatorId }] = (await em.execute<{ operator_id: string }[]>('select operator_id from site where id = ?', [tenant.siteId])) as [{ operator_id: string }];
  // 20 companies at the one site, their members active with a card each (written in bulk: the
  // lifecycles that would get them there are another benchmark's subject).
  const companies = await inPool(Array.from({ length: options.companies }, (_, i) => i), 4, (i) =>
    createCompany(stack.orm.em.fork(), operatorId, { name: `Tenant ${i + 1} ${randomBytes(2).toString('hex')}`, siteIds: [tenant.siteId], admin: { email: `admin-${randomUUID()}@scale.test` }, actor: 'bench' }),
  );
  const perCompany = Math.ceil(options.cards / options.companies);
  await em.transactional(async (tx) => {
    for (const [i, company] of companies.entries()) {
      const count = Math.min(perCompany, options.cards - i * perCompany);
      await tx.execute(
        `with m as (
           insert into member (id, organization_id, site_id, email, name, role, locale, status, operator_admin, created_at, updated_at)
           select gen_random_uuid(), ?, ?, 'm' || g || '-' || ? || '@scale.test', 'Member ' || g, 'user', 'en', 'active', false, now(), now() from generate_series(1, ?) g
           returning id)
         insert into card (id, site_id, number, qr_token, state, member_id, assigned_at, access_granted_at, created_at)
         select gen_random_uuid(), ?, 'S' || upper(substr(md5(m.id::text), 1, 12)), md5(random()::text || m.id::text), 'assigned', m.id, now(), now(), now() from m`,
        [company.companyId, tenant.siteId, company.companyId.slice(0, 8), count, tenant.siteId],
      );
    }
    await tx.execute('update site set access_list_version = access_list_version + 1 where id = ?', [tenant.siteId]);
  });
  const controllers = await inPool(Array.from({ length: options.controllers }, (_, i) => i), 8, () => tenant.doorController());
  const read = async (controller: { id: string; secret: string }, etag?: string) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/door-controllers/${controller.id}/access-list`, {
      headers: { 'X-Door-Controller': controller.id, 'X-Signature': signDoorRequest(controller.secret, ''), ...(etag ? { 'If-None-Match': etag } : {}) },
    });
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, etag: response.headers.get('etag') ?? undefined, cards: response.status === 200 ? (JSON.parse(body) as { cards: string[] }).cards.length : undefined };
  };
  // Each controller holds the list once, as after its first sync.
  const etags = await inPool(controllers, 10, async (c) => (await read(c)).etag);
  const listed = (await read(controllers[0]!)).cards;

  const notModified: number[] = [];
  const full: number[] = [];
  const errors: string[] = [];
  const [card] = await em.execute<{ id: string }[]>('select id from card where site_id = ? and access_granted_at is not null limit 1', [tenant.siteId]);
  const started = performance.now();
  let changes = 0;
  // Changes half-way through a poll period: every controller then reads the new list once.
  const changing = (async () => {
    for (let at = POLL_EVERY_MS * 1.5; at < options.durationMs; at += CHANGE_EVERY_MS) {
      const wait = started + at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await em.execute('update site set access_list_version = access_list_version + 1 where id = ?', [tenant.siteId]);
      await em.execute('update card set access_granted_at = now() where id = ?', [card!.id]);
      changes++;
    }
  })();
  await Promise.all(
    controllers.map(async (controller, i) => {
      // Spread over the period, as real controllers drift apart.
      for (let at = (i * POLL_EVERY_MS) / controllers.length; at < options.durationMs; at += POLL_EVERY_MS) {
        const wait = started + at - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const r = await read(controller, etags[i]);
        if (r.status === 304) notModified.push(r.ms);
        else if (r.status === 200) {
          full.push(r.ms);
          etags[i] = r.etag;
        } else errors.push(`${r.status}`);
      }
    }),
  );
  await changing;

  // The floor: the same query, straight from the pool, as many times as there were full reads.
  const floor: number[] = [];
  for (let i = 0; i < Math.max(full.length, 50); i++) {
    const at = performance.now();
    await siteAccessList(stack.orm, tenant.siteId);
    floor.push(performance.now() - at);
  }
  const p = (values: number[], q: number) => round(percentile(values, q), 1);
  return {
    json: {
      cards: listed,
      companies: options.companies,
      controllers: options.controllers,
      poll_every_s: POLL_EVERY_MS / 1000,
      change_every_s: CHANGE_EVERY_MS / 1000,
      duration_s: round(options.durationMs / 1000, 0),
      changes,
      not_modified: { count: notModified.length, p50_ms: p(notModified, 50), p99_ms: p(notModified, 99) },
      full: { count: full.length, p50_ms: p(full, 50), p99_ms: p(full, 99) },
      floor_query: { count: floor.length, p50_ms: p(floor, 50), p99_ms: p(floor, 99) },
      errors: errors.length,
    },
    rows: [
      { name: `cards on the list (${options.companies} companies, ${options.controllers} controllers)`, value: listed ?? 0, unit: 'cards' },
      { name: '304 p50', value: p(notModified, 50), unit: 'ms' },
      { name: '304 p99', value: p(notModified, 99), unit: 'ms', goal: { max: GOAL_304_P99_MS } },
      { name: 'full 200 p50', value: p(full, 50), unit: 'ms' },
      { name: 'floor: the query from the pool, p50', value: p(floor, 50), unit: 'ms' },
      { name: 'floor: the query from the pool, p99', value: p(floor, 99), unit: 'ms' },
      { name: 'full 200 p99', value: p(full, 99), unit: 'ms', goal: { max: round(GOAL_200_TIMES_FLOOR * percentile(floor, 99), 1), text: `≤ ${GOAL_200_TIMES_FLOOR}× the floor's p99` } },
      { name: 'errors', value: errors.length, unit: 'requests', goal: { max: 0 } },
    ],
  };
}
