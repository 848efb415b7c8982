// An administrator corrects a member: name, e-mail, language, site, role. What the database holds
// changes here (audited with its before and after); what the lifecycle holds (site, role, a new
// invitation for a new address) goes through the member's workflow. The sign-in address of someone
// who has a password changes only once the new address confirms (change-email.ts), and the
// operator's staff are the operator's to change (operator-staff.ts).
import { sql } from 'kysely';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { MemberLocale, MemberRole } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError, isUniqueViolation } from '../errors.ts';
import { findSite } from '../sites/sites.ts';
import { recordEmailChange } from './change-email.ts';
import type { LifecycleGateway } from './lifecycle-gateway.ts';
import { operatorStaffProtected } from './operator-staff.ts';
import { planSchedule, resolveDates } from './schedule.ts';
import { changeAccessDays, checkDayPassDates } from './member-access.ts';
import { bumpMemberAccessLists } from '../access/versions.ts';
import type { AccessDayChoice } from '../../db/entities/schedule.ts';

export interface MemberChanges {
  name?: string;
  email?: string;
  locale?: MemberLocale;
  siteId?: string;
  role?: MemberRole;
  /** null clears the date; see schedule.ts. */
  startsOn?: string | null;
  endsOn?: string | null;
  endsAt?: string | null;
  /** Null gives back what the company's grants give. */
  accessDays?: AccessDayChoice[] | null;
  /** A day pass's new dates. */
  dates?: string[];
}

export async function updateMember(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: MemberChanges & { companyId: string; memberId: string; actor: string; /** The operator's key or staff, not the company's credentials. */ byOperator: boolean },
): Promise<{ invitationResent: boolean; emailChangePending: boolean }> {
  const email = input.email?.trim().toLowerCase();
  if (input.siteId) {
    await findSite(deps.em, { companyId: input.companyId }, input.siteId).catch(() => {
      throw new DomainError('site_not_found', 'unprocessable', `site ${input.siteId} is not one of this company's sites`, { field: 'siteId' });
    });
  }
  const before = await deps.em.transactional(async (em) => {
    const row = await em
      .getKysely()
      .selectFrom('member')
      .select(['name', 'email', 'locale', 'status', 'site_id', 'role', 'password_hash', 'operator_admin'])
      .where('id', '=', input.memberId)
      .where('organization_id', '=', input.companyId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new DomainError('member_not_found', 'not_found', `no member ${input.memberId} in this company`, { memberId: input.memberId });
    if (row.status === 'removed') throw new DomainError('member_removed', 'gone', 'a removed member cannot be changed: invite them again', { memberId: input.memberId });
    if (row.operator_admin && !input.byOperator) throw operatorStaffProtected();
    // An account's address waits for the new address to confirm: recorded as a pending change in
    // this transaction (an address already taken refuses the whole update), not written.
    const emailChange = email !== undefined && email !== row.email && row.password_hash
      ? await recordEmailChange(em, { companyId: input.companyId, memberId: input.memberId, from: row.email, to: email, actor: input.actor })
      : undefined;
    const next = { name: input.name?.trim() ?? row.name, email: email !== undefined && !row.password_hash ? email : row.email, locale: input.locale ?? row.locale };
    const changes = Object.fromEntries((['name', 'email', 'locale'] as const).filter((k) => next[k] !== row[k]).map((k) => [k, { from: row[k], to: next[k] }]));
    if (Object.keys(changes).length) {
      try {
        await em.getKysely().updateTable('member').set({ name: next.name, email: next.email, locale: next.locale, updated_at: dbNow }).where('id', '=', input.memberId).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const other = await deps.em.fork().getKysely().selectFrom('member').select('id').where('organization_id', '=', input.companyId).where('email', '=', next.email).executeTakeFirst();
        throw new DomainError('member_exists', 'conflict', `${next.email} is already a member of this company`, { memberId: other?.id });
      }
      await recordAudit(em, { companyId: input.companyId, memberId: input.memberId, actor: input.actor, type: 'member.updated', data: { changes } });
    }
    return { ...row, emailChange };
  });

  if (input.role && input.role !== before.role) await deps.lifecycles.changeRole(input.memberId, input.role, input.actor);
  if (input.siteId && input.siteId !== before.site_id) await deps.lifecycles.changeSite(input.memberId, input.siteId, input.actor);
  if (input.accessDays !== undefined) await changeAccessDays(deps.em, { companyId: input.companyId, memberId: input.memberId, accessDays: input.accessDays, actor: input.actor });
  if (input.dates) await changeDayPassDates(deps, { ...input, dates: input.dates });
  else if (input.startsOn !== undefined || input.endsOn !== undefined || input.endsAt !== undefined) await changeDates(deps, input);
  // A new address before the password exists: the invitation goes to it, and the old link dies.
  const invitationResent = email !== undefined && email !== before.email && !before.password_hash;
  if (invitationResent) await deps.lifecycles.resendInvitation(input.memberId, input.actor);
  if (before.emailChange) await deps.lifecycles.startEmailChange({ tokenId: before.emailChange.tokenId, memberId: input.memberId, companyId: input.companyId });
  return { invitationResent, emailChangePending: before.emailChange !== undefined };
}

/** New dates: checked against the site's time zone, then the lifecycle re-plans (and stores them). */
async function changeDates(deps: { em: EntityManager; lifecycles: LifecycleGateway }, input: MemberChanges & { companyId: string; memberId: string; actor: string }): Promise<void> {
  const row = await deps.em
    .getKysely()
    .selectFrom('member as m')
    .innerJoin('site as s', 's.id', 'm.site_id')
    .select([sql<string | null>`m.starts_on::text`.as('starts_on'), sql<string | null>`m.ends_on::text`.as('ends_on'), 'm.ends_at', 's.time_zone'])
    .where('m.id', '=', input.memberId)
    .executeTakeFirst();
  if (!row) return;
  const current = { startsOn: row.starts_on, endsOn: row.ends_on, endsAt: row.ends_at && new Date(row.ends_at) };
  const next = resolveDates({ startsOn: input.startsOn, endsOn: input.endsOn, endsAt: input.endsAt }, row.time_zone, current);
  const same = next.startsOn === current.startsOn && next.endsOn === current.endsOn && next.endsAt?.getTime() === current.endsAt?.getTime();
  if (same) return;
  await deps.lifecycles.changeSchedule(input.memberId, {
    schedule: planSchedule(next, row.time_zone) ?? { startsAt: null, endsAt: null },
    dates: { startsOn: next.startsOn, endsOn: next.endsOn, endsAt: next.endsAt?.toISOString() ?? null },
    actor: input.actor,
  });
}

/** A day pass's new dates: stored (and its doors' lists bumped), then its first and last day re-planned as its dates. */
async function changeDayPassDates(deps: { em: EntityManager; lifecycles: LifecycleGateway }, input: { companyId: string; memberId: string; dates: string[]; actor: string; startsOn?: string | null; endsOn?: string | null; endsAt?: string | null }): Promise<void> {
  if (input.startsOn !== undefined || input.endsOn !== undefined || input.endsAt !== undefined) {
    throw new DomainError('invalid_member_access', 'invalid', 'a day pass\'s first and last days are its dates: leave out startsOn, endsOn and endsAt', { field: 'startsOn' });
  }
  const dates = await deps.em.transactional(async (em) => {
    const row = await em.getKysely().selectFrom('member as m').innerJoin('site as s', 's.id', 'm.site_id').select(['m.kind', 'm.day_pass_dates', 's.time_zone']).where('m.id', '=', input.memberId).forUpdate().executeTakeFirstOrThrow();
    if (row.kind !== 'day_pass') throw new DomainError('invalid_member_access', 'invalid', 'dates are a day pass\'s; a member has startsOn and endsOn', { field: 'dates' });
    const next = checkDayPassDates(input.dates, row.time_zone);
    if (JSON.stringify(next) === JSON.stringify(row.day_pass_dates)) return next;
    await em.getKysely().updateTable('member').set({ day_pass_dates: jsonb<string[]>(next) }).where('id', '=', input.memberId).execute();
    await bumpMemberAccessLists(em, input.memberId);
    await recordAudit(em, { companyId: input.companyId, memberId: input.memberId, actor: input.actor, type: 'member.access_changed', data: { dates: { from: row.day_pass_dates, to: next } } });
    return next;
  });
  await changeDates(deps, { ...input, startsOn: dates[0]!, endsOn: dates.at(-1)! });
}
