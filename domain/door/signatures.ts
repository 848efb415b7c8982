// Door controllers sign every request: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<raw body>")>`, the Stripe scheme their firmware authors already know. A signature older or
// newer than 5 minutes, or an event whose signature was already seen, is refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { DomainError } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { Secrets } from '../secrets.ts';

export const SIGNATURE_TOLERANCE_S = 300;

export interface DoorControllerIdentity {
  doorControllerId: string;
  siteId: string;
  /** The zone this door guards. */
  zoneId: string;
  /** Whose building: a door serves every company at its site. */
  operatorId: string;
}

/** A new controller secret: 256 random bits, shown once. */
export const generateDoorSecret = () => `dcs_${randomBytes(32).toString('base64url')}`;

/** What a controller sends (door-sim and the tests use it too). */
export function signDoorRequest(secret: string, rawBody: string, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${rawBody}`).digest('hex')}`;
}

const refused = (code: string, message: string) => new DomainError(code, 'unauthorized', message);

export async function authenticateDoorController(
  em: EntityManager,
  secrets: Secrets,
  request: { controllerId: string; signature: string; rawBody: string; /** Reads (the access list) may repeat a signature: a replay changes nothing. */ read?: boolean },
): Promise<DoorControllerIdentity> {
  if (!request.controllerId || !request.signature) {
    throw refused('door_signature_missing', 'door controllers must send X-Door-Controller and X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>');
  }
  const parts = Object.fromEntries(request.signature.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const at = Number(parts.t);
  const given = parts.v1 ?? '';
  if (!isUuid(request.controllerId) || !Number.isInteger(at) || !/^[0-9a-f]{64}$/i.test(given)) {
    throw refused('door_signature_invalid', 'the signature is malformed: X-Signature must be t=<unix seconds>,v1=<64 hex digits>');
  }
  if (Math.abs(Date.now() / 1000 - at) > SIGNATURE_TOLERANCE_S) {
    throw refused('door_signature_expired', `the signature's time is more than ${SIGNATURE_TOLERANCE_S / 60} minutes away from ours: check the controller's clock`);
  }
  const db = em.getKysely();
  const controller = await db
    .selectFrom('door_controller as d')
    .innerJoin('site as s', 's.id', 'd.site_id')
    .select(['d.id', 'd.secret_ciphertext', 'd.site_id', 'd.zone_id', 's.operator_id'])
    .where('d.id', '=', request.controllerId)
    .executeTakeFirst();
  // An unknown controller gets the same answer as a wrong signature.
  const expected = controller
    ? createHmac('sha256', secrets.decrypt(controller.secret_ciphertext)).update(`${at}.${request.rawBody}`).digest()
    : Buffer.alloc(32);
  if (!controller || !timingSafeEqual(expected, Buffer.from(given, 'hex'))) {
    throw refused('door_signature_invalid', 'the signature does not match this controller and request body');
  }
  if (!request.read) {
    // One statement, so one commit: the signature remembered, and those past the tolerance (refused
    // by their age anyway) forgotten.
    const fresh = await db
      .with('fresh', (q) => q.insertInto('door_signature').values({ door_controller_id: controller.id, signature: given.toLowerCase(), seen_at: dbNow }).onConflict((oc) => oc.doNothing()).returning('id'))
      .with('forgotten', (q) => q.deleteFrom('door_signature').where('seen_at', '<', sql<Date>`now() - interval '10 minutes'`).returning('id'))
      .selectFrom('fresh')
      .select('id')
      .execute();
    if (!fresh.length) throw refused('door_signature_replayed', 'this signed request was already received: sign each request anew (include occurredAt)');
  }
  // "Last seen" to the nearest half minute: a door polling every few seconds writes (and waits for
  // a commit) twice a minute, not at every poll.
  await db
    .updateTable('door_controller')
    .set({ last_seen_at: dbNow })
    .where('id', '=', controller.id)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', sql<Date>`now() - interval '30 seconds'`)]))
    .execute();
  return { doorControllerId: controller.id, siteId: controller.site_id, zoneId: controller.zone_id, operatorId: controller.operator_id };
}
