// Visits as people read them: the host's own, a company's, a site's reception list. The PIN is
// never part of a visit's view: only the visitor's e-mail carries it.
import type { EntityManager } from '../../db/orm.ts';
import type { VisitKind, VisitStatus } from '../../db/entities/visit.entity.ts';
import { dateText } from '../members/schedule.ts';
import { DomainError } from '../errors.ts';

export interface VisitView {
  id: string;
  site: { id: string; name: string };
  companyId: string;
  host: { id: string; name: string };
  kind: VisitKind;
  status: VisitStatus;
  /** Null once purged (VISITOR_RETENTION_DAYS after the visit). */
  visitor: { name: string | null; email: string } | null;
  date: string;
  expectedAt: string | null;
  message: string | null;
  validFrom: string;
  validUntil: string;
  createdAt: string;
  arrivedAt: string | null;
  endedAt: string | null;
}

/** Who is looking: a host sees their own visits, a company's admin (or key) the company's, the operator a site's. */
export type VisitScope = { hostMemberId: string; companyId: string } | { companyId: string } | { operatorId: string; siteId?: string };

export const visitsQuery = (em: EntityManager) =>
  em
    .getKysely()
    .selectFrom('visit as v')
    .innerJoin('site as s', 's.id', 'v.site_id')
    .innerJoin('member as h', 'h.id', 'v.host_id')
    .select([
      'v.id', 'v.site_id', 's.name as site_name', 's.operator_id', 'v.organization_id', 'v.host_id', 'h.name as host_name', 'v.kind', 'v.status', 'v.visitor_name', 'v.visitor_email',
      'v.date', 'v.expected_at', 'v.message', 'v.valid_from', 'v.valid_until', 'v.created_at', 'v.arrived_at', 'v.ended_at', 'v.locale',
    ]);

export type VisitRow = Awaited<ReturnType<ReturnType<typeof visitsQuery>['execute']>>[number];

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export const visitView = (r: VisitRow): VisitView => ({
  id: r.id,
  site: { id: r.site_id, name: r.site_name },
  companyId: r.organization_id,
  host: { id: r.host_id, name: r.host_name },
  kind: r.kind,
  status: r.status,
  visitor: r.visitor_email === null ? null : { name: r.visitor_name, email: r.visitor_email },
  date: dateText(r.date)!,
  expectedAt: r.expected_at,
  message: r.message,
  validFrom: iso(r.valid_from)!,
  validUntil: iso(r.valid_until)!,
  createdAt: iso(r.created_at)!,
  arrivedAt: iso(r.arrived_at),
  endedAt: iso(r.ended_at),
});

function scoped(em: EntityManager, scope: VisitScope) {
  let q = visitsQuery(em);
  if ('hostMemberId' in scope) q = q.where('v.host_id', '=', scope.hostMemberId).where('v.organization_id', '=', scope.companyId);
  else if ('companyId' in scope) q = q.where('v.organization_id', '=', scope.companyId);
  else {
    q = q.where('s.operator_id', '=', scope.operatorId);
    if (scope.siteId) q = q.where('v.site_id', '=', scope.siteId);
  }
  return q;
}

export interface VisitFilter {
  /** One day (YYYY-MM-DD at the site), or a range. */
  date?: string;
  from?: string;
  to?: string;
  status?: VisitStatus;
  hostMemberId?: string;
  limit: number;
}

/** Latest date first; a day's visits by the time they are expected. */
export async function listVisits(em: EntityManager, scope: VisitScope, filter: VisitFilter): Promise<VisitView[]> {
  let q = scoped(em, scope);
  if (filter.date) q = q.where('v.date', '=', filter.date);
  if (filter.from) q = q.where('v.date', '>=', filter.from);
  if (filter.to) q = q.where('v.date', '<=', filter.to);
  if (filter.status) q = q.where('v.status', '=', filter.status);
  if (filter.hostMemberId) q = q.where('v.host_id', '=', filter.hostMemberId);
  const rows = await q.orderBy('v.date', 'desc').orderBy('v.expected_at', 'asc').orderBy('v.created_at', 'desc').limit(filter.limit).execute();
  return rows.map(visitView);
}

/** A site's visits of one day, as the reception desk reads them: expected time first. */
export async function receptionList(em: EntityManager, operatorId: string, siteId: string, date: string): Promise<VisitView[]> {
  const rows = await scoped(em, { operatorId, siteId }).where('v.date', '=', date).orderBy('v.expected_at', 'asc').orderBy('v.created_at', 'asc').execute();
  return rows.map(visitView);
}

export async function getVisit(em: EntityManager, scope: VisitScope, visitId: string): Promise<VisitView> {
  const row = await scoped(em, scope).where('v.id', '=', visitId).executeTakeFirst();
  if (!row) throw new DomainError('visit_not_found', 'not_found', `no visit ${visitId}`);
  return visitView(row);
}
