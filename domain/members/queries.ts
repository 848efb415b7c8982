// Reading members and their history, always within one company (or, for the operator, across its
// companies): another company's ids are simply not found.
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import { joinPersonal } from '../audit-personal.ts';
import type { EntityManager, Row } from '../../db/orm.ts';
import type { MemberKind, MemberLocale, MemberRole, MemberStatus } from '../../db/entities/index.ts';
import type { AccessDayChoice } from '../../db/entities/schedule.ts';
import { isUuid } from '../ids.ts';
import { isPostgresTime } from '../time.ts';
import { DomainError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { countDisconnects } from '../disconnects.ts';

/** One company, or every company of the operator. */
export type CompanyScope = { companyId: string } | { operatorId: string };


export interface MemberView {
  id: string;
  companyId: string;
  email: string;
  name: string;
  role: MemberRole;
  locale: MemberLocale;
  status: MemberStatus;
  siteId: string | null;
  card: { number: string; state: 'assigned' | 'revoked'; accessGranted: boolean } | null;
  startsOn: string | null;
  endsOn: string | null;
  endsAt: string | null;
  externalId: string | null;
  kind: MemberKind;
  /** A day pass's dates. */
  dates: string[] | null;
  /** Invited with a registration code (a card to register). */
  cardNeeded: boolean;
  /** Null: what the company's grants give. */
  accessDays: AccessDayChoice[] | null;
  /** The address a change waits to move them to, until that address confirms. */
  pendingEmail: string | null;
  createdAt: string;
  updatedAt: string;
  removedAt: string | null;
}

export const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Members within the scope, as a condition on `column` (a company id column). */
export const companyCondition = (scope: CompanyScope, column: string) =>
  'companyId' in scope
    ? sql<boolean>`${sql.ref(column)} = ${scope.companyId}`
    : sql<boolean>`${sql.ref(column)} in (select id from organization where operator_id = ${scope.operatorId})`;

/** Members with what the view shows: their current card (or the last one they held) and a pending address change. */
const selectMembers = (em: EntityManager) =>
  em
    .getKysely()
    .selectFrom('member as m')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('card')
          .select(['number', 'state', 'access_granted_at'])
          .whereRef('card.member_id', '=', 'm.id')
          .orderBy(sql`(state = 'assigned')`, 'desc')
          .orderBy(sql`coalesce(revoked_at, assigned_at)`, (ob) => ob.desc().nullsLast())
          .limit(1)
          .as('c'),
      (join) => join.onTrue(),
    )
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('auth_token as t')
          .select('t.new_email')
          .whereRef('t.member_id', '=', 'm.id')
          .where('t.purpose', '=', 'email_change')
          .where('t.consumed_at', 'is', null)
          .where('t.revoked_at', 'is', null)
          .where('t.expires_at', '>', dbNow)
          .orderBy('t.created_at', 'desc')
          .limit(1)
          .as('pe'),
      (join) => join.onTrue(),
    )
    .select([
      'm.id', 'm.organization_id', 'm.email', 'm.name', 'm.role', 'm.locale', 'm.status', 'm.site_id', 'm.created_at', 'm.updated_at', 'm.removed_at',
      sql<string | null>`m.starts_on::text`.as('starts_on'),
      sql<string | null>`m.ends_on::text`.as('ends_on'),
      'm.ends_at', 'm.external_id', 'm.kind', 'm.day_pass_dates', 'm.card_needed', 'm.access_days',
      'c.number as card_number', 'c.state as card_state',
      sql<boolean | null>`(c.access_granted_at is not null)`.as('card_access'),
      // created_at as PostgreSQL prints it: keeps the microseconds a Date would lose.
      sql<string>`m.created_at::text`.as('cursor_at'),
      'pe.new_email as pending_email',
    ]);

type MemberRow = Awaited<ReturnType<ReturnType<typeof selectMembers>['executeTakeFirstOrThrow']>>;

export const memberView = (r: MemberRow): MemberView => ({
  id: r.id,
  companyId: r.organization_id,
  email: r.email,
  name: r.name,
  role: r.role,
  locale: r.locale,
  status: r.status,
  siteId: r.site_id,
  card: r.card_number ? { number: r.card_number, state: r.card_state as 'assigned' | 'revoked', accessGranted: Boolean(r.card_access) } : null,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  endsAt: iso(r.ends_at),
  externalId: r.external_id,
  kind: r.kind,
  dates: r.day_pass_dates,
  cardNeeded: r.card_needed,
  accessDays: r.access_days,
  pendingEmail: r.pending_email,
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  removedAt: iso(r.removed_at),
});

export async function getMember(em: EntityManager, companyId: string, memberId: string): Promise<MemberView> {
  const row = await selectMembers(em).where('m.id', '=', memberId).where('m.organization_id', '=', companyId).executeTakeFirst();
  if (!row) throw new DomainError('member_not_found', 'not_found', `no member ${memberId} in this company`);
  return memberView(row);
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last one. */
  nextCursor: string | null;
}

/** What the members list can narrow to from the overview's "this week" lists. */
export const MEMBER_DUE = ['starting', 'leaving'] as const;
export type MemberDue = (typeof MEMBER_DUE)[number];

/** The condition for a `due` filter on `member as m`: the next seven days, today included. */
export const dueCondition = (due: MemberDue) =>
  due === 'starting'
    ? sql<boolean>`(m.starts_on between current_date and current_date + 6 and m.status <> 'removed')`
    : sql<boolean>`(m.ends_at >= now() and m.ends_at < now() + interval '7 days' and m.status <> 'removed')`;

/** How the members list can be ordered: by invitation (newest first by default), name or status. */
export const MEMBER_SORTS = ['-invited', 'invited', 'name', '-name', 'status', '-status'] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

// Each order is a keyset (its key, then the id): a page's cursor is where the last one stopped.
// The keys are this file's own SQL, never the caller's text.
const SORT_KEYS: Record<'invited' | 'name' | 'status', { key: string; text: string; cast: string }> = {
  invited: { key: 'm.created_at', text: 'm.created_at::text', cast: 'timestamptz' },
  name: { key: "lower(coalesce(nullif(m.name, ''), m.email))", text: "lower(coalesce(nullif(m.name, ''), m.email))", cast: 'text' },
  status: { key: 'm.status::text', text: 'm.status::text', cast: 'text' },
};

/** `%text%` for ilike/like, its wildcards taken literally. */
export const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Newest first unless `sort` says otherwise; `q` matches name or e-mail, case-insensitively. */
export async function listMembers(
  em: EntityManager,
  scope: CompanyScope,
  options: { status?: MemberStatus[]; kind?: MemberKind; q?: string; due?: MemberDue; sort?: MemberSort; cursor?: string; limit: number },
): Promise<Page<MemberView>> {
  const sort = options.sort ?? '-invited';
  const order = SORT_KEYS[sort.replace('-', '') as keyof typeof SORT_KEYS];
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const key = sql.raw(order.key);
  // The page's members first, then their cards: the card lookup runs for the page's rows only,
  // not for every member of the company before the sort.
  let page = em.getKysely().selectFrom('member as m').select('m.id').where(companyCondition(scope, 'm.organization_id'));
  if (options.status?.length) page = page.where('m.status', 'in', options.status);
  if (options.kind) page = page.where('m.kind', '=', options.kind);
  if (options.q) {
    const like = containing(options.q);
    page = page.where(sql<boolean>`(m.email ilike ${like} escape '\\' or m.name ilike ${like} escape '\\')`);
  }
  if (options.due) page = page.where(dueCondition(options.due));
  if (options.cursor) {
    // The default order keeps the cursor the API has always given out: [created_at, id].
    const [value, id] = sort === '-invited'
      ? decodeCursor<[string, string]>(options.cursor, (v) => v.length === 2 && isPostgresTime(v[0]) && typeof v[1] === 'string' && isUuid(v[1]))
      : decodeCursor<[string, string, string]>(options.cursor, (v) => v.length === 3 && v[0] === sort && typeof v[1] === 'string' && (sort.endsWith('invited') ? isPostgresTime(v[1]) : true) && typeof v[2] === 'string' && isUuid(v[2])).slice(1);
    page = page.where(sql<boolean>`(${key}, m.id) ${sql.raw(direction === 'desc' ? '<' : '>')} (cast(${value} as ${sql.raw(order.cast)}), cast(${id} as uuid))`);
  }
  const pageIds = page.orderBy(key, direction).orderBy('m.id', direction).limit(options.limit + 1);
  const rows = await selectMembers(em)
    .select(sql<string>`${sql.raw(order.text)}`.as('sort_key'))
    .where('m.id', 'in', pageIds)
    .orderBy(key, direction)
    .orderBy('m.id', direction)
    .execute();
  const items = rows.slice(0, options.limit).map(memberView);
  const last = rows.length > options.limit ? rows[options.limit - 1]! : undefined;
  const nextCursor = !last ? null : sort === '-invited' ? encodeCursor([last.cursor_at, last.id]) : encodeCursor([sort, last.sort_key, last.id]);
  return { items, nextCursor };
}

export interface AuditEventView {
  id: number;
  occurredAt: string;
  type: string;
  actor: string;
  memberId: string | null;
  data: Record<string, unknown>;
  workflowId: string | null;
  workflowRunId: string | null;
}

const AUDIT_COLUMNS = ['id', 'occurred_at', 'type', 'actor', 'member_id', 'data', 'personal', 'workflow_id', 'workflow_run_id'] as const;
type AuditRow = Pick<Row<'audit_event'>, (typeof AUDIT_COLUMNS)[number]>;

/**
 * Who reads the trail. A company sees what happened to its people, not the operator's hardware:
 * an offboarding report's Wi-Fi disconnects name access points (of any site), their addresses and
 * ports, so a company reads only how many answered.
 */
export type AuditAudience = 'company' | 'operator';

export function forAudience(type: string, data: Record<string, unknown>, audience: AuditAudience): Record<string, unknown> {
  if (audience === 'operator') return data;
  const report = data.report as { wifi?: { disconnect?: { answer?: string }[] } } | undefined;
  if (type === 'member.removed' && Array.isArray(report?.wifi?.disconnect)) {
    return { ...data, report: { ...report, wifi: { ...report.wifi, disconnect: countDisconnects(report.wifi.disconnect) } } };
  }
  const result = data.result as { disconnect?: { answer?: string }[] } | undefined;
  if (type === 'access.wifi_revoked' && Array.isArray(result?.disconnect)) return { ...data, result: { ...result, disconnect: countDisconnects(result.disconnect) } };
  return data;
}

const auditView = (r: AuditRow, audience: AuditAudience): AuditEventView => ({
  id: Number(r.id),
  occurredAt: iso(r.occurred_at)!,
  type: r.type,
  actor: r.actor,
  memberId: r.member_id,
  data: forAudience(r.type, joinPersonal((r.data ?? {}) as Record<string, unknown>, r.personal), audience),
  workflowId: r.workflow_id,
  workflowRunId: r.workflow_run_id,
});

export interface AuditFilter {
  memberId?: string;
  /** Exact type, or a prefix ending in `.` (`access.`). */
  type?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

/** The events a scope sees that match a filter, from after the cursor, oldest first (the API's list and the CSV export select from it). */
export function auditEventQuery(em: EntityManager, scope: CompanyScope, filter: AuditFilter) {
  // The operator's trail has its own events (sites, doors, card stock) and every company's.
  const company = companyCondition(scope, 'organization_id');
  let query = em
    .getKysely()
    .selectFrom('audit_event')
    .where('operatorId' in scope ? (eb) => eb.or([eb('operator_id', '=', scope.operatorId), company]) : company);
  if (filter.memberId) query = query.where('member_id', '=', filter.memberId);
  if (filter.type) query = filter.type.endsWith('.') ? query.where(sql<boolean>`type like ${containing(filter.type).slice(1)}`) : query.where('type', '=', filter.type);
  if (filter.actor) query = query.where('actor', '=', filter.actor);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  if (filter.cursor) {
    const [after] = decodeCursor<[number]>(filter.cursor, (v) => v.length === 1 && Number.isSafeInteger(v[0]) && (v[0] as number) >= 0);
    query = query.where('id', '>', after);
  }
  return query.orderBy('id').limit(filter.limit + 1);
}

/** Oldest first, in the order things happened. */
export async function auditEvents(em: EntityManager, scope: CompanyScope, filter: AuditFilter, audience: AuditAudience = 'company'): Promise<Page<AuditEventView>> {
  const rows = await auditEventQuery(em, scope, filter).select(AUDIT_COLUMNS).execute();
  const items = rows.slice(0, filter.limit).map((r) => auditView(r, audience));
  return { items, nextCursor: rows.length > filter.limit ? encodeCursor([items.at(-1)!.id]) : null };
}

/** A member's whole history, every run of their lifecycle, oldest first. */
export async function memberHistory(em: EntityManager, companyId: string, memberId: string, audience: AuditAudience = 'company'): Promise<AuditEventView[]> {
  await getMember(em, companyId, memberId);
  const rows = await em.getKysely().selectFrom('audit_event').select(AUDIT_COLUMNS).where('organization_id', '=', companyId).where('member_id', '=', memberId).orderBy('id').execute();
  return rows.map((r) => auditView(r, audience));
}

/** Members of a company not removed yet, among `ids`, by name: whom a bulk action is about. */
export async function currentMembersByIds(em: EntityManager, companyId: string, ids: string[]): Promise<{ id: string; label: string; email: string; status: MemberStatus }[]> {
  if (!ids.length) return [];
  const label = sql<string>`coalesce(nullif(name, ''), email)`;
  return em
    .getKysely()
    .selectFrom('member')
    .select(['id', label.as('label'), 'email', 'status'])
    .where('organization_id', '=', companyId)
    .where('status', '<>', 'removed')
    .where('id', 'in', ids)
    .orderBy(sql`lower(${label})`)
    .orderBy('id')
    .execute();
}

/** Names (or addresses) of members, by id, within the scope: a card's holder, a delivery's member. */
export async function memberLabels(em: EntityManager, scope: CompanyScope, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await em
    .getKysely()
    .selectFrom('member as m')
    .select(['m.id', sql<string>`coalesce(nullif(m.name, ''), m.email)`.as('label')])
    .where(companyCondition(scope, 'm.organization_id'))
    .where('m.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** Whether a removal's offboarding has finished: its report is written with `member.removed`. */
export async function offboardingFinished(em: EntityManager, companyId: string, memberId: string): Promise<boolean> {
  const row = await em.getKysely().selectFrom('audit_event').select('id').where('organization_id', '=', companyId).where('member_id', '=', memberId).where('type', '=', 'member.removed').limit(1).executeTakeFirst();
  return row !== undefined;
}
