// The members list's orders and the overview's figures, on a real PostgreSQL: every order pages
// through all members once (ties broken by id, across page boundaries), a cursor of one order is
// refused by another, and the overview counts what the rows say.
import test from 'ava';
import { createCompanyAtSite } from '../domain/companies/create-company.ts';
import { DomainError } from '../domain/errors.ts';
import { memberOverview } from '../domain/members/overview.ts';
import { listMembers, MEMBER_SORTS, type MemberSort } from '../domain/members/queries.ts';
import { onboardingChart } from '../web/charts.ts';
import { migratedOrm, query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
const STATUSES = ['invited', 'awaiting_card', 'active', 'card_overdue', 'removed'] as const;

test('each order of the members list pages through everyone exactly once, in order, ties broken by id', async (t) => {
  const { orm, url } = await migratedOrm(scope);
  const company = await createCompanyAtSite(orm.em.fork(), { name: 'Order Co', adminEmail: 'admin@order.test', adminName: 'Ada Admin', siteName: 'HQ', actor: 'test' });
  // 40 members; names repeat (ties), some empty (sorted by their address), created in bursts (equal times).
  for (let i = 0; i < 40; i++) {
    await query(url, `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at)
      values (gen_random_uuid(), $1, $2, $3, $4, 'user', 'en', $5, now() - ($6 || ' minutes')::interval, now())`,
    [company.companyId, company.siteId, `m${String(i).padStart(2, '0')}@order.test`, i % 7 === 0 ? '' : `name ${String(i % 9)}`, STATUSES[i % STATUSES.length], String(Math.floor(i / 3))]);
  }
  const em = () => orm.em.fork();
  const key: Record<string, (m: { name: string; email: string; status: string; createdAt: string }) => string> = {
    name: (m) => (m.name || m.email).toLowerCase(),
    status: (m) => m.status,
    invited: (m) => m.createdAt,
  };
  for (const sort of MEMBER_SORTS) {
    const seen: { id: string; name: string; email: string; status: string; createdAt: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listMembers(em(), { companyId: company.companyId }, { sort, cursor, limit: 6 });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 50);
    t.is(seen.length, 41, `${sort}: everyone (the admin and 40)`);
    t.is(new Set(seen.map((m) => m.id)).size, 41, `${sort}: nobody twice`);
    const column = key[sort.replace('-', '')]!;
    const descending = sort.startsWith('-');
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [column(seen[i - 1]!), column(seen[i]!)];
      t.true(descending ? a >= b : a <= b, `${sort}: ${a} then ${b}`);
    }
  }
  // A filter and an order together; the status filter keeps only its own.
  const active = await listMembers(em(), { companyId: company.companyId }, { status: ['active'], sort: 'name', limit: 100 });
  t.true(active.items.length > 0 && active.items.every((m) => m.status === 'active'));

  // A cursor belongs to its order: another order refuses it rather than skipping people.
  const byName = await listMembers(em(), { companyId: company.companyId }, { sort: 'name', limit: 5 });
  const refused = await listMembers(em(), { companyId: company.companyId }, { sort: 'status', cursor: byName.nextCursor!, limit: 5 }).catch((e: unknown) => e);
  t.true(refused instanceof DomainError && refused.code === 'cursor_invalid');
  const oldStyle = await listMembers(em(), { companyId: company.companyId }, { limit: 5 });
  t.true(((await listMembers(em(), { companyId: company.companyId }, { sort: 'name', cursor: oldStyle.nextCursor!, limit: 5 }).catch((e: unknown) => e)) as DomainError).code === 'cursor_invalid', 'the default order\'s cursor is not a name cursor');

  // The overview counts the same rows.
  const overview = await memberOverview(em(), { companyId: company.companyId });
  const [{ n: removed }] = (await query<{ n: number }>(url, `select count(*)::int as n from member where organization_id = $1 and status = 'removed'`, [company.companyId])).rows as [{ n: number }];
  t.is(overview.counts.removed, removed);
  t.is(overview.current, 41 - removed);
  t.is(overview.weeks.length, 12);
  // The 40 rows above were written straight in SQL (no invitation); the first admin's invitation,
  // made by the company's creation, counts this week.
  t.is(overview.weeks.reduce((sum, w) => sum + w.invited, 0), 1);
  t.is(overview.weeks.at(-1)!.invited, 1);
  t.deepEqual(overview.lists.map((l) => l.key), ['invitation_expired', 'card_overdue', 'starting', 'leaving']);
  t.is(overview.lists[1]!.total, 8, 'every fifth of the 40 is overdue');
  t.true(overview.lists[1]!.items.length <= 8);
});

test('the onboarding chart scales its axis to the figures and draws a bar per week and series', (t) => {
  const weeks = Array.from({ length: 12 }, (_, i) => ({ weekOf: `2026-09-${String(i + 1).padStart(2, '0')}`, invited: i === 11 ? 37 : i, onboarded: Math.floor(i / 2) }));
  const svg = String(onboardingChart(weeks, { title: 'Onboarding', invited: 'Invited', onboarded: 'Done', label: (w) => w.slice(5) }));
  t.is(svg.match(/<rect /g)?.length, 24);
  // 37 at most: lines every 10 up to 40.
  t.deepEqual([...svg.matchAll(/text-anchor="end"[^>]*>(\d+)</g)].map((m) => Number(m[1])), [0, 10, 20, 30, 40]);
  t.regex(svg, /<title>09-12 · Invited: 37<\/title>/);
  t.notRegex(svg, /style=/, 'no inline style: the CSP forbids it');
  const empty = String(onboardingChart(weeks.map((w) => ({ ...w, invited: 0, onboarded: 0 })), { title: 'x', invited: 'a', onboarded: 'b', label: (w) => w }));
  t.deepEqual([...empty.matchAll(/text-anchor="end"[^>]*>(\d+)</g)].map((m) => Number(m[1])), [0, 1], 'an empty chart still has an axis');
});
