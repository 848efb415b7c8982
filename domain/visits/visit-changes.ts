// How a visit ends, and what its PIN does meanwhile. Each change happens in the database first
// (the PIN is live exactly while the row holds its hash) and bumps the entrance doors' lists, so
// offline doors learn it at their next poll; the visit's workflow is told afterwards.
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, EntityManager } from '../../db/orm.ts';
import { dbNow } from '../../db/sql.ts';
import { LIVE_VISIT_STATUSES, type VisitStatus } from '../../db/entities/visit.entity.ts';
import { bumpAccessLists } from '../access/versions.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { hashVisitorPin, newVisitorPin } from './visitor-pin.ts';
import { getVisit, type VisitScope, type VisitView } from './visits.ts';
import { entranceZoneId } from './visitor-facts.ts';

/** The entrance doors' lists carry the site's visitor PINs: any PIN change bumps them. */
export async function bumpEntrance(em: EntityManager, siteId: string): Promise<void> {
  const zoneId = await entranceZoneId(em, siteId);
  if (zoneId) await bumpAccessLists(em, { zoneId });
}

const auditVisit = (em: EntityManager, row: { id: string; organization_id: string; host_id: string; site_id: string }, type: string, actor: string, extra: Record<string, unknown> = {}) =>
  recordAudit(em, { companyId: row.organization_id, memberId: row.host_id, actor, type, data: { visit: { id: row.id, siteId: row.site_id, ...extra } } });

/**
 * Makes the visitor's PIN, for their e-mail: only its hash is kept, and a PIN made again (the
 * e-mail retried) replaces the last. Refused once the visit is no longer expected (cancelled).
 */
export async function issueVisitorPin(em: EntityManager, visitId: string): Promise<string | undefined> {
  const db = em.getKysely();
  const visit = await db.selectFrom('visit as v').innerJoin('site as s', 's.id', 'v.site_id').select(['v.site_id', 'v.status', 's.visitor_pin_salt']).where('v.id', '=', visitId).executeTakeFirst();
  if (visit?.status !== 'expected') return undefined;
  // A million PINs and a few hundred live at a site: a clash is rare, and the unique index
  // refuses the one that slips between the check and the write (the e-mail is retried).
  for (;;) {
    const pin = newVisitorPin();
    const hash = await hashVisitorPin(pin, visit.visitor_pin_salt);
    const taken = await db.selectFrom('visit').select('id').where('site_id', '=', visit.site_id).where('pin_hash', '=', hash).executeTakeFirst();
    if (taken) continue;
    const set = await db.updateTable('visit').set({ pin_hash: hash }).where('id', '=', visitId).where('status', '=', 'expected').returning('id').executeTakeFirst();
    if (!set) return undefined;
    await bumpEntrance(em, visit.site_id);
    return pin;
  }
}

/** The live visits of one id or one host, cancelled: their PINs die now. */
const cancelLive = (em: EntityManager, column: 'id' | 'host_id', value: string) =>
  em
    .getKysely()
    .updateTable('visit')
    .set({ status: 'cancelled', pin_hash: null, ended_at: dbNow })
    .where(column, '=', value)
    .where('status', 'in', [...LIVE_VISIT_STATUSES])
    .returning(['id', 'organization_id', 'host_id', 'site_id'])
    .execute();

/** Cancels a live visit: the PIN dies now. A visit already over is a 409. */
export async function cancelVisit(em: EntityManager, scope: VisitScope, visitId: string, actor: string): Promise<VisitView> {
  const visit = await getVisit(em, scope, visitId);
  return em.transactional(async (tx) => {
    const [row] = await cancelLive(tx, 'id', visit.id);
    if (!row) throw new DomainError('visit_over', 'conflict', `this visit is already ${visit.status}: there is nothing to cancel`, { status: visit.status });
    await bumpEntrance(tx, row.site_id);
    await auditVisit(tx, row, 'visit.cancelled', actor, { date: visit.date });
    return getVisit(tx, scope, visitId);
  });
}

/** A host removed: their visits still to come are cancelled. Answers the visits, for their workflows. */
export async function cancelHostVisits(em: EntityManager, hostMemberId: string, actor: string): Promise<string[]> {
  return em.transactional(async (tx) => {
    const rows = await cancelLive(tx, 'host_id', hostMemberId);
    for (const siteId of new Set(rows.map((r) => r.site_id))) await bumpEntrance(tx, siteId);
    for (const row of rows) await auditVisit(tx, row, 'visit.cancelled', actor, { reason: 'host_removed' });
    return rows.map((r) => r.id);
  });
}

/** The end of the visit's day: an unused PIN dies. Answers the visit's status (an upload may have said it arrived). */
export async function expireVisit(em: EntityManager, visitId: string): Promise<{ status: VisitStatus }> {
  return em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .updateTable('visit')
      .set({ status: 'expired', pin_hash: null, ended_at: dbNow })
      .where('id', '=', visitId)
      .where('status', '=', 'expected')
      .returning(['id', 'organization_id', 'host_id', 'site_id'])
      .executeTakeFirst();
    if (!row) {
      const now = await tx.getKysely().selectFrom('visit').select('status').where('id', '=', visitId).executeTakeFirst();
      return { status: now?.status ?? 'expired' };
    }
    await bumpEntrance(tx, row.site_id);
    await auditVisit(tx, row, 'visit.expired', 'system');
    return { status: 'expired' };
  });
}

/** A walk-in's host answered (or did not): approved, it is an expected visit like any other. */
export async function settleWalkIn(em: EntityManager, visitId: string, outcome: 'approved' | 'refused' | 'unanswered' | 'cancelled'): Promise<void> {
  if (outcome === 'cancelled') return;
  await em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .updateTable('visit')
      .set(outcome === 'approved' ? { status: 'expected' } : { status: outcome, ended_at: dbNow })
      .where('id', '=', visitId)
      .where('status', '=', 'awaiting_host')
      .returning(['id', 'organization_id', 'host_id', 'site_id'])
      .executeTakeFirst();
    if (row) await auditVisit(tx, row, `visit.walk_in_${outcome}`, 'system');
  });
}

/**
 * The PINs that opened an entrance: each visit expected becomes arrived, once (a second use, at
 * an offline door before it heard, is only an entry event). Answers the visits that arrived now.
 */
export async function arriveVisits(em: EntityManager, door: { siteId: string; doorControllerId: string }, arrivals: { visitId: string; at: Date }[]): Promise<string[]> {
  const arrived: string[] = [];
  for (const { visitId, at } of arrivals) {
    const row = await em
      .getKysely()
      .updateTable('visit')
      .set({ status: 'arrived', arrived_at: at, pin_hash: null })
      .where('id', '=', visitId)
      .where('site_id', '=', door.siteId)
      // An offline door's upload may come after the day's end has expired the visit.
      .where('status', 'in', ['expected', 'expired'])
      .where('arrived_at', 'is', null)
      .returning(['id', 'organization_id', 'host_id', 'site_id'])
      .executeTakeFirst();
    if (!row) continue;
    await auditVisit(em, row, 'visit.arrived', `door-controller:${door.doorControllerId}`, { doorControllerId: door.doorControllerId, at: at.toISOString() });
    arrived.push(row.id);
  }
  if (arrived.length) await bumpEntrance(em, door.siteId);
  return arrived;
}

/**
 * The CNIL's rule for visitors: their name, address and times go VISITOR_RETENTION_DAYS after the
 * visit. The row stays (site, company, host, date, status), so visits can still be counted.
 */
export async function purgeVisits(em: EntityManager, before: string, operatorId?: string): Promise<number> {
  const db = em.getKysely();
  const past = (eb: ExpressionBuilder<Database, 'visit'>) =>
    eb.and([
      eb('visit.date', '<', before), eb('visit.purged_at', 'is', null), eb('visit.status', 'not in', [...LIVE_VISIT_STATUSES]),
      ...(operatorId ? [eb('visit.site_id', 'in', db.selectFrom('site').select('id').where('operator_id', '=', operatorId))] : []),
    ]);
  // First the e-mails sent to them, which hold their address: the visit's own, to that address.
  await db
    .deleteFrom('email_outbox as o')
    .using('visit')
    .where(past)
    .where(sql<boolean>`o.key like 'visit-' || visit.id || '/%'`)
    .whereRef('o.to_address', '=', 'visit.visitor_email')
    .execute();
  const rows = await db
    .updateTable('visit')
    .set({ visitor_name: null, visitor_email: null, message: null, expected_at: null, arrived_at: null, purged_at: dbNow })
    .where(past)
    .returning('id')
    .execute();
  return rows.length;
}
