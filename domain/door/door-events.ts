// What a door controller reports: a PIN typed and a card presented. Together (or paired within 30
// seconds when the reader reports them apart) they enroll the card of the member whose pending
// enrollment holds that PIN, decided by their lifecycle workflow in the same request.
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import type { DoorControllerIdentity } from './signatures.ts';

export const PIN_PAIRING_WINDOW_S = 30;
export const PIN_LOCKOUT = { failures: 5, windowMinutes: 10 };

export type DoorEvent =
  | { type: 'pin_entered'; pin: string; cardNumber?: string; occurredAt?: string }
  | { type: 'card_presented'; cardNumber: string; occurredAt?: string };

/** `granted`: the card already opens the door; `pending_password`: it will once the member has created their password. */
export type DoorAccess = 'granted' | 'pending_password' | 'pending_start';

export type DoorDecision =
  | { decision: 'enrolled'; reason: null; cardNumber: string; access: DoorAccess }
  | { decision: 'rejected'; reason: 'unknown_pin' | 'no_pin_entered'; cardNumber: string | null; access: null }
  | { decision: 'awaiting_card'; reason: null; cardNumber: null; access: null };

/** Keypads may or may not send the star; the PIN is stored as `*` + 4 digits. */
export const normalizePin = (pin: string) => (pin.startsWith('*') ? pin : `*${pin}`);

export const lockedOut = (retryAfterSeconds: number) =>
  new DomainError('pin_locked_out', 'too_many', `${PIN_LOCKOUT.failures} wrong PIN and card pairs in ${PIN_LOCKOUT.windowMinutes} minutes at this site: PIN entry is locked for now`, { retryAfterSeconds });

/**
 * What counts against a guess now: the site's failed pairs in the window, plus (for a PIN that
 * belongs to a pending enrollment) the pairs with that PIN still being decided — so parallel
 * card guesses behind one known PIN are bounded too, while members enrolling at once with their
 * own PINs never count against each other. Answers when the oldest counted try stops counting.
 */
export async function recentFailures(em: EntityManager, siteId: string, pin?: string): Promise<{ count: number; retryAfterSeconds: number }> {
  const window = sql<Date>`now() - make_interval(mins => ${PIN_LOCKOUT.windowMinutes})`;
  const row = await em
    .getKysely()
    .selectFrom('door_pin_attempt')
    .select([
      sql<number>`count(*)::int`.as('n'),
      sql<number | null>`ceil(extract(epoch from min(attempted_at) + make_interval(mins => ${PIN_LOCKOUT.windowMinutes}) - now()))::int`.as('retry'),
    ])
    .where('site_id', '=', siteId)
    .where('attempted_at', '>', window)
    .where((eb) => eb.or([eb('outcome', '=', 'failed'), eb.and([eb('outcome', '=', 'pending'), eb('pin', '=', pin ?? '')])]))
    .executeTakeFirst();
  return { count: row?.n ?? 0, retryAfterSeconds: Math.max(1, row?.retry ?? 1) };
}

/** One PIN guess at a time per site (enrollment and visitor PINs alike), for the lockout to count them all. */
export async function lockSitePins(tx: EntityManager, siteId: string): Promise<void> {
  // Raw on purpose: an advisory lock has no table to be typed against.
  await tx.execute(`select pg_advisory_xact_lock(hashtextextended('door-pin:' || ?, 0))`, [siteId]);
}

type Guess = { kind: 'refused'; why: string } | { kind: 'pending'; attemptId: number; memberId: string } | { kind: 'again'; decision: DoorDecision };

/**
 * Takes one of the site's allowed guesses under a per-site lock: the PIN is looked up and, when it
 * names no pending enrollment, failed in the same transaction — forty wrong PINs sent at once get
 * five answers and thirty-five refusals, whichever controllers they come through.
 */
async function takeGuess(em: EntityManager, door: DoorControllerIdentity, pin: string, cardNumber: string): Promise<Guess> {
  return em.transactional(async (tx) => {
    await lockSitePins(tx, door.siteId);
    const db = tx.getKysely();
    const member = await db.selectFrom('member').select('id').where('site_id', '=', door.siteId).where('enrollment_pin', '=', pin).where('status', '<>', 'removed').executeTakeFirst();
    // The PIN is gone because this very pair just enrolled (the controller re-sends): no guess.
    const again = member ? undefined : await justEnrolledHere(tx, door, cardNumber);
    if (again) return { kind: 'again', decision: again };
    const recent = await recentFailures(tx, door.siteId, member ? pin : undefined);
    if (recent.count >= PIN_LOCKOUT.failures) throw lockedOut(recent.retryAfterSeconds);
    const attempt = await db
      .insertInto('door_pin_attempt')
      .values({ site_id: door.siteId, door_controller_id: door.doorControllerId, pin, attempted_at: dbNow, outcome: member ? 'pending' : 'failed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return member ? { kind: 'pending', attemptId: Number(attempt.id), memberId: member.id } : { kind: 'refused', why: 'unknown_pin' };
  });
}

/**
 * A controller that did not hear the answer sends the event again. The card it enrolled moments ago
 * answers "enrolled" again, rather than counting as a wrong PIN towards the lockout.
 */
async function justEnrolledHere(em: EntityManager, door: DoorControllerIdentity, cardNumber: string): Promise<DoorDecision | undefined> {
  const card = await em
    .getKysely()
    .selectFrom('card as c')
    .innerJoin('audit_event as a', (join) => join.onRef('a.member_id', '=', 'c.member_id').on('a.type', '=', 'card.registered'))
    .select((eb) => ['c.number', eb('c.access_granted_at', 'is not', null).as('granted')])
    .where('c.site_id', '=', door.siteId)
    .where('c.number', '=', cardNumber)
    .where('c.state', '=', 'assigned')
    .where('a.actor', '=', `door-controller:${door.doorControllerId}`)
    .where('a.occurred_at', '>', sql<Date>`now() - make_interval(secs => ${PIN_PAIRING_WINDOW_S})`)
    .limit(1)
    .executeTakeFirst();
  return card ? { decision: 'enrolled', reason: null, cardNumber: card.number, access: card.granted ? 'granted' : 'pending_password' } : undefined;
}

export async function handleDoorEvent(deps: { em: EntityManager; lifecycles: LifecycleGateway }, door: DoorControllerIdentity, event: DoorEvent): Promise<DoorDecision> {
  const { em } = deps;
  const actor = `door-controller:${door.doorControllerId}`;
  // The keypad hears of a lockout as soon as a PIN is typed, before any card.
  const recent = await recentFailures(em, door.siteId);
  if (recent.count >= PIN_LOCKOUT.failures) throw lockedOut(recent.retryAfterSeconds);

  let pin: string;
  let cardNumber: string;
  if (event.type === 'pin_entered' && event.cardNumber === undefined) {
    await em
      .getKysely()
      .insertInto('door_pending_pin')
      .values({ door_controller_id: door.doorControllerId, pin: normalizePin(event.pin), entered_at: dbNow })
      .onConflict((oc) => oc.column('door_controller_id').doUpdateSet((eb) => ({ pin: eb.ref('excluded.pin'), entered_at: eb.ref('excluded.entered_at') })))
      .execute();
    return { decision: 'awaiting_card', reason: null, cardNumber: null, access: null };
  }
  if (event.type === 'card_presented') {
    const pending = await em
      .getKysely()
      .deleteFrom('door_pending_pin')
      .where('door_controller_id', '=', door.doorControllerId)
      .where('entered_at', '>', sql<Date>`now() - make_interval(secs => ${PIN_PAIRING_WINDOW_S})`)
      .returning('pin')
      .executeTakeFirst();
    if (!pending) return { decision: 'rejected', reason: 'no_pin_entered', cardNumber: event.cardNumber, access: null };
    pin = pending.pin;
    cardNumber = event.cardNumber;
  } else {
    pin = normalizePin(event.pin);
    cardNumber = event.cardNumber!;
  }

  // One refusal for every wrong pair: a right PIN with a wrong card must sound like a wrong PIN,
  // or the door would tell a guesser which PINs are pending. The audit keeps the real reason.
  const settle = (attemptId: number, outcome: 'failed' | 'succeeded') => em.getKysely().updateTable('door_pin_attempt').set({ outcome }).where('id', '=', attemptId).execute();
  const refused = async (why: string, attemptId?: number): Promise<DoorDecision> => {
    if (attemptId !== undefined) await settle(attemptId, 'failed');
    await recordAudit(em, { companyId: null, operatorId: door.operatorId, actor, type: 'door.pin_rejected', data: { siteId: door.siteId, cardNumber, reason: why } });
    return { decision: 'rejected', reason: 'unknown_pin', cardNumber, access: null };
  };
  const guess = await takeGuess(em, door, pin, cardNumber);
  if (guess.kind === 'again') return guess.decision;
  if (guess.kind === 'refused') return refused(guess.why);
  const { attemptId, memberId } = guess;
  try {
    const result = await deps.lifecycles.enrollAtDoor(memberId, { pin, cardNumber, doorControllerId: door.doorControllerId });
    if (result.decision !== 'enrolled') return refused(result.reason, attemptId);
    await settle(attemptId, 'succeeded');
    return { decision: 'enrolled', reason: null, cardNumber: result.cardNumber, access: result.access ?? 'pending_password' };
  } catch (error) {
    // The PIN was released between our lookup and the update (enrolled or removed meanwhile).
    if (error instanceof DomainError && ['card_already_registered', 'wrong_pin', 'pin_not_revealed', 'member_removed', 'lifecycle_not_running'].includes(error.code)) {
      const enrolled = await justEnrolledHere(em, door, cardNumber);
      if (enrolled) {
        await settle(attemptId, 'succeeded');
        return enrolled;
      }
      return refused(error.code, attemptId);
    }
    // Not decided (the engine did not answer): it was no guess, so it stops counting at all.
    await em.getKysely().deleteFrom('door_pin_attempt').where('id', '=', attemptId).where('outcome', '=', 'pending').execute();
    throw error;
  }
}
