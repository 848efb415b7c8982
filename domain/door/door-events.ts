// What a door controller reports: a PIN typed and a card presented. Together (or paired within 30
// seconds when the reader reports them apart) they enroll the card of the member whose pending
// enrollment holds that PIN, decided by their lifecycle workflow in the same request.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { enrollAtDoorUpdate } from '../../workflows/member-lifecycle/messages.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { lifecycleHandle, onLifecycle } from '../members/lifecycle.ts';
import type { DoorControllerIdentity } from './signatures.ts';

export const PIN_PAIRING_WINDOW_S = 30;
export const PIN_LOCKOUT = { failures: 5, windowMinutes: 10 };

export type DoorEvent =
  | { type: 'pin_entered'; pin: string; cardNumber?: string; occurredAt?: string }
  | { type: 'card_presented'; cardNumber: string; occurredAt?: string };

/** `granted`: the card already opens the door; `pending_password`: it will once the member has created their password. */
export type DoorAccess = 'granted' | 'pending_password';

export type DoorDecision =
  | { decision: 'enrolled'; reason: null; cardNumber: string; access: DoorAccess }
  | { decision: 'rejected'; reason: 'unknown_pin' | 'no_pin_entered'; cardNumber: string | null; access: null }
  | { decision: 'awaiting_card'; reason: null; cardNumber: null; access: null };

/** Keypads may or may not send the star; the PIN is stored as `*` + 4 digits. */
export const normalizePin = (pin: string) => (pin.startsWith('*') ? pin : `*${pin}`);

const lockedOut = (retryAfterSeconds: number) =>
  new DomainError('pin_locked_out', 'too_many', `${PIN_LOCKOUT.failures} wrong PIN and card pairs in ${PIN_LOCKOUT.windowMinutes} minutes at this site: PIN entry is locked for now`, { retryAfterSeconds });

/** The failures that count at a site now (attempts not yet decided count too) and when the oldest of them stops counting. */
async function recentFailures(em: EntityManager, siteId: string): Promise<{ count: number; retryAfterSeconds: number }> {
  const [row] = await em.execute<{ n: number; retry: number | null }[]>(
    `select count(*)::int as n, ceil(extract(epoch from min(attempted_at) + make_interval(mins => ?) - now()))::int as retry
       from door_pin_attempt where site_id = ? and not succeeded and attempted_at > now() - make_interval(mins => ?)`,
    [PIN_LOCKOUT.windowMinutes, siteId, PIN_LOCKOUT.windowMinutes],
  );
  return { count: row?.n ?? 0, retryAfterSeconds: Math.max(1, row?.retry ?? 1) };
}

/**
 * Takes one of the site's allowed guesses before the pair is looked at, under a per-site lock:
 * forty guesses sent at once get five answers and thirty-five refusals, whichever controllers
 * they come through. Answers the attempt's id, to be marked succeeded if it enrolls.
 */
async function takeGuess(em: EntityManager, door: DoorControllerIdentity): Promise<number> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtextextended('door-pin:' || ?, 0))`, [door.siteId]);
    const recent = await recentFailures(tx, door.siteId);
    if (recent.count >= PIN_LOCKOUT.failures) throw lockedOut(recent.retryAfterSeconds);
    const [attempt] = await tx.execute<{ id: string }[]>(
      'insert into door_pin_attempt (site_id, door_controller_id, attempted_at, succeeded) values (?, ?, now(), false) returning id',
      [door.siteId, door.doorControllerId],
    );
    return Number(attempt!.id);
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

export async function handleDoorEvent(deps: { em: EntityManager; client: Client }, door: DoorControllerIdentity, event: DoorEvent): Promise<DoorDecision> {
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

  const attemptId = await takeGuess(em, door);
  const succeeded = async (decision: DoorDecision): Promise<DoorDecision> => {
    await em.execute('update door_pin_attempt set succeeded = true where id = ?', [attemptId]);
    return decision;
  };
  // One refusal for every wrong pair: a right PIN with a wrong card must sound like a wrong PIN,
  // or the door would tell a guesser which PINs are pending. The audit keeps the real reason.
  const refused = async (why: string): Promise<DoorDecision> => {
    await recordAudit(em, { organizationId: door.organizationId, actor, type: 'door.pin_rejected', data: { siteId: door.siteId, cardNumber, reason: why } });
    return { decision: 'rejected', reason: 'unknown_pin', cardNumber, access: null };
  };
  const again = async () => {
    const decision = await justEnrolledHere(em, door, cardNumber);
    return decision && succeeded(decision);
  };
  const [member] = await em.execute<{ id: string }[]>(
    `select id from member where site_id = ? and enrollment_pin = ? and status <> 'removed'`,
    [door.siteId, pin],
  );
  if (!member) return (await again()) ?? refused('unknown_pin');
  try {
    const result = await onLifecycle(member.id, () =>
      lifecycleHandle(deps.client, member.id).executeUpdate(enrollAtDoorUpdate, { args: [{ pin, cardNumber, doorControllerId: door.doorControllerId }] }),
    );
    return result.decision === 'enrolled'
      ? succeeded({ decision: 'enrolled', reason: null, cardNumber: result.cardNumber, access: result.access === 'granted' ? 'granted' : 'pending_password' })
      : refused(result.reason);
  } catch (error) {
    // The PIN was released between our lookup and the update (enrolled or removed meanwhile).
    if (error instanceof DomainError && error.code === 'card_already_registered') return (await again()) ?? refused('card_already_registered');
    if (error instanceof DomainError && ['wrong_pin', 'pin_not_revealed', 'member_removed', 'lifecycle_not_running'].includes(error.code)) return refused(error.code);
    throw error;
  }
}
