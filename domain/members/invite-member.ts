import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { Member, Organization, Site, type MemberLocale, type MemberRole } from '../../db/entities/index.ts';
import type { LifecycleDurations } from '../../workflows/member-lifecycle/types.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { lifecycleHandle, resolveDurations, startLifecycle } from './lifecycle.ts';

export interface InviteMemberDeps {
  em: EntityManager;
  client: Client;
  taskQueue: string;
  defaults: LifecycleDurations;
  /** Tests and drills only. */
  continueAsNewAfterEvents?: number;
}

export interface InviteMemberOptions {
  organizationId: string;
  email: string;
  name?: string;
  role?: MemberRole;
  locale?: MemberLocale;
  /** Required when the organisation has several sites. */
  siteId?: string;
  actor: string;
  /** Set when a bulk import invites: kept in the audit event, so a retried row knows it was done. */
  importId?: string;
  /**
   * Whether a removed member is invited again (default). A team file uploaded again must not undo
   * the removals an admin made since: imports pass false unless the row or request says `reinvite`.
   */
  reinviteRemoved?: boolean;
}

export interface InvitedMember {
  memberId: string;
  workflowId: string;
  runId: string;
  reinvited: boolean;
}

const REMOVED_RUN_GRACE_MS = 30_000;

/**
 * Invites a person: the member row first (the e-mail is unique per organisation among everyone
 * ever invited), then their lifecycle. A removed member is invited again on the same row, and
 * their workflow id gets a new run; the earlier run stays in the history.
 */
export async function inviteMember(deps: InviteMemberDeps, options: InviteMemberOptions): Promise<InvitedMember> {
  const email = options.email.trim().toLowerCase();
  const { member, organization, reinvited, conflict } = await deps.em.transactional(async (em) => {
    const organization = await em.findOne(Organization, options.organizationId);
    if (!organization) throw new DomainError('organization_not_found', 'not_found', `organisation ${options.organizationId} does not exist`);
    const existing = await em.findOne(Member, { organization: organization.id, email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (existing && existing.status !== 'removed') return { member: existing, organization, reinvited: false, conflict: true };
    if (existing && options.reinviteRemoved === false) {
      throw new DomainError('member_removed_earlier', 'conflict', `${email} was removed earlier: re-invite them from their page`, { memberId: existing.id });
    }
    const site = await chooseSite(em, organization.id, options.siteId);
    const fields = {
      site,
      name: options.name?.trim() || email.split('@')[0]!,
      role: options.role ?? 'user',
      locale: options.locale ?? 'fr',
      status: 'invited' as const,
    };
    const member = existing
      ? Object.assign(existing, fields, { removedAt: null, passwordHash: null, enrollmentPin: null, workflowRunId: null })
      : em.create(Member, { organization, email, ...fields });
    await em.flush();
    await recordAudit(em, {
      organizationId: organization.id,
      memberId: member.id,
      actor: options.actor,
      type: existing ? 'member.reinvited' : 'member.invited',
      data: { email, role: member.role, locale: member.locale, siteId: site.id, ...(options.importId ? { importId: options.importId } : {}) },
    });
    return { member, organization, reinvited: Boolean(existing), conflict: false };
  }).catch(async (error: unknown) => {
    // Two invitations of the same new address raced; the other one won.
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    const winner = await deps.em.fork().findOne(Member, { organization: options.organizationId, email });
    throw new DomainError('member_exists', 'conflict', `${email} is already a member of this organisation`, { memberId: winner?.id, status: winner?.status });
  });

  const start = () =>
    startLifecycle(deps.client, {
      memberId: member.id,
      organizationId: organization.id,
      invitedBy: options.actor,
      durations: resolveDurations(deps.defaults, organization.lifecycleOverrides),
      taskQueue: deps.taskQueue,
      label: `${member.name} <${member.email}>`,
      continueAsNewAfterEvents: deps.continueAsNewAfterEvents,
    });
  if (conflict) {
    // The caller may be retrying an invitation whose lifecycle never started (Temporal was down
    // when the row was committed): start it now, idempotently, then say the member exists.
    if (!member.workflowRunId) await start();
    throw new DomainError('member_exists', 'conflict', `${email} is already a member of this organisation`, { memberId: member.id, status: member.status });
  }
  if (reinvited) {
    // The previous run may still be finishing its offboarding; the new run starts after it.
    await Promise.race([
      lifecycleHandle(deps.client, member.id).result().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, REMOVED_RUN_GRACE_MS).unref()),
    ]);
  }
  const handle = await start();
  return { memberId: member.id, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, reinvited };
}

async function chooseSite(em: EntityManager, organizationId: string, siteId: string | undefined): Promise<Site> {
  if (siteId) {
    const site = await em.findOne(Site, { id: siteId, organization: organizationId });
    if (!site) throw new DomainError('site_not_found', 'invalid', `site ${siteId} is not a site of this organisation`);
    return site;
  }
  const sites = await em.find(Site, { organization: organizationId }, { limit: 2 });
  if (sites.length === 1) return sites[0]!;
  throw new DomainError('site_required', 'invalid', sites.length ? 'this organisation has several sites: say which one (siteId)' : 'this organisation has no site yet');
}
