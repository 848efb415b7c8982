import { createHash } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { Member, Company, Site, type MemberLocale, type MemberRole } from '../../db/entities/index.ts';
import type { JoinedBy, LifecycleDurations, MemberSchedule } from '../../contract/workflows.ts';
import { takeSeat } from '../companies/seats.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { invitationWaits, type LifecycleGateway } from './lifecycle-gateway.ts';
import { dateText, planSchedule, resolveDates, type MemberDates } from './schedule.ts';
import { resolveDurations } from './lifecycle.ts';
import { resolveMemberAccess, type MemberAccessInput } from './member-access.ts';

export interface InviteMemberDeps {
  em: EntityManager;
  lifecycles: LifecycleGateway;
  /** Tests and drills only: defaults of their own (the company's overrides still apply) and an early continue-as-new. */
  defaults?: LifecycleDurations;
  continueAsNewAfterEvents?: number;
}

export interface InviteMemberOptions {
  companyId: string;
  email: string;
  name?: string;
  role?: MemberRole;
  locale?: MemberLocale;
  /** One of the company's sites; required when it has several. */
  siteId?: string;
  actor: string;
  /** Set when a bulk import invites: kept in the audit event, so a retried row knows it was done. */
  importId?: string;
  /**
   * The request's Idempotency-Key, kept (hashed) in the audit event. When the member was written
   * but the answer failed after (Temporal unreachable, e.g. its own database restarting), the
   * retry with the same key finishes that invitation and answers it, instead of member_exists.
   */
  requestKey?: string;
  /**
   * Whether a removed member is invited again (default). A team file uploaded again must not undo
   * the removals an admin made since: imports pass false unless the row or request says `reinvite`.
   */
  reinviteRemoved?: boolean;
  /** First and last day (see schedule.ts): before start − INVITATION_LEAD the member is `scheduled` and gets nothing. */
  dates?: MemberDates;
  /** Member or day pass, card or not, access days (member-access.ts). */
  access?: MemberAccessInput;
  /** Set by SCIM: the identity provider's id for the person and what it wrote. */
  externalId?: string | null;
  scimAttributes?: Record<string, unknown> | null;
  /**
   * The person joined themself ("S'inscrire", single sign-on) rather than being invited: no
   * invitation, their password (if any) comes with them, and with the approval policy they wait
   * for an admin and take no seat until approved.
   */
  joined?: JoinedBy & { passwordHash: string | null };
}

export interface InvitedMember {
  memberId: string;
  workflowId: string;
  runId: string;
  reinvited: boolean;
  /** Known ahead: the invitation waits for start − INVITATION_LEAD. */
  scheduled: boolean;
}

const REMOVED_RUN_GRACE_MS = 30_000;

/**
 * Invites a person: the member row first (the e-mail is unique per company among everyone
 * ever invited), then their lifecycle. A removed member is invited again on the same row, and
 * their workflow id gets a new run; the earlier run stays in the history.
 */
export async function inviteMember(deps: InviteMemberDeps, options: InviteMemberOptions): Promise<InvitedMember> {
  const email = options.email.trim().toLowerCase();
  const { member, company, reinvited, conflict, schedule } = await deps.em.transactional(async (em): Promise<{ member: Member; company: Company; reinvited: boolean; conflict: boolean; schedule?: MemberSchedule }> => {
    const company = await em.findOne(Company, options.companyId);
    if (!company) throw new DomainError('organization_not_found', 'not_found', `company ${options.companyId} does not exist`);
    await refuseLeavingCompany(em, company);
    const existing = await em.findOne(Member, { company: company.id, email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (existing && existing.status !== 'removed') {
      // Its lifecycle may have to be started again (below): with the dates it was given.
      const site = existing.site ? await em.findOne(Site, existing.site.id) : null;
      const schedule = site ? planSchedule({ startsOn: dateText(existing.startsOn), endsOn: dateText(existing.endsOn), endsAt: existing.endsAt ?? null }, site.timeZone) : undefined;
      return { member: existing, company, reinvited: false, conflict: true, schedule };
    }
    if (existing && options.reinviteRemoved === false) {
      throw new DomainError('member_removed_earlier', 'conflict', `${email} was removed earlier: re-invite them from their page`, { memberId: existing.id });
    }
    const joined = options.joined;
    if (!joined?.approval && (options.access?.kind ?? 'member') === 'member') await takeSeat(em, company.id);
    const site = await chooseSite(em, company.id, options.siteId);
    const access = await resolveMemberAccess(em, { ...options.access, companyId: company.id, siteId: site.id, timeZone: site.timeZone, name: options.name, given: options.dates ?? {} });
    const dates = resolveDates(access.dates, site.timeZone);
    const schedule = planSchedule(dates, site.timeZone);
    const fields = {
      site,
      name: options.name?.trim() || email.split('@')[0]!,
      role: options.role ?? 'user',
      locale: options.locale ?? 'fr',
      status: joined ? (joined.approval ? ('awaiting_approval' as const) : ('awaiting_card' as const)) : invitationWaits(schedule, deps.lifecycles.defaults) ? ('scheduled' as const) : ('invited' as const),
      startsOn: dates.startsOn,
      endsOn: dates.endsOn,
      endsAt: dates.endsAt,
      kind: access.kind,
      dayPassDates: access.dayPassDates,
      cardNeeded: access.cardNeeded,
      accessDays: access.accessDays,
      ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
      ...(options.scimAttributes !== undefined ? { scimAttributes: options.scimAttributes } : {}),
    };
    const member = existing
      ? Object.assign(existing, fields, { removedAt: null, passwordHash: joined?.passwordHash ?? null, enrollmentPin: null, workflowRunId: null, scimDeletedAt: null })
      : em.create(Member, { company, email, ...fields, passwordHash: joined?.passwordHash ?? null });
    await em.flush();
    await recordAudit(em, {
      companyId: company.id,
      memberId: member.id,
      actor: options.actor,
      type: joined ? 'member.signed_up' : existing ? 'member.reinvited' : 'member.invited',
      data: {
        ...(joined ? { via: joined.via, approval: joined.approval } : {}),
        email, role: member.role, locale: member.locale, siteId: site.id,
        ...(dates.startsOn ? { startsOn: dates.startsOn } : {}),
        ...(dates.endsAt ? { endsOn: dates.endsOn, endsAt: dates.endsAt.toISOString() } : {}),
        ...(access.kind === 'day_pass' ? { kind: access.kind, dates: access.dayPassDates } : {}),
        ...(access.cardNeeded ? {} : { card: false }),
        ...(access.accessDays ? { accessDays: access.accessDays } : {}),
        ...(options.importId ? { importId: options.importId } : {}),
        ...(options.requestKey ? { requestKey: requestKeyDigest(options.requestKey) } : {}),
      },
    });
    if (joined && !joined.approval) await recordAudit(em, { companyId: company.id, memberId: member.id, actor: 'join-policy', type: 'member.signup_approved', data: { by: 'join-policy' } });
    return { member, company, reinvited: Boolean(existing), conflict: false, schedule };
  }).catch(async (error: unknown) => {
    // Two invitations of the same new address raced; the other one won.
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    const winner = await deps.em.fork().findOne(Member, { company: options.companyId, email });
    throw new DomainError('member_exists', 'conflict', `${email} is already a member of this company`, { memberId: winner?.id, status: winner?.status });
  });

  const start = () =>
    deps.lifecycles.start({
      memberId: member.id,
      companyId: company.id,
      invitedBy: options.actor,
      overrides: company.lifecycleOverrides,
      ...(deps.defaults ? { durations: resolveDurations(deps.defaults, company.lifecycleOverrides) } : {}),
      ...(deps.continueAsNewAfterEvents ? { continueAsNewAfterEvents: deps.continueAsNewAfterEvents } : {}),
      ...(schedule ? { schedule } : {}),
      ...(member.cardNeeded ? {} : { cardNeeded: false }),
      ...(options.joined ? { joined: { via: options.joined.via, approval: options.joined.approval } } : {}),
    });
  if (conflict) {
    // The same request again, its first answer lost after the row was written: finish it.
    const sameRequest = options.requestKey ? await invitedByRequest(deps.em, member.id, options.requestKey) : undefined;
    if (sameRequest) {
      const handle = await start();
      return { memberId: member.id, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, reinvited: sameRequest === 'member.reinvited', scheduled: member.status === 'scheduled' };
    }
    // The caller may be retrying an invitation whose lifecycle never started (Temporal was down
    // when the row was committed): start it now, idempotently, then say the member exists.
    if (!member.workflowRunId) await start();
    throw new DomainError('member_exists', 'conflict', `${email} is already a member of this company`, { memberId: member.id, status: member.status });
  }
  if (reinvited) {
    // The previous run may still be finishing its offboarding; the new run starts after it.
    await deps.lifecycles.finished(member.id, REMOVED_RUN_GRACE_MS);
  }
  const handle = await start();
  return { memberId: member.id, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, reinvited, scheduled: member.status === 'scheduled' };
}

const requestKeyDigest = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 22);

/** The type of this member's invitation event made by the request with `requestKey`, if one was. */
async function invitedByRequest(em: EntityManager, memberId: string, requestKey: string): Promise<'member.invited' | 'member.reinvited' | undefined> {
  const row = await em
    .fork()
    .getKysely()
    .selectFrom('audit_event')
    .select('type')
    .where('member_id', '=', memberId)
    .where('type', 'in', ['member.invited', 'member.reinvited'])
    .where(sql<boolean>`data->>'requestKey' = ${requestKeyDigest(requestKey)}`)
    .orderBy('occurred_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.type as 'member.invited' | 'member.reinvited' | undefined;
}

/** A company whose contract ends takes no one new: its offboarding would miss them. */
async function refuseLeavingCompany(em: EntityManager, company: Company): Promise<void> {
  if (company.offboardedAt) throw new DomainError('company_offboarded', 'conflict', `${company.name} has left: it takes no new members`);
  const running = await em.getKysely().selectFrom('company_offboarding').select('id').where('organization_id', '=', company.id).where('state', '=', 'running').executeTakeFirst();
  if (running) throw new DomainError('company_offboarding', 'conflict', `${company.name} is being offboarded: it takes no new members`);
}

/** One of the sites the operator granted the company. */
async function chooseSite(em: EntityManager, companyId: string, siteId: string | undefined): Promise<Site> {
  const granted = await em.getKysely().selectFrom('company_site').select('site_id').where('organization_id', '=', companyId).orderBy('granted_at').execute();
  const ids = granted.map((r) => r.site_id);
  if (siteId) {
    if (!ids.includes(siteId)) throw new DomainError('site_not_found', 'unprocessable', `site ${siteId} is not one of this company's sites`, { field: 'siteId' });
    return em.findOneOrFail(Site, siteId);
  }
  if (ids.length === 1) return em.findOneOrFail(Site, ids[0]!);
  throw new DomainError('site_required', 'unprocessable', ids.length ? 'this company has several sites: say which one (siteId)' : 'this company has no site yet: the operator grants it one', { field: 'siteId' });
}
