// A removed member's personal data ends: their name becomes a pseudonym ("Membre 7f3a1c"), their
// e-mail an address that reaches nobody, and their external id, Wi-Fi credentials and sessions,
// the e-mails sent to them, the personal fields of their audit events and of their webhook
// payloads are gone. What stays is what the operator must keep and can no longer tie to a person:
// the member's id, dates and status, and the audit trail, whose hash chains still verify
// (they cover a salted digest of the personal fields, and the salt goes with them).
// Called by the daily purge (after the operator's retention) and by an erasure request (art. 17).
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { dbNow } from '../../db/sql.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { offboardingFinished } from './queries.ts';

/** The name a pseudonymised member goes by: stable, and the same wherever it shows. */
const DAY_MS = 86_400_000;

export const pseudonymOf = (memberId: string) => `Membre ${createHash('sha256').update(memberId).digest('hex').slice(0, 6)}`;

export interface ErasedMember {
  memberId: string;
  pseudonym: string;
  pseudonymisedAt: string;
  /** False: it had been already (a second request, or the purge before it). */
  now: boolean;
}

export async function pseudonymiseMember(em: EntityManager, input: { memberId: string; companyId?: string; actor: string; why: 'retention' | 'request' }): Promise<ErasedMember> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    let found = db.selectFrom('member').select(['id', 'organization_id', 'status', 'email', 'pseudonymised_at', 'removed_at']).where('id', '=', input.memberId);
    if (input.companyId) found = found.where('organization_id', '=', input.companyId);
    // Not FOR UPDATE: an e-mail being sent to them holds its outbox row and writes an audit event
    // naming them (a foreign key's share lock), which FOR UPDATE would wait for while it waits for us.
    const member = await found.forNoKeyUpdate().executeTakeFirst();
    if (!member) throw new DomainError('member_not_found', 'not_found', 'no such member in this company');
    const pseudonym = pseudonymOf(member.id);
    if (member.pseudonymised_at) return { memberId: member.id, pseudonym, pseudonymisedAt: new Date(member.pseudonymised_at).toISOString(), now: false };
    // A member still here needs their data: the lifecycle, the doors and the company use it.
    if (member.status !== 'removed') {
      throw new DomainError('member_not_removed', 'conflict', `remove the member first: their personal data is erased once they are removed (status: ${member.status})`);
    }
    // The offboarding still writes its report (which names them) until `member.removed`; a removal
    // a day old is over whatever it wrote (members removed before reports existed have none).
    const settled = member.removed_at !== null && new Date(member.removed_at).getTime() < Date.now() - DAY_MS;
    if (!settled && !(await offboardingFinished(tx, member.organization_id, member.id))) {
      throw new DomainError('removal_in_progress', 'conflict', 'the removal is still finishing (card, Wi-Fi, report): try again in a minute');
    }

    // Wi-Fi: the sessions FreeRADIUS logged under their user name, then the credentials.
    // Raw: FreeRADIUS's accounting table (radius.radacct) is its own, not one of our entities.
    await tx.execute('delete from radius.radacct where username in (select username from wifi_credential where member_id = ?)', [member.id]);
    await db.deleteFrom('wifi_credential').where('member_id', '=', member.id).execute();
    await db.deleteFrom('auth_token').where('member_id', '=', member.id).execute();
    await db.deleteFrom('passkey').where('member_id', '=', member.id).execute();
    await db.deleteFrom('sign_in_challenge').where('member_id', '=', member.id).execute();
    await db.deleteFrom('sign_up_request').where('organization_id', '=', member.organization_id).where('email', '=', member.email).execute();
    await db.deleteFrom('email_outbox').where((eb) => eb.or([eb('member_id', '=', member.id), eb('to_address', '=', member.email)])).execute();
    // Webhook payloads keep who it was about by id only.
    await db
      .updateTable('webhook_event')
      .set({ data: sql`jsonb_set(data, '{member}', jsonb_build_object('id', member_id::text, 'name', ${pseudonym}::text))` })
      .where('member_id', '=', member.id)
      .where(sql<boolean>`data ? 'member'`)
      .execute();
    // The one update the audit trail allows (its append-only trigger checks nothing else changes).
    await db.updateTable('audit_event').set({ personal: null, personal_salt: null }).where('member_id', '=', member.id).where('personal', 'is not', null).execute();
    await db
      .updateTable('member')
      .set({ name: pseudonym, email: `${member.id}@erased.invalid`, external_id: null, scim_attributes: null, password_hash: null, enrollment_pin: null, pseudonymised_at: dbNow })
      .where('id', '=', member.id)
      .execute();
    await recordAudit(tx, {
      companyId: member.organization_id, memberId: member.id, actor: input.actor,
      type: input.why === 'request' ? 'member.erased' : 'member.pseudonymised',
      data: { pseudonym },
    });
    return { memberId: member.id, pseudonym, pseudonymisedAt: new Date().toISOString(), now: true };
  });
}
