// What a door controller reports: a PIN typed and a card presented. Together (or paired within 30
// seconds when the reader reports them apart) they enroll the card of the member whose pending
// enrollment holds that PIN, decided by their lifecycle workflow in the same request.
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

const lockedOut = (retryAfterSeconds: number) =>
  new DomainError('pin_locked_out', 'too_many', `${PIN_LOCKOUT.failures} wrong PIN and card pairs in ${PIN_LOCKOUT.windowMinutes} minutes at this site: PIN entry is locked for now`, { retryAfterSeconds });

/**
 * What counts against a guess now: the site's failed pairs in the window, plus (for a PIN that
 * belongs to a pending enrollment) the pairs with that PIN still being decided — so parallel
 * card guesses behind one known PIN are bounded too, while members enrolling at once with their
 * own PINs never count against each other. Answers when the oldest counted try stops counting.
 */
async function recentFailures(em: EntityManager, siteId: string, pin?: string): Promise<{ count: number; retryAfterSeconds: number }> {
  const [row] = await em.execute<{ n: number; retry: number | null }[]>(
    `select count(*)::int as n, ceil(extract(epoch from min(attempted_at) + make_interval(mins => ?) - now()))::int as retry
       from door_pin_attempt where site_id = ? and attempted_at > now() - make_interval(mins => ?)
        and (outcome = 'failed' or (outcome = 'pending' and pin = ?))`,
    [PIN_LOCKOUT.windowMinutes, siteId, PIN_LOCKOUT.windowMinutes, pin ?? ''],
  );
  return { count: row?.n ?? 0, retryAfterSeconds: Math.max(1, row?.retry ?? 1) };
}

type Guess = { kind: 'refused'; why: string } | { kind: 'pending'; attemptId: number; memberId: string } | { kind: 'again'; decision: DoorDecision };

/**
 * Takes one of the site's allowed guesses under a per-site lock: the PIN is looked up and, when it
 * names no pending enrollment, failed in the same transaction — forty wrong PINs sent at once get
 * five answers and thirty-five refusals, whichever controllers they come through.
 */
async function takeGuess(em: EntityManager, door: DoorControllerIdentity, pin: string, cardNumber: string): Promise<Guess> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtextextended('door-pin:' || ?, 0))`, [door.siteId]);
    const [member] = await tx.execute<{ id: string }[]>(`select id from member where site_id = ? and enrollment_pin = ? and status <> 'removed'`, [door.siteId, pin]);
    // The PIN is gone because this very pair just enrolled (the controller re-sends): no guess.
    const again = member ? undefined : await justEnrolledHere(tx, door, cardNumber);
    if (again) return { kind: 'again', decision: again };
    const recent = await recentFailures(tx, door.siteId, member ? pin : undefined);
    if (recent.count >= PIN_LOCKOUT.failures) throw lockedOut(recent.retryAfterSeconds);
    const [attempt] = await tx.execute<{ id: string }[]>(
      `insert into door_pin_attempt (site_id, door_controller_id, pin, attempted_at, outcome) values (?, ?, ?, now(), ?) returning id`,
      [door.siteId, door.doorControllerId, pin, member ? 'pending' : 'failed'],
    );
    return member ? { kind: 'pending', attemptId: Number(attempt!.id), memberId: member.id } : { kind: 'refused', why: 'unknown_pin' };
  });
}

/**
 * A controller that did not hear the answer sends the event again. The card it enrolled moments ago
 * answers "enrolled" again, rather than counting as a wrong PIN towards the lockout.
 */
async function justEnrolledHere(em: EntityManager, door: DoorControllerIdentity, cardNumber: string): Promise<DoorDecision | undefined> {
  const [card] = await em.execute<{ number: string; granted: boolean }[]>(
    `select c.number, c.access_granted_at is not null as granted from card c join audit_event a on a.member_id = c.member_id and a.type = 'card.registered'
      where c.site_id = ? and c.number = ? and c.state = 'assigned' and a.actor = ? and a.occurred_at > now() - make_interval(secs => ?)
      limit 1`,
    [door.siteId, cardNumber, `door-controller:${door.doorControllerId}`, PIN_PAIRING_WINDOW_S],
  );
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
    await em.execute(
      `insert into door_pending_pin (door_controller_id, pin, entered_at) values (?, ?, now())
       on conflict (door_controller_id) do update set pin = excluded.pin, entered_at = excluded.entered_at`,
      [door.doorControllerId, normalizePin(event.pin)],
    );
    return { decision: 'awaiting_card', reason: null, cardNumber: null, access: null };
  }
  if (event.type === 'card_presented') {
    const [pending] = await em.execute<{ pin: string }[]>(
      `delete from door_pending_pin where door_controller_id = ? and entered_at > now() - make_interval(secs => ?) returning pin`,
      [door.doorControllerId, PIN_PAIRING_WINDOW_S],
    );
    if (!pending) return { decision: 'rejected', reason: 'no_pin_entered', cardNumber: event.cardNumber, access: null };
    pin = pending.pin;
    cardNumber = event.cardNumber;
  } else {
    pin = normalizePin(event.pin);
    cardNumber = event.cardNumber!;
  }

  // One refusal for every wrong pair: a right PIN with a wrong card must sound like a wrong PIN,
  // or the door would tell a guesser which PINs are pending. The audit keeps the real reason.
  const settle = (attemptId: number, outcome: 'failed' | 'succeeded') => em.execute('update door_pin_attempt set outcome = ? where id = ?', [outcome, attemptId]);
  const refused = async (why: string, attemptId?: number): Promise<DoorDecision> => {
    if (attemptId !== undefined) await settle(attemptId, 'failed');
    await recordAudit(em, { organizationId: null, operatorId: door.operatorId, actor, type: 'door.pin_rejected', data: { siteId: door.siteId, cardNumber, reason: why } });
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
    await em.execute(`delete from door_pin_attempt where id = ? and outcome = 'pending'`, [attemptId]);
    throw error;
  }
}
