// What the daily purge removes for one operator, each past its own retention (retention.ts).
import { sql, type Kysely } from 'kysely';
import type { Database, EntityManager } from '../../db/orm.ts';

/** The ids of the operator's companies, as a subquery: whose rows the operator's purge touches. */
const companiesOf = (db: Kysely<Database>, operatorId: string) => db.selectFrom('organization').select('id').where('operator_id', '=', operatorId);

/**
 * E-mails that went out (or were given up on) before `before`: their recipient, subject and the
 * data they were made of; and the sign-up requests made then (the address that asked: its link
 * died after a day).
 */
export async function purgeMessages(em: EntityManager, operatorId: string, before: Date): Promise<number> {
  const db = em.getKysely();
  const gone = await db
    .deleteFrom('email_outbox')
    .where('status', '<>', 'pending')
    .where('created_at', '<', before)
    .where('organization_id', 'in', companiesOf(db, operatorId))
    .executeTakeFirst();
  const requests = await db.deleteFrom('sign_up_request').where('created_at', '<', before).where('organization_id', 'in', companiesOf(db, operatorId)).executeTakeFirst();
  return Number(gone.numDeletedRows) + Number(requests.numDeletedRows);
}

/** Webhook events older than `before` whose every delivery is over (delivered or given up): their payloads and the log of their attempts. */
export async function purgeWebhookPayloads(em: EntityManager, operatorId: string, before: Date): Promise<number> {
  const db = em.getKysely();
  const gone = await db
    .deleteFrom('webhook_event as e')
    .where('e.occurred_at', '<', before)
    .where('e.fanned_out_at', 'is not', null)
    .where((eb) => eb.or([eb('e.operator_id', '=', operatorId), eb('e.organization_id', 'in', companiesOf(db, operatorId))]))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_delivery as d').select(sql`1`.as('x')).whereRef('d.event_id', '=', 'e.id').where('d.status', '=', 'pending'))))
    .executeTakeFirst();
  return Number(gone.numDeletedRows);
}

/** Personal fields of audit events about no member (an identity provider's search, in SCIM's requests) older than `before`. */
export async function purgeUnattachedAuditPersonal(em: EntityManager, operatorId: string, before: Date): Promise<number> {
  const db = em.getKysely();
  const gone = await db
    .updateTable('audit_event')
    .set({ personal: null, personal_salt: null })
    .where('member_id', 'is', null)
    .where('personal', 'is not', null)
    .where('occurred_at', '<', before)
    .where((eb) => eb.or([eb('operator_id', '=', operatorId), eb('organization_id', 'in', companiesOf(db, operatorId))]))
    .executeTakeFirst();
  return Number(gone.numUpdatedRows);
}

/** Removed members of the operator's companies, removed before `before`, not pseudonymised yet. */
export async function membersToPseudonymise(em: EntityManager, operatorId: string, before: Date, limit = 1000): Promise<string[]> {
  const db = em.getKysely();
  const rows = await db
    .selectFrom('member')
    .select('id')
    .where('status', '=', 'removed')
    .where('pseudonymised_at', 'is', null)
    .where('removed_at', '<', before)
    .where('organization_id', 'in', companiesOf(db, operatorId))
    .orderBy('removed_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
