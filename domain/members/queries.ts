// Reading members and their history, always within one company (or, for the operator, across its
// companies): another company's ids are simply not found.
import type { EntityManager } from '../../db/orm.ts';
import type { MemberLocale, MemberRole, MemberStatus } from '../../db/entities/index.ts';
import { isUuid } from '../ids.ts';
import { isPostgresTime } from '../time.ts';
import { DomainError } from '../errors.ts';
import { countDisconnects } from '../disconnects.ts';

/** One company, or every company of the operator. */
export type CompanyScope = { organizationId: string } | { operatorId: string };

export const inScope = (scope: CompanyScope, column: string) =>
  'organizationId' in scope
    ? { sql: `${column} = ?`, params: [scope.organizationId] }
    : { sql: `${column} in (select id from organization where operator_id = ?)`, params: [scope.operatorId] };

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
  /** The address a change waits to move them to, until that address confirms. */
  pendingEmail: string | null;
  createdAt: string;
  updatedAt: string;
  removedAt: string | null;
}

interface MemberRow {
  id: string;
  organization_id: string;
  email: string;
  name: string;
  role: MemberRole;
  locale: MemberLocale;
  status: MemberStatus;
  site_id: string | null;
  created_at: Date;
  updated_at: Date;
  removed_at: Date | null;
  card_number: string | null;
  card_state: 'assigned' | 'revoked' | null;
  card_access: boolean | null;
  starts_on: string | null;
  ends_on: string | null;
  ends_at: Date | null;
  external_id: string | null;
  pending_email: string | null;
  /** created_at as PostgreSQL prints it: keeps the microseconds a Date would lose. */
  cursor_at: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

// The member's current card, or the last one they held.
const SELECT_MEMBER = `
  select m.id, m.organization_id, m.email, m.name, m.role, m.locale, m.status, m.site_id, m.created_at, m.updated_at, m.removed_at,
         m.starts_on::text as starts_on, m.ends_on::text as ends_on, m.ends_at, m.external_id,
         c.number as card_number, c.state as card_state, (c.access_granted_at is not null) as card_access,
         m.created_at::text as cursor_at, pe.new_email as pending_email
    from member m
    left join lateral (
      select number, state, access_granted_at from card where card.member_id = m.id
       order by (state = 'assigned') desc, coalesce(revoked_at, assigned_at) desc nulls last limit 1
    ) c on true
    left join lateral (
      select t.new_email from auth_token t where t.member_id = m.id and t.purpose = 'email_change'
         and t.consumed_at is null and t.revoked_at is null and t.expires_at > now()
       order by t.created_at desc limit 1
    ) pe on true`;

export const memberView = (r: MemberRow): MemberView => ({
  id: r.id,
  companyId: r.organization_id,
  email: r.email,
  name: r.name,
  role: r.role,
  locale: r.locale,
  status: r.status,
  siteId: r.site_id,
  card: r.card_number ? { number: r.card_number, state: r.card_state!, accessGranted: Boolean(r.card_access) } : null,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  endsAt: iso(r.ends_at),
  externalId: r.external_id,
  pendingEmail: r.pending_email,
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  removedAt: iso(r.removed_at),
});

export async function getMember(em: EntityManager, organizationId: string, memberId: string): Promise<MemberView> {
  const [row] = await em.execute<MemberRow[]>(`${SELECT_MEMBER} where m.id = ? and m.organization_id = ?`, [memberId, organizationId]);
  if (!row) throw new DomainError('member_not_found', 'not_found', `no member ${memberId} in this company`);
  return memberView(row);
}

const encodeCursor = (parts: (string | number)[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
function decodeCursor<T extends unknown[]>(cursor: string, check: (v: unknown[]) => boolean): T {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && check(value)) return value as T;
  } catch {
    // falls through to the problem below
  }
  throw new DomainError('cursor_invalid', 'invalid', 'this cursor is not one this API gave out: start again without it');
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last one. */
  nextCursor: string | null;
}

/** What the members list can narrow to from the overview's "this week" lists. */
export const MEMBER_DUE = ['starting', 'leaving'] as const;
export type MemberDue = (typeof MEMBER_DUE)[number];

/** The SQL condition for a `due` filter: the next seven days, today included. */
export const dueCondition = (due: MemberDue) =>
  due === 'starting'
    ? `(m.starts_on between current_date and current_date + 6 and m.status <> 'removed')`
    : `(m.ends_at >= now() and m.ends_at < now() + interval '7 days' and m.status <> 'removed')`;

/** How the members list can be ordered: by invitation (newest first by default), name or status. */
export const MEMBER_SORTS = ['-invited', 'invited', 'name', '-name', 'status', '-status'] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

// Each order is a keyset (its key, then the id): a page's cursor is where the last one stopped.
const SORT_KEYS: Record<'invited' | 'name' | 'status', { key: string; text: string; param: string }> = {
  invited: { key: 'm.created_at', text: 'm.created_at::text', param: '?::timestamptz' },
  name: { key: "lower(coalesce(nullif(m.name, ''), m.email))", text: "lower(coalesce(nullif(m.name, ''), m.email))", param: '?' },
  status: { key: 'm.status::text', text: 'm.status::text', param: '?' },
};

/** Newest first unless `sort` says otherwise; `q` matches name or e-mail, case-insensitively. */
export async function listMembers(
  em: EntityManager,
  scope: CompanyScope,
  options: { status?: MemberStatus[]; q?: string; due?: MemberDue; sort?: MemberSort; cursor?: string; limit: number },
): Promise<Page<MemberView>> {
  const company = inScope(scope, 'm.organization_id');
  const where = [company.sql];
  const params: unknown[] = [...company.params];
  if (options.status?.length) {
    where.push(`m.status in (${options.status.map(() => '?').join(', ')})`);
    params.push(...options.status);
  }
  if (options.q) {
    where.push(`(m.email ilike ? escape '\\' or m.name ilike ? escape '\\')`);
    const like = `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(like, like);
  }
  if (options.due) where.push(dueCondition(options.due));
  const sort = options.sort ?? '-invited';
  const order = SORT_KEYS[sort.replace('-', '') as keyof typeof SORT_KEYS];
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  if (options.cursor) {
    // The default order keeps the cursor the API has always given out: [created_at, id].
    const [value, id] = sort === '-invited'
      ? decodeCursor<[string, string]>(options.cursor, (v) => v.length === 2 && isPostgresTime(v[0]) && typeof v[1] === 'string' && isUuid(v[1]))
      : decodeCursor<[string, string, string]>(options.cursor, (v) => v.length === 3 && v[0] === sort && typeof v[1] === 'string' && (sort.endsWith('invited') ? isPostgresTime(v[1]) : true) && typeof v[2] === 'string' && isUuid(v[2])).slice(1);
    where.push(`(${order.key}, m.id) ${direction === 'desc' ? '<' : '>'} (${order.param}, ?::uuid)`);
    params.push(value, id);
  }
  // The page's members first, then their cards: the card lookup runs for the page's rows only,
  // not for every member of the company before the sort.
  const rows = await em.execute<(MemberRow & { sort_key: string })[]>(
    `${SELECT_MEMBER.replace('m.created_at::text as cursor_at', `m.created_at::text as cursor_at, ${order.text} as sort_key`)}
      where m.id in (select m.id from member m where ${where.join(' and ')} order by ${order.key} ${direction}, m.id ${direction} limit ?)
      order by ${order.key} ${direction}, m.id ${direction}`,
    [...params, options.limit + 1],
  );
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

interface AuditRow {
  id: string | number;
  occurred_at: Date;
  type: string;
  actor: string;
  member_id: string | null;
  data: Record<string, unknown>;
  workflow_id: string | null;
  workflow_run_id: string | null;
}

/**
 * Who reads the trail. A company sees what happened to its people, not the operator's hardware:
 * an offboarding report's Wi-Fi disconnects name access points (of any site), their addresses and
 * ports, so a company reads only how many answered.
 */
export type AuditAudience = 'company' | 'operator';

function forAudience(type: string, data: Record<string, unknown>, audience: AuditAudience): Record<string, unknown> {
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
  data: forAudience(r.type, r.data, audience),
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

/** Oldest first, in the order things happened. */
export async function auditEvents(em: EntityManager, scope: CompanyScope, filter: AuditFilter, audience: AuditAudience = 'company'): Promise<Page<AuditEventView>> {
  // The operator's trail has its own events (sites, doors, card stock) and every company's.
  const company = inScope(scope, 'organization_id');
  const where = ['operatorId' in scope ? `(operator_id = ? or ${company.sql})` : company.sql];
  const params: unknown[] = 'operatorId' in scope ? [scope.operatorId, ...company.params] : [...company.params];
  if (filter.memberId) (where.push('member_id = ?'), params.push(filter.memberId));
  if (filter.type) {
    if (filter.type.endsWith('.')) (where.push('type like ?'), params.push(`${filter.type.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    else (where.push('type = ?'), params.push(filter.type));
  }
  if (filter.actor) (where.push('actor = ?'), params.push(filter.actor));
  if (filter.from) (where.push('occurred_at >= ?'), params.push(filter.from));
  if (filter.to) (where.push('occurred_at < ?'), params.push(filter.to));
  if (filter.cursor) {
    const [after] = decodeCursor<[number]>(filter.cursor, (v) => v.length === 1 && Number.isSafeInteger(v[0]) && (v[0] as number) >= 0);
    where.push('id > ?');
    params.push(after);
  }
  const rows = await em.execute<AuditRow[]>(
    `select id, occurred_at, type, actor, member_id, data, workflow_id, workflow_run_id from audit_event
      where ${where.join(' and ')} order by id limit ?`,
    [...params, filter.limit + 1],
  );
  const items = rows.slice(0, filter.limit).map((r) => auditView(r, audience));
  return { items, nextCursor: rows.length > filter.limit ? encodeCursor([items.at(-1)!.id]) : null };
}

/** A member's whole history, every run of their lifecycle, oldest first. */
export async function memberHistory(em: EntityManager, organizationId: string, memberId: string, audience: AuditAudience = 'company'): Promise<AuditEventView[]> {
  await getMember(em, organizationId, memberId);
  const rows = await em.execute<AuditRow[]>(
    `select id, occurred_at, type, actor, member_id, data, workflow_id, workflow_run_id from audit_event
      where organization_id = ? and member_id = ? order by id`,
    [organizationId, memberId],
  );
  return rows.map((r) => auditView(r, audience));
}

/** Members of a company not removed yet, among `ids`, by name: whom a bulk action is about. */
export async function currentMembersByIds(em: EntityManager, organizationId: string, ids: string[]): Promise<{ id: string; label: string; email: string; status: MemberStatus }[]> {
  if (!ids.length) return [];
  return em.execute(
    `select id, coalesce(nullif(name, ''), email) as label, email, status from member
      where organization_id = ? and status <> 'removed' and id in (${ids.map(() => '?').join(', ')}) order by lower(coalesce(nullif(name, ''), email)), id`,
    [organizationId, ...ids],
  );
}

/** Names (or addresses) of members, by id, within the scope: a card's holder, a delivery's member. */
export async function memberLabels(em: EntityManager, scope: CompanyScope, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const company = inScope(scope, 'm.organization_id');
  const rows = await em.execute<{ id: string; label: string }[]>(
    `select m.id, coalesce(nullif(m.name, ''), m.email) as label from member m where ${company.sql} and m.id in (${ids.map(() => '?').join(', ')})`,
    [...company.params, ...ids],
  );
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** Whether a removal's offboarding has finished: its report is written with `member.removed`. */
export async function offboardingFinished(em: EntityManager, organizationId: string, memberId: string): Promise<boolean> {
  const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from audit_event where organization_id = ? and member_id = ? and type = 'member.removed'`, [organizationId, memberId]);
  return row!.n > 0;
}
