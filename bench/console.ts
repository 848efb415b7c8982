// The admin console with a big company: 10,000 members (statuses, first and last days, twelve
// weeks of history) and 1,000 stock cards, written straight into the database (the pages read
// rows, not workflows), then each main page fetched as a signed-in operator admin: the overview,
// the members list in each order and filtered, its CSV export, the site page and the label sheet.
import { randomUUID } from 'node:crypto';
import { createSession } from '../domain/auth/sessions.ts';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { percentile, round, type BenchResult, type ScenarioOutcome } from './lib.ts';

const STATUSES = ['scheduled', 'invited', 'invitation_expired', 'awaiting_card', 'card_overdue', 'active', 'active', 'active', 'removed'];
const ROUNDS = 15;

export async function consolePages(stack: ProcessStack, tenant: Tenant, members: number): Promise<ScenarioOutcome> {
  const em = stack.orm.em.fork();
  const [admin] = await em.execute<{ id: string }[]>('select id from member where email = ?', [tenant.adminEmail]);
  await em.execute('update member set operator_admin = true where id = ?', [admin!.id]);
  const { token } = await createSession(em, admin!.id);

  // Members in batches of 1,000: one insert for the rows, one for their invited/active history.
  for (let start = 0; start < members; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, members - start) }, (_, k) => {
      const i = start + k;
      const status = STATUSES[i % STATUSES.length]!;
      return { id: randomUUID(), i, status, weeksAgo: i % 12 };
    });
    await em.execute(
      `insert into member (id, organization_id, site_id, email, name, role, locale, status, starts_on, ends_on, ends_at, created_at, updated_at)
       select v.id::uuid, ?, ?, v.email, v.name, 'user', 'en', v.status, v.starts_on::date, v.ends_on::date,
              case when v.ends_on is null then null else (v.ends_on::date + 1)::timestamptz end, now() - (v.weeks || ' weeks')::interval, now()
         from (values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}) as v(id, email, name, status, starts_on, ends_on, weeks)`,
      [tenant.companyId, tenant.siteId, ...rows.flatMap((r) => [
        r.id, `bench-${r.i}@console.bench`, `Member ${String(r.i).padStart(5, '0')}`, r.status,
        r.i % 97 === 0 ? new Date(Date.now() + (r.i % 6) * 86_400_000).toISOString().slice(0, 10) : null,
        r.i % 89 === 0 ? new Date(Date.now() + (r.i % 5) * 86_400_000).toISOString().slice(0, 10) : null,
        String(r.weeksAgo),
      ])],
    );
    await em.execute(
      `insert into audit_event (organization_id, member_id, actor, type, data, occurred_at)
       select ?, v.id::uuid, 'bench', v.type, '{}'::jsonb, now() - (v.weeks || ' weeks')::interval
         from (values ${rows.map(() => '(?, ?, ?)').join(', ')}, ${rows.map(() => '(?, ?, ?)').join(', ')}) as v(id, type, weeks)`,
      [tenant.companyId, ...rows.flatMap((r) => [r.id, 'member.invited', String(r.weeksAgo)]), ...rows.flatMap((r) => [r.id, 'member.active', String(Math.max(0, r.weeksAgo - 1))])],
    );
  }
  await em.execute('analyze member; analyze audit_event; analyze card');
  await tenant.addCards(1000);

  const fetchPage = async (path: string) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}${path}`, { headers: { Cookie: `mo_session=${token}`, Accept: 'text/html' } });
    const body = await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    return { ms: performance.now() - started, bytes: body.byteLength };
  };
  const pages: { name: string; path: string; goalMs: number }[] = [
    { name: 'overview', path: '/admin', goalMs: 500 },
    { name: 'members list, newest first', path: '/admin/members', goalMs: 300 },
    { name: 'members list by name', path: '/admin/members?sort=name', goalMs: 300 },
    { name: 'members list, active, Z→A, searched', path: '/admin/members?status=active&sort=-name&q=member%200', goalMs: 300 },
    { name: `members CSV (${members + 1} rows)`, path: '/admin/members.csv', goalMs: 3000 },
    { name: 'operator overview', path: '/operator', goalMs: 500 },
    { name: 'site page (200 QR codes)', path: `/operator/sites/${tenant.siteId}`, goalMs: 800 },
    { name: 'label sheet (1,000 QR codes)', path: `/operator/sites/${tenant.siteId}/labels`, goalMs: 2000 },
  ];
  const json: Record<string, unknown> = { members };
  const rows: BenchResult[] = [];
  for (const page of pages) {
    await fetchPage(page.path); // warm: JIT, plans, caches
    const times: number[] = [];
    let bytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t = await fetchPage(page.path);
      times.push(t.ms);
      bytes = t.bytes;
    }
    const p50 = percentile(times, 50);
    const p95 = percentile(times, 95);
    json[page.name] = { p50_ms: round(p50), p95_ms: round(p95), bytes };
    rows.push({ name: `${page.name}: p95 of ${ROUNDS} (p50 ${p50.toFixed(0)} ms, ${Math.round(bytes / 1024)} KB)`, value: p95, unit: 'ms', goal: { max: page.goalMs } });
  }
  return { json, rows };
}
