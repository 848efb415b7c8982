// What a door controller reports: a PIN typed and a card presented. Together (or paired within 30
// seconds when the reader reports them apart) they enroll the card of the member whose pending
// enrollment holds that PIN, decided by their lifecycle workflow in the same request.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { enrollAtDoorUpdate } from '../../workflows/member-lifecycle/messages.ts';
import type { EnrollmentRejection } from '../../workflows/member-lifecycle/types.ts';
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
  | { decision: 'rejected'; reason: EnrollmentRejection | 'unknown_pin' | 'no_pin_entered'; cardNumber: string | null; access: null }
  | { decision: 'awaiting_card'; reason: null; cardNumber: null; access: null };

/** Keypads may or may not send the star; the PIN is stored as `*` + 4 digits. */
export const normalizePin = (pin: string) => (pin.startsWith('*') ? pin : `*${pin}`);

async function refuseWhenLockedOut(em: EntityManager, door: DoorControllerIdentity): Promise<void> {
  const recent = await em.execute<{ occurred_at: Date }[]>(
    `select occurred_at from audit_event where organization_id = ? and actor = ? and type = 'door.pin_rejected'
        and occurred_at > now() - make_interval(mins => ?) order by occurred_at desc limit ?`,
    [door.organizationId, `door-controller:${door.doorControllerId}`, PIN_LOCKOUT.windowMinutes, PIN_LOCKOUT.failures],
  );
  if (recent.length < PIN_LOCKOUT.failures) return;
  const oldest = new Date(recent.at(-1)!.occurred_at).getTime();
  const retryAfterSeconds = Math.max(1, Math.ceil((oldest + PIN_LOCKOUT.windowMinutes * 60_000 - Date.now()) / 1000));
  throw new DomainError('pin_locked_out', 'too_many', `${PIN_LOCKOUT.failures} wrong PINs in ${PIN_LOCKOUT.windowMinutes} minutes at this controller: PIN entry is locked for now`, { retryAfterSeconds });
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
  await refuseWhenLockedOut(em, door);

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

  const wrongPin = async (): Promise<DoorDecision> => {
    await recordAudit(em, { organizationId: door.organizationId, actor, type: 'door.pin_rejected', data: { siteId: door.siteId, cardNumber } });
    return { decision: 'rejected', reason: 'unknown_pin', cardNumber, access: null };
  };
  const [member] = await em.execute<{ id: string }[]>(
    `select id from member where site_id = ? and enrollment_pin = ? and status <> 'removed'`,
    [door.siteId, pin],
  );
  if (!member) return (await justEnrolledHere(em, door, cardNumber)) ?? wrongPin();
  try {
    const result = await onLifecycle(member.id, () =>
      lifecycleHandle(deps.client, member.id).executeUpdate(enrollAtDoorUpdate, { args: [{ pin, cardNumber, doorControllerId: door.doorControllerId }] }),
    );
    return result.decision === 'enrolled'
      ? { decision: 'enrolled', reason: null, cardNumber: result.cardNumber, access: result.access === 'granted' ? 'granted' : 'pending_password' }
      : { decision: 'rejected', reason: result.reason, cardNumber, access: null };
  } catch (error) {
    // The PIN was released between our lookup and the update (enrolled or removed meanwhile).
    if (error instanceof DomainError && error.code === 'card_already_registered') return (await justEnrolledHere(em, door, cardNumber)) ?? wrongPin();
    if (error instanceof DomainError && ['wrong_pin', 'pin_not_revealed', 'member_removed', 'lifecycle_not_running', 'card_already_registered'].includes(error.code)) return wrongPin();
    throw error;
  }
}
