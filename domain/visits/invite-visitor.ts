// A member invites a visitor (Workways' "My visitors" → Invite), or a walk-in asks for them at the
// reception kiosk. Checked before anything is written: the host is a live member at a site, the
// date is today or later at that site, and the host may enter on that date at all (a visitor can
// never enter when their host could not). The PIN is not made here: the visitor's e-mail makes it.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../db/orm.ts';
import { dbNow } from '../../db/sql.ts';
import type { MemberLocale } from '../../db/entities/member.entity.ts';
import type { VisitKind } from '../../db/entities/visit.entity.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { dateAt, isCalendarDate, midnightAt, nextDay, zonedTime } from '../time.ts';
import { visitEntry, windowsOn } from './visitor-entry.ts';
import { getVisit, type VisitView } from './visits.ts';

/** How far ahead a visit may be: an invitation is for an expected day, not a standing pass. */
export const VISIT_MAX_DAYS_AHEAD = 90;
/** The reminder's hour on the morning of the visit, at the site. */
export const VISIT_REMINDER_TIME = '07:30';

export interface VisitRequest {
  companyId: string;
  hostMemberId: string;
  kind: VisitKind;
  visitorEmail: string;
  visitorName?: string | null;
  /** YYYY-MM-DD at the host's site; today when left out (a walk-in: always today). */
  date?: string;
  /** HH:MM, when the host expects them (informative). */
  expectedAt?: string | null;
  message?: string | null;
  /** The visitor's language; the host's when left out. */
  locale?: MemberLocale;
  /** A walk-in: the kiosk's site, which must be the host's. */
  siteId?: string;
  actor: string;
}

/** What the visit's workflow needs to start. */
export interface VisitPlan {
  visitId: string;
  companyId: string;
  hostMemberId: string;
  walkIn: boolean;
  validUntilMs: number;
  reminderAtMs: number | null;
}

const invalid = (code: string, message: string, field: string) => new DomainError(code, 'invalid', message, { field });

async function createVisit(em: EntityManager, request: VisitRequest, now = new Date()): Promise<{ visit: VisitView; plan: VisitPlan }> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    const host = await db
      .selectFrom('member as m')
      .innerJoin('site as s', 's.id', 'm.site_id')
      .leftJoin('zone as z', (j) => j.onRef('z.site_id', '=', 's.id').on('z.common', '=', true))
      .leftJoin('zone_grant as g', (j) => j.onRef('g.zone_id', '=', 'z.id').onRef('g.organization_id', '=', 'm.organization_id'))
      .select(['m.id', 'm.status', 'm.kind', 'm.locale', 'm.access_days', 'm.ends_at', 's.id as site_id', 's.time_zone', 's.opening_hours', 'g.zone_id as granted', 'g.schedule'])
      .where('m.id', '=', request.hostMemberId)
      .where('m.organization_id', '=', request.companyId)
      .executeTakeFirst();
    if (!host || host.status === 'removed') throw new DomainError('host_not_found', 'not_found', 'no live member of this company is that host', { field: 'hostMemberId' });
    // A guest on a day pass is a visitor themself.
    if (host.kind === 'day_pass') throw new DomainError('host_is_a_guest', 'forbidden', 'a guest on a day pass cannot invite visitors');
    if (request.siteId && request.siteId !== host.site_id) throw new DomainError('host_not_found', 'not_found', 'the host is not at this site', { field: 'hostMemberId' });
    const today = dateAt(now, host.time_zone);
    const date = request.kind === 'walk_in' ? today : request.date ?? today;
    if (!isCalendarDate(date)) throw invalid('invalid_visit_date', 'date must be a real date (YYYY-MM-DD)', 'date');
    if (date < today) throw invalid('visit_in_the_past', `the visit's date is before today (${today} at the site)`, 'date');
    const latest = new Date(Date.parse(`${today}T00:00:00Z`) + VISIT_MAX_DAYS_AHEAD * 86_400_000).toISOString().slice(0, 10);
    if (date > latest) throw invalid('visit_too_far', `a visit is at most ${VISIT_MAX_DAYS_AHEAD} days ahead (${latest})`, 'date');
    const validFrom = midnightAt(date, host.time_zone);
    const validUntil = midnightAt(nextDay(date), host.time_zone);
    if (host.ends_at && new Date(host.ends_at) <= validFrom) throw invalid('host_gone_by_then', 'the host leaves before that date', 'date');
    const entry = visitEntry({
      visitId: 'check', live: true, date, validFrom: validFrom.toISOString(), validUntil: validUntil.toISOString(),
      zoneGranted: host.granted !== null, grantSchedule: host.schedule, siteHours: host.opening_hours, hostAccessDays: host.access_days,
    });
    if (!windowsOn(entry, date).length) {
      throw new DomainError('host_no_access_that_day', 'unprocessable', `the host has no access to the building on ${date}: their visitor could not enter either`, { field: 'date', date });
    }
    const previousDay = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const reminderAt = zonedTime(`${date}T${VISIT_REMINDER_TIME}`, host.time_zone);
    const id = randomUUID();
    await db
      .insertInto('visit')
      .values({
        id, site_id: host.site_id, organization_id: request.companyId, host_id: host.id, kind: request.kind,
        status: request.kind === 'walk_in' ? 'awaiting_host' : 'expected',
        visitor_name: request.visitorName?.trim() || null, visitor_email: request.visitorEmail.trim().toLowerCase(), locale: request.locale ?? host.locale,
        date, expected_at: request.expectedAt ?? null, message: request.message?.trim() || null,
        valid_from: validFrom, valid_until: validUntil, created_by: request.actor, created_at: dbNow,
      })
      .execute();
    const visit = await getVisit(tx, { companyId: request.companyId }, id);
    return {
      visit,
      plan: {
        visitId: id, companyId: request.companyId, hostMemberId: host.id, walkIn: request.kind === 'walk_in', validUntilMs: validUntil.getTime(),
        reminderAtMs: today < previousDay && reminderAt > now ? reminderAt.getTime() : null,
      },
    };
  });
}

/**
 * Makes the visit and starts its workflow. A workflow that cannot start takes the visit back (the
 * caller answers 503): nothing half-made, no webhook for a visit that does not exist.
 */
export async function inviteVisitor(deps: { em: EntityManager; visits: { start(plan: VisitPlan): Promise<void> } }, request: VisitRequest, now = new Date()): Promise<VisitView> {
  const { visit, plan } = await createVisit(deps.em, request, now);
  try {
    await deps.visits.start(plan);
  } catch (error) {
    await deps.em.getKysely().deleteFrom('visit').where('id', '=', visit.id).execute();
    throw error;
  }
  // The visitor's name and address stay out of the audit trail (kept longer than visits are).
  await recordAudit(deps.em, {
    companyId: request.companyId, memberId: plan.hostMemberId, actor: request.actor, type: 'visit.created',
    data: { visit: { id: visit.id, siteId: visit.site.id, date: visit.date, expectedAt: visit.expectedAt, kind: visit.kind } },
  });
  return visit;
}
