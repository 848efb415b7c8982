// The overview's figures: how many members are at each step, who needs someone to act (a sign-up
// to approve, an invitation that expired, a card not registered in time, who starts or leaves within a week),
// and how onboarding went week by week. One company, or every company of an operator.
import { sql, type RawBuilder } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { MEMBER_STATUSES, type MemberStatus } from '../../db/entities/index.ts';
import { companyCondition, dueCondition, type CompanyScope } from './queries.ts';

export const OVERVIEW_WEEKS = 12;
const LIST_SIZE = 8;

export interface OverviewMember {
  id: string;
  label: string;
  email: string;
  company: string;
  /** The day it is about (starts on, ends on) where the list has one. */
  on: string | null;
}

export interface OverviewList {
  key: 'awaiting_approval' | 'invitation_expired' | 'card_overdue' | 'starting' | 'leaving';
  items: OverviewMember[];
  total: number;
}

export interface OverviewWeek {
  /** Monday of the week, YYYY-MM-DD. */
  weekOf: string;
  invited: number;
  onboarded: number;
}

export interface CompanyLine {
  id: string;
  name: string;
  counts: Record<MemberStatus, number>;
  needsAction: number;
}

export interface Overview {
  counts: Record<MemberStatus, number>;
  /** Everyone not removed. */
  current: number;
  lists: OverviewList[];
  weeks: OverviewWeek[];
  companies: CompanyLine[];
}

const zeroCounts = () => Object.fromEntries(MEMBER_STATUSES.map((s) => [s, 0])) as Record<MemberStatus, number>;

/** How many of the company's members are at each status (the members list's filter chips). */
export async function statusCounts(em: EntityManager, scope: CompanyScope): Promise<Record<MemberStatus, number>> {
  const counts = zeroCounts();
  const rows = await em
    .getKysely()
    .selectFrom('member as m')
    .select(['m.status', sql<number>`count(*)::int`.as('n')])
    .where(companyCondition(scope, 'm.organization_id'))
    .groupBy('m.status')
    .execute();
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

export async function memberOverview(em: EntityManager, scope: CompanyScope): Promise<Overview> {
  const company = companyCondition(scope, 'm.organization_id');
  const listOf = async (key: OverviewList['key'], condition: RawBuilder<boolean>, on: RawBuilder<string | null>, order: RawBuilder<unknown>): Promise<OverviewList> => {
    const rows = await em
      .getKysely()
      .selectFrom('member as m')
      .innerJoin('organization as o', 'o.id', 'm.organization_id')
      .select(['m.id', sql<string>`coalesce(nullif(m.name, ''), m.email)`.as('label'), 'm.email', 'o.name as company', on.as('on'), sql<number>`count(*) over ()::int`.as('total')])
      .where(company)
      .where(condition)
      .orderBy(order)
      .orderBy('m.id')
      .limit(LIST_SIZE)
      .execute();
    return { key, items: rows.map(({ total: _t, ...r }) => r), total: rows[0]?.total ?? 0 };
  };
  const [counts, lists, weekRows, companyRows] = await Promise.all([
    statusCounts(em, scope),
    Promise.all([
      listOf('awaiting_approval', sql`m.status = 'awaiting_approval'`, sql`null::text`, sql`m.created_at`),
      listOf('invitation_expired', sql`m.status = 'invitation_expired'`, sql`null::text`, sql`m.updated_at desc`),
      listOf('card_overdue', sql`m.status = 'card_overdue'`, sql`null::text`, sql`m.updated_at desc`),
      listOf('starting', dueCondition('starting'), sql`m.starts_on::text`, sql`m.starts_on`),
      listOf('leaving', dueCondition('leaving'), sql`coalesce(m.ends_on::text, to_char(m.ends_at at time zone 'UTC', 'YYYY-MM-DD'))`, sql`m.ends_at`),
    ]),
    // Invited: the first invitation of a member; onboarded: a member's first day with everything done.
    // Raw on purpose: a calendar of weeks (generate_series) joined to first events reads best as SQL.
    sql<{ week_of: string; invited: number; onboarded: number }>`
      with weeks as (
         select generate_series(date_trunc('week', now()) - make_interval(weeks => ${OVERVIEW_WEEKS - 1}), date_trunc('week', now()), interval '1 week') as week_of
       ), events as (
         select a.type, a.member_id, a.occurred_at as at
           from audit_event a join member m on m.id = a.member_id
          where ${company} and a.type in ('member.invited', 'member.active')
            and a.occurred_at >= date_trunc('week', now()) - make_interval(weeks => ${OVERVIEW_WEEKS - 1})
         union all
         -- A company's first admin is invited by the company's creation, which records no
         -- member.invited of its own: the chart missed them.
         select 'member.invited', m.id, a.occurred_at
           from audit_event a join member m on m.id::text = a.data->>'adminMemberId'
          where ${company} and a.type = 'organization.created'
            and a.occurred_at >= date_trunc('week', now()) - make_interval(weeks => ${OVERVIEW_WEEKS - 1})
       ), firsts as (
         select type, member_id, min(at) as at from events group by type, member_id
       )
       select to_char(w.week_of, 'YYYY-MM-DD') as week_of,
              count(*) filter (where f.type = 'member.invited')::int as invited,
              count(*) filter (where f.type = 'member.active')::int as onboarded
         from weeks w left join firsts f on date_trunc('week', f.at) = w.week_of
        group by w.week_of order by w.week_of`
      .execute(em.getKysely())
      .then((result) => result.rows),
    'operatorId' in scope
      ? em
          .getKysely()
          .selectFrom('organization as o')
          .leftJoin('member as m', 'm.organization_id', 'o.id')
          .select(['o.id', 'o.name', 'm.status', sql<number>`count(m.id)::int`.as('n')])
          .where('o.operator_id', '=', scope.operatorId)
          .where('o.offboarded_at', 'is', null)
          .groupBy(['o.id', 'o.name', 'm.status'])
          .orderBy('o.name')
          .execute()
      : Promise.resolve([]),
  ]);
  const companies = new Map<string, CompanyLine>();
  for (const r of companyRows) {
    const line = companies.get(r.id) ?? { id: r.id, name: r.name, counts: zeroCounts(), needsAction: 0 };
    if (r.status) line.counts[r.status] = r.n;
    line.needsAction = line.counts.awaiting_approval + line.counts.invitation_expired + line.counts.card_overdue;
    companies.set(r.id, line);
  }
  return {
    counts,
    current: MEMBER_STATUSES.filter((s) => s !== 'removed').reduce((sum, s) => sum + counts[s], 0),
    // Sign-ups to approve are listed only when there are some: most companies approve nobody.
    lists: lists.filter((l) => l.key !== 'awaiting_approval' || l.total > 0),
    weeks: weekRows.map((r) => ({ weekOf: r.week_of, invited: r.invited, onboarded: r.onboarded })),
    // The companies that need someone first, then by name.
    companies: [...companies.values()].sort((a, b) => b.needsAction - a.needsAction || a.name.localeCompare(b.name)),
  };
}
