// The lifecycle's side effects on the database, the door access list and Wi-Fi. Each one is a
// transaction keyed by the workflow (`key`): a retried attempt finds its audit event and answers
// what the first attempt did, so nothing is written twice. What can never succeed (unknown member,
// last admin) fails as non-retryable; everything else is left to Temporal's retries.
import { bumpMemberAccessLists } from '../domain/access/versions.ts';
import { randomInt } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { dbNow } from '../db/sql.ts';
import type { MemberRole, MemberStatus } from '../db/entities/index.ts';
import type { EntityManager, Orm } from '../db/orm.ts';
import { auditedBefore } from '../domain/audit.ts';
import { cancelHostVisits } from '../domain/visits/visit-changes.ts';
import type { VisitGateway } from '../domain/visits/visit-gateway.ts';
import { DomainError, isUniqueViolation } from '../domain/errors.ts';
import { takeSeat } from '../domain/companies/seats.ts';
import type { CardAccessProvider } from '../providers/access.ts';
import type { WifiProvider, WifiRevocation } from '../providers/wifi.ts';
import type { LifecycleDurations, OffboardingReport } from '../contract/workflows.ts';
import { createCardActivities } from './card-enrollment.ts';
import { auditStep as audit, inTransaction, lockLiveMember, lockMember, workflowOf, type Keyed, type MemberRow } from './member-rows.ts';

export interface LifecycleActivityDeps {
  orm: Orm;
  access: CardAccessProvider;
  wifi: WifiProvider;
  visits: Pick<VisitGateway, 'cancelled'>;
}

const PIN_ATTEMPTS = 50;

/** A request the rules refuse: an answer for the caller, not an activity failure to retry or log. */
export interface Refusal {
  refused: 'LastAdmin' | 'SeatsFull';
  message: string;
  /** What the caller's problem carries besides the message. */
  details?: Record<string, unknown>;
}

/**
 * Locks the company's live admins, so two removals or demotions cannot both pass the check;
 * answers the refusal when `member` is the last of them.
 */
async function lastAdminRefusal(em: EntityManager, member: MemberRow, verb: string): Promise<Refusal | undefined> {
  if (member.role !== 'admin' || member.status === 'removed') return undefined;
  const admins = await em
    .getKysely()
    .selectFrom('member')
    .select('id')
    .where('organization_id', '=', member.organization_id)
    .where('role', '=', 'admin')
    .where('status', '<>', 'removed')
    .orderBy('id')
    .forUpdate()
    .execute();
  if (!admins.every((a) => a.id === member.id)) return undefined;
  return {
    refused: 'LastAdmin',
    message: `${member.email} is the last administrator of the company and cannot be ${verb}; make another member an administrator first`,
  };
}

export function createLifecycleActivities({ orm, access, wifi, visits }: LifecycleActivityDeps) {
  const transaction = inTransaction(orm);
  const updateMember = (em: EntityManager, memberId: string) => em.getKysely().updateTable('member').where('id', '=', memberId);

  const steps = {
    /** Ties the member row to this run and answers what the workflow needs to know about them. */
    async beginLifecycle(input: Keyed & { invitedBy: string; durations: LifecycleDurations }): Promise<{ siteId: string; role: MemberRole }> {
      return transaction(async (em) => {
        const member = await lockMember(em, input.memberId, input.companyId);
        if (member.status === 'removed') throw ApplicationFailure.nonRetryable('the member was removed before their lifecycle started', 'MemberRemoved');
        if (!member.site_id) throw ApplicationFailure.nonRetryable('the member has no site: cards and Wi-Fi belong to a site', 'MemberWithoutSite');
        await updateMember(em, member.id).set({ workflow_run_id: workflowOf().workflowRunId }).execute();
        await audit(em, { ...input, actor: input.invitedBy, type: 'lifecycle.started', data: { durations: input.durations } });
        return { siteId: member.site_id, role: member.role };
      });
    },

    /** Stores the invitation link's token (its signature is derived, never stored) and kills older ones. */
    async issueInvitation(input: Keyed & { tokenId: string; expiresAt: string; resend: boolean; actor: string }): Promise<void> {
      await transaction(async (em) => {
        await lockLiveMember(em, input.memberId, input.companyId);
        const db = em.getKysely();
        await db
          .updateTable('auth_token')
          .set({ revoked_at: dbNow })
          .where('member_id', '=', input.memberId)
          .where('purpose', '=', 'invitation')
          .where('id', '<>', input.tokenId)
          .where('revoked_at', 'is', null)
          .where('consumed_at', 'is', null)
          .execute();
        await db
          .insertInto('auth_token')
          .values({ id: input.tokenId, member_id: input.memberId, purpose: 'invitation', expires_at: new Date(input.expiresAt), attempts: 0, created_at: dbNow })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await audit(em, { ...input, type: input.resend ? 'invitation.resent' : 'invitation.issued', data: { tokenId: input.tokenId, expiresAt: input.expiresAt } });
      });
    },

    /** The link's time is up, unless the password exists already (its signal may have been lost). */
    async expireInvitation(input: Keyed & { tokenId: string }): Promise<{ passwordSet: boolean }> {
      return transaction(async (em) => {
        const member = await lockMember(em, input.memberId, input.companyId);
        if (member.password_hash) return { passwordSet: true };
        // The workflow's clock decides; the row's own expiry is only a backstop.
        await em.getKysely().updateTable('auth_token').set({ expires_at: sql<Date>`least(expires_at, now())` }).where('id', '=', input.tokenId).execute();
        await audit(em, { ...input, actor: 'system', type: 'invitation.expired', data: { tokenId: input.tokenId } });
        return { passwordSet: false };
      });
    },

    /** `*` + 4 random digits, unique among the site's pending enrollments (the database enforces it). */
    async reserveEnrollmentPin(input: Keyed & { siteId: string; actor: string }): Promise<{ pin: string }> {
      for (let attempt = 0; attempt < PIN_ATTEMPTS; attempt++) {
        try {
          return await transaction(async (em) => {
            const member = await lockLiveMember(em, input.memberId, input.companyId);
            if (member.enrollment_pin) return { pin: member.enrollment_pin };
            const pin = `*${String(randomInt(0, 10_000)).padStart(4, '0')}`;
            await updateMember(em, member.id).set({ enrollment_pin: pin }).execute();
            await audit(em, { ...input, type: 'card.enrollment_pin_revealed', data: { siteId: input.siteId } });
            return { pin };
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
      throw ApplicationFailure.nonRetryable(`no free PIN at site ${input.siteId} after ${PIN_ATTEMPTS} draws`, 'NoPinAvailable');
    },

    async grantWifiAccess(input: Keyed & { siteId: string }): Promise<{ ssid: string | null; username: string }> {
      return transaction(async (em) => {
        await lockLiveMember(em, input.memberId, input.companyId);
        const granted = await wifi.grant({ memberId: input.memberId, siteId: input.siteId }, em);
        await audit(em, { ...input, actor: 'system', type: 'access.wifi_granted', data: granted });
        return granted;
      });
    },

    /** Mirrors the workflow's status into the member row (what the API lists and filters on). */
    async recordStatus(input: Keyed & { from: MemberStatus; to: MemberStatus }): Promise<void> {
      await transaction(async (em) => {
        await updateMember(em, input.memberId).set({ status: input.to, updated_at: dbNow }).where('status', '<>', 'removed').execute();
        await audit(em, { ...input, actor: 'system', type: 'member.status_changed', data: { from: input.from, to: input.to } });
      });
    },

    /** An admin approved a sign-up: it takes a seat now (none left: refused), and the member the status after. */
    async approveSignUp(input: Keyed & { actor: string; status: MemberStatus }): Promise<Refusal | undefined> {
      return transaction(async (em) => {
        if (await auditedBefore(em, input.key)) return undefined;
        await lockLiveMember(em, input.memberId, input.companyId);
        try {
          await takeSeat(em, input.companyId);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'seats_full') return { refused: 'SeatsFull' as const, message: error.message, details: error.details };
          throw error;
        }
        await updateMember(em, input.memberId).set({ status: input.status, updated_at: dbNow }).execute();
        await audit(em, { ...input, type: 'member.signup_approved', data: { by: input.actor } });
        await audit(em, { ...input, key: `${input.key}/status`, actor: 'system', type: 'member.status_changed', data: { from: 'awaiting_approval', to: input.status } });
        return undefined;
      });
    },

    /** An event with no other effect than being part of the history (e.g. the card is overdue). */
    async recordEvent(input: Keyed & { type: string; data?: Record<string, unknown> }): Promise<void> {
      await transaction((em) => audit(em, { ...input, actor: 'system' }));
    },

    async changeRole(input: Keyed & { role: MemberRole; actor: string }): Promise<Refusal | undefined> {
      return transaction(async (em) => {
        const member = await lockLiveMember(em, input.memberId, input.companyId);
        if (member.role === input.role) return undefined;
        const refusal = input.role === 'admin' ? undefined : await lastAdminRefusal(em, member, 'demoted');
        if (refusal) return refusal;
        await updateMember(em, member.id).set({ role: input.role, updated_at: dbNow }).execute();
        await audit(em, { ...input, type: 'member.role_changed', data: { from: member.role, to: input.role } });
        return undefined;
      });
    },

    /** Moves a member without a registered card to another site of the company; a pending PIN is released. */
    async changeSite(input: Keyed & { siteId: string; actor: string }): Promise<void> {
      await transaction(async (em) => {
        if (await auditedBefore(em, input.key)) return;
        const member = await lockLiveMember(em, input.memberId, input.companyId);
        const site = await em.getKysely().selectFrom('company_site').select('site_id').where('site_id', '=', input.siteId).where('organization_id', '=', input.companyId).executeTakeFirst();
        if (!site) throw ApplicationFailure.nonRetryable(`site ${input.siteId} is not a site of company ${input.companyId}`, 'SiteNotFound');
        await updateMember(em, member.id).set({ site_id: input.siteId, enrollment_pin: null, updated_at: dbNow }).execute();
        await audit(em, { ...input, type: 'member.site_changed', data: { from: member.site_id, to: input.siteId } });
      });
    },

    /** Stores new start and end dates (the lifecycle re-plans its timers from them). */
    async changeSchedule(input: Keyed & { startsOn: string | null; endsOn: string | null; endsAt: string | null; actor: string }): Promise<void> {
      await transaction(async (em) => {
        if (await auditedBefore(em, input.key)) return;
        await lockLiveMember(em, input.memberId, input.companyId);
        const before = await em
          .getKysely()
          .selectFrom('member')
          .select([sql<string | null>`starts_on::text`.as('starts_on'), sql<string | null>`ends_on::text`.as('ends_on'), 'ends_at'])
          .where('id', '=', input.memberId)
          .executeTakeFirst();
        await updateMember(em, input.memberId)
          .set({ starts_on: sql`${input.startsOn}::date`, ends_on: sql`${input.endsOn}::date`, ends_at: input.endsAt === null ? null : new Date(input.endsAt), updated_at: dbNow })
          .execute();
        const from = { startsOn: before?.starts_on ?? null, endsOn: before?.ends_on ?? null, endsAt: before?.ends_at ? new Date(before.ends_at).toISOString() : null };
        const to = { startsOn: input.startsOn, endsOn: input.endsOn, endsAt: input.endsAt };
        // A card's validFrom and validUntil are on its doors' lists.
        await bumpMemberAccessLists(em, input.memberId);
        await audit(em, { ...input, type: 'member.dates_changed', data: { from, to } });
      });
    },

    /** The point of no return: the member is marked removed, unless they are the last admin. */
    async claimRemoval(input: Keyed & { actor: string; reason: string | null; companyOffboarding?: boolean }): Promise<{ statusBefore: MemberStatus; email: string; name: string } | Refusal> {
      return transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { statusBefore: MemberStatus; email: string; name: string };
        const member = await lockMember(em, input.memberId, input.companyId);
        // The last admin goes too when the whole company is leaving, and only then.
        const leaving =
          input.companyOffboarding === true &&
          (await em.getKysely().selectFrom('company_offboarding').select('id').where('organization_id', '=', input.companyId).where('state', '=', 'running').executeTakeFirst()) !== undefined;
        const refusal = leaving ? undefined : await lastAdminRefusal(em, member, 'removed');
        if (refusal) return refusal;
        await updateMember(em, member.id).set({ status: 'removed', removed_at: dbNow, updated_at: dbNow }).execute();
        const result = { statusBefore: member.status, email: member.email, name: member.name };
        await audit(em, { ...input, type: 'member.removal_requested', data: { reason: input.reason, result } });
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
      // A removed member hosts nobody: their visits to come are cancelled (and each visitor told).
      const cancelled: string[] = [];
      const result = await transaction(async (em) => {
        const before = await auditedBefore(em, input.key);
        if (before) return before.result as { revoked: number };
        cancelled.push(...(await cancelHostVisits(em, input.memberId, 'system')));
        const tokens = await em
          .getKysely()
          .updateTable('auth_token')
          .set({ revoked_at: dbNow })
          .where('member_id', '=', input.memberId)
          .where('revoked_at', 'is', null)
          .where('consumed_at', 'is', null)
          .where('expires_at', '>', dbNow)
          .returning('id')
          .execute();
        await updateMember(em, input.memberId).set({ enrollment_pin: null, password_hash: null }).execute();
        // Passkeys too: someone invited again later registers theirs again, as they choose a new password.
        const passkeys = await em.getKysely().deleteFrom('passkey').where('member_id', '=', input.memberId).returning('id').execute();
        const result = { revoked: tokens.length + passkeys.length };
        await audit(em, { ...input, actor: 'system', type: 'member.credentials_revoked', data: { result } });
        return result;
      });
      for (const visitId of cancelled) await visits.cancelled(visitId);
      return result;
    },

    async completeOffboarding(input: Keyed & { report: OffboardingReport }): Promise<void> {
      await transaction((em) => audit(em, { ...input, actor: input.report.removedBy, type: 'member.removed', data: { report: input.report } }));
    },
  };

  return {
    ...steps,
    ...createCardActivities({ orm, access, wifi }),

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
