// Before the page offers "register this card?" for a scanned QR code, the same checks the
// enrollment will make, read-only: a code it would refuse is explained instead of offered.
import type { EntityManager } from '../../db/orm.ts';
import { qrTokenFrom } from './qr-token.ts';
import type { EnrollmentRejection } from '../../contract/workflows.ts';

export async function qrRefusal(
  em: EntityManager,
  input: { companyId: string; memberId: string; payload: string },
): Promise<EnrollmentRejection | undefined> {
  const token = qrTokenFrom(input.payload);
  if (!token) return 'invalid_qr_code';
  const [member] = await em.execute<{ site_id: string | null }[]>('select site_id from member where id = ?', [input.memberId]);
  const [card] = await em.execute<{ site_id: string; state: string; member_id: string | null }[]>(
    `select card.site_id, card.state, card.member_id from card join company_site g on g.site_id = card.site_id
      where card.qr_token = ? and g.organization_id = ? order by (card.site_id = ?) desc limit 1`,
    [token, input.companyId, member?.site_id ?? null],
  );
  if (!card) return 'unknown_card';
  if (card.site_id !== member?.site_id) return 'card_of_another_site';
  if (card.state === 'revoked') return 'card_revoked';
  if (card.state === 'assigned' && card.member_id !== input.memberId) return 'card_already_assigned';
  return undefined;
}
