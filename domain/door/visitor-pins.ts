// A visitor types their PIN at an online door: the server decides, and the first use that opens
// the entrance consumes the PIN in the same transaction. Wrong PINs count in the site's PIN
// lockout like wrong enrollment PINs (door-events.ts); a right PIN at the wrong time or door opens
// nothing and is no guess. Every answer but "opened" sounds the same to the keypad.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../db/orm.ts';
import { dbNow } from '../../db/sql.ts';
import { recordAudit } from '../audit.ts';
import { arriveVisits } from '../visits/visit-changes.ts';
import { visitFactsByPin } from '../visits/visitor-facts.ts';
import { mayVisitorEnter } from '../visits/visitor-entry.ts';
import { hashVisitorPin } from '../visits/visitor-pin.ts';
import { lockedOut, lockSitePins, PIN_LOCKOUT, recentFailures } from './door-events.ts';
import type { DoorControllerIdentity } from './signatures.ts';

export type VisitorPinDecision = { decision: 'opened'; reason: null; visitId: string } | { decision: 'rejected'; reason: 'unknown_pin'; visitId: null };

const refused: VisitorPinDecision = { decision: 'rejected', reason: 'unknown_pin', visitId: null };

export async function admitVisitor(em: EntityManager, door: DoorControllerIdentity, pin: string, now = new Date()): Promise<VisitorPinDecision> {
  // A locked-out site answers at once, before the PIN's hash is paid for.
  const recent = await recentFailures(em, door.siteId);
  if (recent.count >= PIN_LOCKOUT.failures) throw lockedOut(recent.retryAfterSeconds);
  const site = await em.getKysely().selectFrom('site').select(['visitor_pin_salt', 'time_zone']).where('id', '=', door.siteId).executeTakeFirstOrThrow();
  // Hashed before the lock: PBKDF2 takes milliseconds, and other doors' guesses wait on the lock.
  const hash = await hashVisitorPin(pin, site.visitor_pin_salt);
  const actor = `door-controller:${door.doorControllerId}`;
  return em.transactional(async (tx) => {
    await lockSitePins(tx, door.siteId);
    const again = await recentFailures(tx, door.siteId);
    if (again.count >= PIN_LOCKOUT.failures) throw lockedOut(again.retryAfterSeconds);
    const found = await visitFactsByPin(tx, door.siteId, hash);
    if (!found) {
      // The guess counts; the typed PIN itself is not kept.
      await tx.getKysely().insertInto('door_pin_attempt').values({ site_id: door.siteId, door_controller_id: door.doorControllerId, pin: '#', attempted_at: dbNow, outcome: 'failed' }).execute();
      await recordAudit(tx, { companyId: null, operatorId: door.operatorId, actor, type: 'door.pin_rejected', data: { siteId: door.siteId, kind: 'visitor', reason: 'unknown_pin' } });
      return refused;
    }
    const { facts, entranceZoneId } = found;
    const decision = mayVisitorEnter(facts, { zoneId: door.zoneId, entranceZoneId }, site.time_zone, now.getTime());
    const event = (type: 'granted' | 'denied', reason: string | null) =>
      tx.getKysely().insertInto('entry_event').values({
        door_controller_id: door.doorControllerId, event_id: randomUUID(), site_id: door.siteId, zone_id: door.zoneId, type, card_number: null, visit_id: facts.visitId,
        reason, member_id: null, organization_id: null, occurred_at: now, received_at: dbNow,
      }).execute();
    if (!decision.granted) {
      await event('denied', decision.reason);
      return refused;
    }
    const arrived = await arriveVisits(tx, door, [{ visitId: facts.visitId, at: now }]);
    if (!arrived.length) return refused;
    await event('granted', null);
    return { decision: 'opened', reason: null, visitId: facts.visitId };
  });
}
