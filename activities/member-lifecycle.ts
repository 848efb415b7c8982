// The lifecycle's side effects on the database, the door access list and Wi-Fi. Each one is a
// transaction keyed by the workflow (`key`): a retried attempt finds its audit event and answers
// what the first attempt did, so nothing is written twice. What can never succeed (unknown member,
// last admin) fails as non-retryable; everything else is left to Temporal's retries.
import { randomInt } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '../db/orm.ts';
import type { MemberRole, MemberStatus } from '../db/entities/index.ts';
import type { Orm } from '../db/orm.ts';
import { auditedBefore, recordAudit } from '../domain/audit.ts';
import { qrTokenFrom } from '../domain/cards/qr-token.ts';
import { isUniqueViolation } from '../domain/errors.ts';
import type { CardAccessProvider } from '../providers/access.ts';
import type { WifiProvider, WifiRevocation } from '../providers/wifi.ts';
import type { EnrollmentMethod, EnrollmentResult, LifecycleDurations, OffboardingReport } from '../contract/workflows.ts';

export interface LifecycleActivityDeps {
  orm: Orm;
  access: CardAccessProvider;
  wifi: WifiProvider;
}

interface Keyed {
  memberId: string;
  organizationId: string;
  key: string;
}

interface MemberRow {
  id: string;
  organization_id: string;
  site_id: string | null;
  email: string;
  name: string;
  role: MemberRole;
  status: MemberStatus;
  password_hash: string | null;
  enrollment_pin: string | null;
}

interface CardRow {
  id: string;
  site_id: string;
  number: string;
  state: 'stock' | 'assigned' | 'revoked';
  member_id: string | null;
}

const PIN_ATTEMPTS = 50;

function workflowOf(): { workflowId: string | null; workflowRunId: string | null } {
  const { workflowExecution } = Context.current().info;
  return { workflowId: workflowExecution?.workflowId ?? null, workflowRunId: workflowExecution?.runId ?? null };
}

async function lockMember(em: EntityManager, memberId: string, organizationId: string): Promise<MemberRow> {
  const [member] = await em.execute<MemberRow[]>('select * from member where id = ? and organization_id = ? for update', [memberId, organizationId]);
  if (!member) throw ApplicationFailure.nonRetryable(`member ${memberId} does not exist in organisation ${organizationId}`, 'MemberNotFound');
  return member;
}

/**
 * For the steps that give a member something (a link, a PIN, a card, access): none for a removed
 * member. A step a removal interrupted may still finish in the worker; the row lock orders it
 * against the removal's claim, so it either happened before (and is revoked) or refuses here.
 */
async function lockLiveMember(em: EntityManager, memberId: string, organizationId: string): Promise<MemberRow> {
  const member = await lockMember(em, memberId, organizationId);
  if (member.status === 'removed') throw ApplicationFailure.nonRetryable(`member ${memberId} has been removed`, 'MemberRemoved');
  return member;
}

/** A request the rules refuse: an answer for the caller, not an activity failure to retry or log. */
export interface Refusal {
  refused: 'LastAdmin';
  message: string;
}

/**
 * Locks the company's live admins, so two removals or demotions cannot both pass the check;
 * answers the refusal when `member` is the last of them.
 */
async function lastAdminRefusal(em: EntityManager, member: MemberRow, verb: string): Promise<Refusal | undefined> {
  if (member.role !== 'admin' || member.status === 'removed') return undefined;
  const admins = await em.execute<{ id: string }[]>(
    `select id from member where organization_id = ? and role = 'admin' and status <> 'removed' order by id for update`,
    [member.organization_id],
  );
  if (!admins.every((a) => a.id === member.id)) return undefined;
  return {
    refused: 'LastAdmin',
    message: `${member.email} is the last administrator of the company and cannot be ${verb}; make another member an administrator first`,
  };
}

export function createLifecycleActivities({ orm, access, wifi }: LifecycleActivityDeps) {
  const transaction = <T>(work: (em: EntityManager) => Promise<T>) => orm.em.fork().transactional(work);
  const audit = (em: EntityManager, input: Keyed & { actor: string; type: string; data?: Record<string, unknown> }) =>
    recordAudit(em, {
      organizationId: input.organizationId,
      memberId: input.memberId,
      actor: input.actor,
      type: input.type,
      data: input.data,
      idempotencyKey: input.key,
      ...workflowOf(),
    });

  /** Finds a card for an enrollment and says why it cannot be used, if it cannot. */
  async function findCard(
    em: EntityManager,
    input: { organizationId: string; siteId: string; memberId: string; cardNumber?: string; qrPayload?: string },
  ): Promise<{ card: CardRow } | { reason: Extract<EnrollmentResult, { decision: 'rejected' }>['reason'] }> {
    let card: CardRow | undefined;
    if (input.qrPayload !== undefined) {
      const token = qrTokenFrom(input.qrPayload);
      if (!token) return { reason: 'invalid_qr_code' };
      [card] = await em.execute<CardRow[]>(
        `select card.* from card join company_site g on g.site_id = card.site_id where card.qr_token = ? and g.organization_id = ?
          order by (card.site_id = ?) desc limit 1 for update of card`,
        [token, input.organizationId, input.siteId],
      );
    } else {
      const number = (input.cardNumber ?? '').trim();
      [card] = await em.execute<CardRow[]>('select * from card where site_id = ? and number = ? for update', [input.siteId, number]);
      if (!card) {
        const [elsewhere] = await em.execute<{ id: string }[]>(
          'select card.id from card join company_site g on g.site_id = card.site_id where g.organization_id = ? and card.number = ? limit 1',
          [input.organizationId, number],
        );
        if (elsewhere) return { reason: 'card_of_another_site' };
      }
    }
    if (!card) return { reason: 'unknown_card' };
    if (card.site_id !== input.siteId) return { reason: 'card_of_another_site' };
    if (card.state === 'revoked') return { reason: 'card_revoked' };
    if (card.state === 'assigned' && card.member_id !== input.memberId) return { reason: 'card_already_assigned' };
    return { card };
  }

  const steps = {
    /** Ties the member row to this run and answers what the workflow needs to know about them. */
    async beginLifecycle(input: Keyed & { invitedBy: string; durations: LifecycleDurations }): Promise<{ siteId: string; role: MemberRole }> {
      return transaction(async (em) => {
        const member = await lockMember(em, input.memberId, input.organizationId);
        if (member.status === 'removed') throw ApplicationFailure.nonRetryable('the member was removed before their lifecycle started', 'MemberRemoved');
        if (!member.site_id) throw ApplicationFailure.nonRetryable('the member has no site: cards and Wi-Fi belong to a site', 'MemberWithoutSite');
        await em.execute('update member set workflow_run_id = ? where id = ?', [workflowOf().workflowRunId, member.id]);
        await audit(em, { ...input, actor: input.invitedBy, type: 'lifecycle.started', data: { durations: input.durations } });
        return { siteId: member.site_id, role: member.role };
      });
    },

    /** Stores the invitation link's token (its signature is derived, never stored) and kills older ones. */
    async issueInvitation(input: Keyed & { tokenId: string; expiresAt: string; resend: boolean; actor: string }): Promise<void> {
      await transaction(async (em) => {
        await lockLiveMember(em, input.memberId, input.organizationId);
        await em.execute(
          `update auth_token set revoked_at = now() where member_id = ? and purpose = 'invitation' and id <> ? and revoked_at is null and consumed_at is null`,
          [input.memberId, input.tokenId],
        );
        await em.execute(
          `insert into auth_token (id, member_id, purpose, expires_at, attempts, created_at) values (?, ?, 'invitation', ?, 0, now()) on conflict (id) do nothing`,
          [input.tokenId, input.memberId, input.expiresAt],
        );
        await audit(em, { ...input, type: input.resend ? 'invitation.resent' : 'invitation.issued', data: { tokenId: input.tokenId, expiresAt: input.expiresAt } });
      });
    },

    /** The link's time is up, unless the password exists already (its signal may have been lost). */
    async expireInvitation(input: Keyed & { tokenId: string }): Promise<{ passwordSet: boolean }> {
      return transaction(async (em) => {
        const member = await lockMember(em, input.memberId, input.organizationId);
        if (member.password_hash) return { passwordSet: true };
        // The workflow's clock decides; the row's own expiry is only a backstop.
        await em.execute('update auth_token set expires_at = least(expires_at, now()) where id = ?', [input.tokenId]);
        await audit(em, { ...input, actor: 'system', type: 'invitation.expired', data: { tokenId: input.tokenId } });
        return { passwordSet: false };
      });
    },

    /** `*` + 4 random digits, unique among the site's pending enrollments (the database enforces it). */
    async reserveEnrollmentPin(input: Keyed & { siteId: string; actor: string }): Promise<{ pin: string }> {
      for (let attempt = 0; attempt < PIN_ATTEMPTS; attempt++) {
        try {
          return await transaction(async (em) => {
            const member = await lockLiveMember(em, input.memberId, input.organizationId);
            if (member.enrollment_pin) return { pin: member.enrollment_pin };
            const pin = `*${String(randomInt(0, 10_000)).padStart(4, '0')}`;
            await em.execute('update member set enrollment_pin = ? where id = ?', [pin, member.id]);
            await audit(em, { ...input, type: 'card.enrollment_pin_revealed', data: { siteId: input.siteId } });
            return { pin };
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
      throw ApplicationFailure.nonRetryable(`no free PIN at site ${input.siteId} after ${PIN_ATTEMPTS} draws`, 'NoPinAvailable');
    },

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
        const member = await lockLiveMember(em, input.memberId, input.organizationId);
        const found = await findCard(em, input);
        let result: EnrollmentResult;
        if ('reason' in found) {
          result = { decision: 'rejected', reason: found.reason };
        } else {
          await em.execute(`update card set state = 'assigned', member_id = ?, assigned_at = coalesce(assigned_at, now()) where id = ?`, [input.memberId, found.card.id]);
          // The PIN identified a pending enrollment; there is none any more.
          await em.execute('update member set enrollment_pin = null where id = ?', [input.memberId]);
          result = { decision: 'enrolled', cardId: found.card.id, cardNumber: found.card.number };
        }
        let granted: { ssid: string | null; username: string } | undefined;
        if (result.decision === 'enrolled' && input.grantAccess) {
          await access.grant(em, { siteId: input.siteId, cardId: result.cardId });
          granted = await wifi.grant({ memberId: input.memberId, siteId: input.siteId }, em);
          await em.execute(`update member set status = 'active', updated_at = now() where id = ?`, [input.memberId]);
          result = { ...result, access: 'granted' };
        }
        await audit(em, {
          ...input,
          type: result.decision === 'enrolled' ? 'card.registered' : 'card.registration_rejected',
          data: { method: input.method, cardNumber: input.cardNumber ?? null, result },
        });
        if (granted && result.decision === 'enrolled') {
          const system = { ...input, actor: 'system' };
          await audit(em, { ...system, key: `${input.key}/card-access`, type: 'access.card_granted', data: { cardNumber: result.cardNumber, siteId: input.siteId } });
          await audit(em, { ...system, key: `${input.key}/wifi-access`, type: 'access.wifi_granted', data: granted });
          await audit(em, { ...system, key: `${input.key}/status`, type: 'member.status_changed', data: { from: member.status, to: 'active' } });
        }
        return result;
      });
    },

    /** Swaps the member's card: the old one is revoked (and leaves the access list), the new one takes its place. */
    async replaceCard(input: Keyed & { siteId: string; cardNumber: string; grantAccess: boolean; actor: string }): Promise<EnrollmentResult> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as EnrollmentResult;
        await lockLiveMember(em, input.memberId, input.organizationId);
        const found = await findCard(em, input);
        if ('reason' in found) {
          const result: EnrollmentResult = { decision: 'rejected', reason: found.reason };
          await audit(em, { ...input, type: 'card.replacement_rejected', data: { cardNumber: input.cardNumber, result } });
          return result;
        }
        const previous = await em.execute<CardRow[]>(
          `select * from card where member_id = ? and state = 'assigned' and id <> ? for update`,
          [input.memberId, found.card.id],
        );
        for (const old of previous) {
          await access.revoke(em, { siteId: old.site_id, cardId: old.id });
          await em.execute(`update card set state = 'revoked', revoked_at = now() where id = ?`, [old.id]);
        }
        await em.execute(`update card set state = 'assigned', member_id = ?, assigned_at = coalesce(assigned_at, now()) where id = ?`, [input.memberId, found.card.id]);
        if (input.grantAccess) await access.grant(em, { siteId: found.card.site_id, cardId: found.card.id });
        const result: EnrollmentResult = { decision: 'enrolled', cardId: found.card.id, cardNumber: found.card.number, ...(input.grantAccess ? { access: 'granted' as const } : {}) };
        await audit(em, { ...input, type: 'card.replaced', data: { previous: previous.map((c) => c.number), result } });
        return result;
      });
    },

    async grantCardAccess(input: Keyed & { cardId: string }): Promise<void> {
      await transaction(async (em) => {
        const [card] = await em.execute<CardRow[]>(`select * from card where id = ? and member_id = ? and state = 'assigned' for update`, [input.cardId, input.memberId]);
        if (!card) throw ApplicationFailure.nonRetryable(`card ${input.cardId} is not assigned to member ${input.memberId}`, 'CardNotAssigned');
        await access.grant(em, { siteId: card.site_id, cardId: card.id });
        await audit(em, { ...input, actor: 'system', type: 'access.card_granted', data: { cardNumber: card.number, siteId: card.site_id } });
      });
    },

    async grantWifiAccess(input: Keyed & { siteId: string }): Promise<{ ssid: string | null; username: string }> {
      return transaction(async (em) => {
        await lockLiveMember(em, input.memberId, input.organizationId);
        const granted = await wifi.grant({ memberId: input.memberId, siteId: input.siteId }, em);
        await audit(em, { ...input, actor: 'system', type: 'access.wifi_granted', data: granted });
        return granted;
      });
    },

    /** Mirrors the workflow's status into the member row (what the API lists and filters on). */
    async recordStatus(input: Keyed & { from: MemberStatus; to: MemberStatus }): Promise<void> {
      await transaction(async (em) => {
        await em.execute(`update member set status = ?, updated_at = now() where id = ? and status <> 'removed'`, [input.to, input.memberId]);
        await audit(em, { ...input, actor: 'system', type: 'member.status_changed', data: { from: input.from, to: input.to } });
      });
    },

    /** An event with no other effect than being part of the history (e.g. the card is overdue). */
    async recordEvent(input: Keyed & { type: string; data?: Record<string, unknown> }): Promise<void> {
      await transaction((em) => audit(em, { ...input, actor: 'system' }));
    },

    async changeRole(input: Keyed & { role: MemberRole; actor: string }): Promise<Refusal | undefined> {
      return transaction(async (em) => {
        const member = await lockLiveMember(em, input.memberId, input.organizationId);
        if (member.role === input.role) return undefined;
        const refusal = input.role === 'admin' ? undefined : await lastAdminRefusal(em, member, 'demoted');
        if (refusal) return refusal;
        await em.execute('update member set role = ?, updated_at = now() where id = ?', [input.role, member.id]);
        await audit(em, { ...input, type: 'member.role_changed', data: { from: member.role, to: input.role } });
        return undefined;
      });
    },

    /** Moves a member without a registered card to another site of the company; a pending PIN is released. */
    async changeSite(input: Keyed & { siteId: string; actor: string }): Promise<void> {
      await transaction(async (em) => {
        if (await auditedBefore(em, input.key)) return;
        const member = await lockLiveMember(em, input.memberId, input.organizationId);
        const [site] = await em.execute<{ id: string }[]>('select site_id as id from company_site where site_id = ? and organization_id = ?', [input.siteId, input.organizationId]);
        if (!site) throw ApplicationFailure.nonRetryable(`site ${input.siteId} is not a site of company ${input.organizationId}`, 'SiteNotFound');
        await em.execute('update member set site_id = ?, enrollment_pin = null, updated_at = now() where id = ?', [input.siteId, member.id]);
        await audit(em, { ...input, type: 'member.site_changed', data: { from: member.site_id, to: input.siteId } });
      });
    },

    /** The point of no return: the member is marked removed, unless they are the last admin. */
    /** Stores new start and end dates (the lifecycle re-plans its timers from them). */
    async changeSchedule(input: Keyed & { startsOn: string | null; endsOn: string | null; endsAt: string | null; actor: string }): Promise<void> {
      await transaction(async (em) => {
        if (await auditedBefore(em, input.key)) return;
        await lockLiveMember(em, input.memberId, input.organizationId);
        const [before] = await em.execute<{ starts_on: string | Date | null; ends_on: string | Date | null; ends_at: Date | null }[]>(
          'select starts_on::text as starts_on, ends_on::text as ends_on, ends_at from member where id = ?', [input.memberId],
        );
        await em.execute('update member set starts_on = ?, ends_on = ?, ends_at = ?, updated_at = now() where id = ?', [input.startsOn, input.endsOn, input.endsAt, input.memberId]);
        const from = { startsOn: before?.starts_on ?? null, endsOn: before?.ends_on ?? null, endsAt: before?.ends_at ? new Date(before.ends_at).toISOString() : null };
        const to = { startsOn: input.startsOn, endsOn: input.endsOn, endsAt: input.endsAt };
        await audit(em, { ...input, type: 'member.dates_changed', data: { from, to } });
      });
    },

    async claimRemoval(input: Keyed & { actor: string; reason: string | null; companyOffboarding?: boolean }): Promise<{ statusBefore: MemberStatus; email: string; name: string } | Refusal> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { statusBefore: MemberStatus; email: string; name: string };
        const member = await lockMember(em, input.memberId, input.organizationId);
        // The last admin goes too when the whole company is leaving, and only then.
        const leaving = input.companyOffboarding === true && (await em.execute(`select 1 from company_offboarding where organization_id = ? and state = 'running'`, [input.organizationId])).length > 0;
        const refusal = leaving ? undefined : await lastAdminRefusal(em, member, 'removed');
        if (refusal) return refusal;
        await em.execute(`update member set status = 'removed', removed_at = now(), updated_at = now() where id = ?`, [member.id]);
        const result = { statusBefore: member.status, email: member.email, name: member.name };
        await audit(em, { ...input, type: 'member.removal_requested', data: { reason: input.reason, result } });
        return result;
      });
    },

    async revokeCardAccess(input: Keyed): Promise<{ cardNumber: string | null }> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { cardNumber: string | null };
        const cards = await em.execute<CardRow[]>(`select * from card where member_id = ? and state = 'assigned' for update`, [input.memberId]);
        for (const card of cards) {
          await access.revoke(em, { siteId: card.site_id, cardId: card.id });
          await em.execute(`update card set state = 'revoked', revoked_at = now() where id = ?`, [card.id]);
        }
        const result = { cardNumber: cards[0]?.number ?? null };
        await audit(em, { ...input, actor: 'system', type: 'access.card_revoked', data: { cards: cards.map((c) => c.number), result } });
        return result;
      });
    },

    /** Refused at the next request, and the site's access points asked to end live sessions. */
    async revokeWifiAccess(input: Keyed): Promise<WifiRevocation> {
      const done = await transaction((em) => auditedBefore(em, input.key));
      if (done) return done.result as WifiRevocation;
      const result = await wifi.revoke({ memberId: input.memberId });
      await transaction((em) => audit(em, { ...input, actor: 'system', type: 'access.wifi_revoked', data: { result } }));
      return result;
    },

    /** Sessions, invitation links and reset codes die; the PIN is released; the password is forgotten. */
    async invalidateCredentials(input: Keyed): Promise<{ revoked: number }> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { revoked: number };
        const tokens = await em.execute<{ id: string }[]>(
          'update auth_token set revoked_at = now() where member_id = ? and revoked_at is null and consumed_at is null and expires_at > now() returning id',
          [input.memberId],
        );
        await em.execute('update member set enrollment_pin = null, password_hash = null where id = ?', [input.memberId]);
        const result = { revoked: tokens.length };
        await audit(em, { ...input, actor: 'system', type: 'member.credentials_revoked', data: { result } });
        return result;
      });
    },

    async completeOffboarding(input: Keyed & { report: OffboardingReport }): Promise<void> {
      await transaction((em) => audit(em, { ...input, actor: input.report.removedBy, type: 'member.removed', data: { report: input.report } }));
    },
  };

  return {
    ...steps,

    /**
     * A lifecycle's first two steps in one activity task: on a busy server each task costs a
     * round trip and a workflow task, and every member of a bulk import starts with these two.
     * Each keeps its own key, so a retry after either one skips it.
     */
    async beginLifecycleWithInvitation(input: {
      lifecycle: Parameters<typeof steps.beginLifecycle>[0];
      invitation: Parameters<typeof steps.issueInvitation>[0];
    }): Promise<{ siteId: string; role: MemberRole }> {
      const member = await steps.beginLifecycle(input.lifecycle);
      await steps.issueInvitation(input.invitation);
      return member;
    },
  };
}
