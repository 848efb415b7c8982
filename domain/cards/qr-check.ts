// Before the page offers "register this card?" for a scanned QR code, the same checks the
// enrollment will make, read-only: a code it would refuse is explained instead of offered.
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { qrTokenFrom } from './qr-token.ts';
import type { EnrollmentRejection } from '../../contract/workflows.ts';

export async function qrRefusal(
  em: EntityManager,
  input: { companyId: string; memberId: string; payload: string },
): Promise<EnrollmentRejection | undefined> {
  const token = qrTokenFrom(input.payload);
  if (!token) return 'invalid_qr_code';
  const db = em.getKysely();
  const member = await db.selectFrom('member').select('site_id').where('id', '=', input.memberId).executeTakeFirst();
  // Any site of the company: a card of another site is refused as such, not as unknown.
  const card = await db
    .selectFrom('card')
    .innerJoin('company_site as g', 'g.site_id', 'card.site_id')
    .select(['card.site_id', 'card.state', 'card.member_id'])
    .where('card.qr_token', '=', token)
    .where('g.organization_id', '=', input.companyId)
    .orderBy(sql`(card.site_id = ${member?.site_id ?? null})`, 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!card) return 'unknown_card';
  if (card.site_id !== member?.site_id) return 'card_of_another_site';
  if (card.state === 'revoked') return 'card_revoked';
  if (card.state === 'assigned' && card.member_id !== input.memberId) return 'card_already_assigned';
  return undefined;
}
