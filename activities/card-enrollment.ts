// The card steps of a lifecycle: a card found for an enrollment (by QR payload or number) and
// assigned, swapped for another, put on and taken off the site's access list.
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { dbNow } from '../db/sql.ts';
import type { EntityManager, Orm, Row } from '../db/orm.ts';
import { auditedBefore } from '../domain/audit.ts';
import { qrTokenFrom } from '../domain/cards/qr-token.ts';
import type { CardAccessProvider } from '../providers/access.ts';
import type { WifiProvider } from '../providers/wifi.ts';
import type { EnrollmentMethod, EnrollmentResult } from '../contract/workflows.ts';
import { auditStep, inTransaction, lockLiveMember, type Keyed } from './member-rows.ts';

type CardRow = Row<'card'>;
type Refused = Extract<EnrollmentResult, { decision: 'rejected' }>['reason'];

/** Finds a card for an enrollment (locked) and says why it cannot be used, if it cannot. */
async function findCard(em: EntityManager, input: { companyId: string; siteId: string; memberId: string; cardNumber?: string; qrPayload?: string }): Promise<{ card: CardRow } | { reason: Refused }> {
  const db = em.getKysely();
  let card: CardRow | undefined;
  if (input.qrPayload !== undefined) {
    const token = qrTokenFrom(input.qrPayload);
    if (!token) return { reason: 'invalid_qr_code' };
    // Any site of the company: a card of another site is refused as such, not as unknown.
    card = await db
      .selectFrom('card')
      .innerJoin('company_site as g', 'g.site_id', 'card.site_id')
      .selectAll('card')
      .where('card.qr_token', '=', token)
      .where('g.organization_id', '=', input.companyId)
      .orderBy(sql`(card.site_id = ${input.siteId})`, 'desc')
      .limit(1)
      .forUpdate('card')
      .executeTakeFirst();
  } else {
    const number = (input.cardNumber ?? '').trim();
    card = await db.selectFrom('card').selectAll().where('site_id', '=', input.siteId).where('number', '=', number).forUpdate().executeTakeFirst();
    if (!card) {
      const elsewhere = await db
        .selectFrom('card')
        .innerJoin('company_site as g', 'g.site_id', 'card.site_id')
        .select('card.id')
        .where('g.organization_id', '=', input.companyId)
        .where('card.number', '=', number)
        .limit(1)
        .executeTakeFirst();
      if (elsewhere) return { reason: 'card_of_another_site' };
    }
  }
  if (!card) return { reason: 'unknown_card' };
  if (card.site_id !== input.siteId) return { reason: 'card_of_another_site' };
  if (card.state === 'revoked') return { reason: 'card_revoked' };
  if (card.state === 'assigned' && card.member_id !== input.memberId) return { reason: 'card_already_assigned' };
  return { card };
}

const assign = (em: EntityManager, cardId: string, memberId: string) =>
  em.getKysely().updateTable('card').set({ state: 'assigned', member_id: memberId, assigned_at: sql<Date>`coalesce(assigned_at, now())` }).where('id', '=', cardId).execute();
const revoke = (em: EntityManager, cardId: string) =>
  em.getKysely().updateTable('card').set({ state: 'revoked', revoked_at: dbNow }).where('id', '=', cardId).execute();
const assignedCards = (em: EntityManager, memberId: string) =>
  em.getKysely().selectFrom('card').selectAll().where('member_id', '=', memberId).where('state', '=', 'assigned').forUpdate();

export function createCardActivities({ orm, access, wifi }: { orm: Orm; access: CardAccessProvider; wifi: WifiProvider }) {
  const transaction = inTransaction(orm);
  return {
    /**
     * Assigns a card of the member's site (QR, door or admin); a refused card is an answer, not an
     * error. With `grantAccess` (the member has a password) the same transaction puts the card on
     * the access list, creates the Wi-Fi credentials and makes the member active, so a door that
     * hears "enrolled" can already open for that card.
     */
    async enrollCard(
      input: Keyed & { siteId: string; method: EnrollmentMethod; cardNumber?: string; qrPayload?: string; actor: string; grantAccess?: boolean },
    ): Promise<EnrollmentResult> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as EnrollmentResult;
        const member = await lockLiveMember(em, input.memberId, input.companyId);
        const found = await findCard(em, input);
        let result: EnrollmentResult;
        if ('reason' in found) {
          result = { decision: 'rejected', reason: found.reason };
        } else {
          await assign(em, found.card.id, input.memberId);
          // The PIN identified a pending enrollment; there is none any more.
          await em.getKysely().updateTable('member').set({ enrollment_pin: null }).where('id', '=', input.memberId).execute();
          result = { decision: 'enrolled', cardId: found.card.id, cardNumber: found.card.number };
        }
        let granted: { ssid: string | null; username: string } | undefined;
        if (result.decision === 'enrolled' && input.grantAccess) {
          await access.grant(em, { siteId: input.siteId, cardId: result.cardId });
          granted = await wifi.grant({ memberId: input.memberId, siteId: input.siteId }, em);
          await em.getKysely().updateTable('member').set({ status: 'active', updated_at: dbNow }).where('id', '=', input.memberId).execute();
          result = { ...result, access: 'granted' };
        }
        await auditStep(em, {
          ...input,
          type: result.decision === 'enrolled' ? 'card.registered' : 'card.registration_rejected',
          data: { method: input.method, cardNumber: input.cardNumber ?? null, result },
        });
        if (granted && result.decision === 'enrolled') {
          const system = { ...input, actor: 'system' };
          await auditStep(em, { ...system, key: `${input.key}/card-access`, type: 'access.card_granted', data: { cardNumber: result.cardNumber, siteId: input.siteId } });
          await auditStep(em, { ...system, key: `${input.key}/wifi-access`, type: 'access.wifi_granted', data: granted });
          await auditStep(em, { ...system, key: `${input.key}/status`, type: 'member.status_changed', data: { from: member.status, to: 'active' } });
        }
        return result;
      });
    },

    /** Swaps the member's card: the old one is revoked (and leaves the access list), the new one takes its place. */
    async replaceCard(input: Keyed & { siteId: string; cardNumber: string; grantAccess: boolean; actor: string }): Promise<EnrollmentResult> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as EnrollmentResult;
        await lockLiveMember(em, input.memberId, input.companyId);
        const found = await findCard(em, input);
        if ('reason' in found) {
          const result: EnrollmentResult = { decision: 'rejected', reason: found.reason };
          await auditStep(em, { ...input, type: 'card.replacement_rejected', data: { cardNumber: input.cardNumber, result } });
          return result;
        }
        const previous = await assignedCards(em, input.memberId).where('id', '<>', found.card.id).execute();
        for (const old of previous) {
          await access.revoke(em, { siteId: old.site_id, cardId: old.id });
          await revoke(em, old.id);
        }
        await assign(em, found.card.id, input.memberId);
        if (input.grantAccess) await access.grant(em, { siteId: found.card.site_id, cardId: found.card.id });
        const result: EnrollmentResult = { decision: 'enrolled', cardId: found.card.id, cardNumber: found.card.number, ...(input.grantAccess ? { access: 'granted' as const } : {}) };
        await auditStep(em, { ...input, type: 'card.replaced', data: { previous: previous.map((c) => c.number), result } });
        return result;
      });
    },

    async grantCardAccess(input: Keyed & { cardId: string }): Promise<void> {
      await transaction(async (em) => {
        const card = await assignedCards(em, input.memberId).where('id', '=', input.cardId).executeTakeFirst();
        if (!card) throw ApplicationFailure.nonRetryable(`card ${input.cardId} is not assigned to member ${input.memberId}`, 'CardNotAssigned');
        await access.grant(em, { siteId: card.site_id, cardId: card.id });
        await auditStep(em, { ...input, actor: 'system', type: 'access.card_granted', data: { cardNumber: card.number, siteId: card.site_id } });
      });
    },

    /** "My card is lost or damaged": off every door's list and revoked now; the member registers another. */
    async declareCardLost(input: Keyed & { reason: 'lost' | 'damaged'; actor: string }): Promise<{ cards: string[] }> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { cards: string[] };
        await lockLiveMember(em, input.memberId, input.companyId);
        const cards = await assignedCards(em, input.memberId).execute();
        for (const card of cards) {
          await access.revoke(em, { siteId: card.site_id, cardId: card.id });
          await revoke(em, card.id);
        }
        const result = { cards: cards.map((c) => c.number) };
        // `cause`, not `reason`: a lost or damaged card is no personal text (a removal's reason is, and erasure ends it).
        await auditStep(em, { ...input, type: 'card.lost', data: { cause: input.reason, result } });
        return result;
      });
    },

    async revokeCardAccess(input: Keyed): Promise<{ cardNumber: string | null }> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { cardNumber: string | null };
        const cards = await assignedCards(em, input.memberId).execute();
        for (const card of cards) {
          await access.revoke(em, { siteId: card.site_id, cardId: card.id });
          await revoke(em, card.id);
        }
        const result = { cardNumber: cards[0]?.number ?? null };
        await auditStep(em, { ...input, actor: 'system', type: 'access.card_revoked', data: { cards: cards.map((c) => c.number), result } });
        return result;
      });
    },
  };
}
