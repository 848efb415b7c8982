// What kind of member someone is and when their card may open doors: a regular member or a guest
// on a day pass (Workways' invite form), with or without a card, on the access days their company
// admin picked. Checked here before anything is written: a 400 names the field.
import type { EntityManager } from '../../db/orm.ts';
import { jsonb } from '../../db/sql.ts';
import type { AccessDayChoice } from '../../db/entities/schedule.ts';
import type { MemberKind } from '../../db/entities/member.entity.ts';
import { accessDaysProblem, accessDaysSchedule, covers } from '../access/schedule.ts';
import { recordAudit } from '../audit.ts';
import { bumpMemberAccessLists } from '../access/versions.ts';
import { DomainError } from '../errors.ts';
import { dateAt, isCalendarDate } from '../time.ts';
import type { MemberDates } from './schedule.ts';

export const DAY_PASS_MAX_DATES = 31;

export interface MemberAccessInput {
  kind?: MemberKind;
  /** A day pass's dates (YYYY-MM-DD at the site). */
  dates?: string[];
  /** False: no registration code, no card track. */
  card?: boolean;
  accessDays?: AccessDayChoice[] | null;
}

export interface MemberAccess {
  kind: MemberKind;
  dayPassDates: string[] | null;
  cardNeeded: boolean;
  accessDays: AccessDayChoice[] | null;
  /** A day pass's first and last date as the member's dates: the end-date path removes them after the last. */
  dates: MemberDates;
}

const invalid = (field: string, message: string, code = 'invalid_member_access') => new DomainError(code, 'invalid', message, { field });

/** The day pass's dates, checked: real dates, none before today at the site, at most 31. */
export function checkDayPassDates(dates: string[] | undefined, timeZone: string, now = new Date()): string[] {
  if (!dates?.length) throw invalid('dates', 'a day pass needs its dates (dates: ["2027-01-05"])', 'day_pass_dates_required');
  const unique = [...new Set(dates)].sort();
  if (unique.length > DAY_PASS_MAX_DATES) throw invalid('dates', `a day pass has at most ${DAY_PASS_MAX_DATES} dates`);
  const bad = unique.find((d) => !isCalendarDate(d));
  if (bad) throw invalid('dates', `dates must be days, YYYY-MM-DD (${JSON.stringify(bad)} is not)`);
  const today = dateAt(now, timeZone);
  if (unique[0]! < today) throw invalid('dates', `a day pass cannot start in the past (${unique[0]} is before ${today} at the site)`);
  return unique;
}

/** A guest's card cannot be anonymous: first and last name. */
function checkDayPassName(name: string | undefined): void {
  if (!name || name.trim().split(/\s+/).length < 2) throw invalid('name', 'a day pass needs a first and a last name (name: "Camille Durand"): the access card cannot be anonymous', 'day_pass_name_required');
}

/** Access days narrow the company's grants at the site, never widen them. */
async function checkAccessDays(em: EntityManager, companyId: string, siteId: string, accessDays: AccessDayChoice[] | null): Promise<void> {
  if (!accessDays) return;
  // The same rule whichever way they came (the API's schema says it too; a team file and SCIM did not).
  const problem = accessDaysProblem(accessDays);
  if (problem) throw invalid('accessDays', problem);
  const grants = await em
    .getKysely()
    .selectFrom('zone_grant as g')
    .innerJoin('zone as z', 'z.id', 'g.zone_id')
    .select('g.schedule')
    .where('g.organization_id', '=', companyId)
    .where('z.site_id', '=', siteId)
    .execute();
  if (!covers(grants.map((g) => g.schedule), accessDaysSchedule(accessDays))) {
    throw invalid('accessDays', `access days ${accessDays.join(' + ')} are wider than what the company is granted at this site: an admin can narrow access, never widen it`, 'access_days_wider_than_grant');
  }
}

/** An invitation's kind, card and access days, checked; `given` are the dates the request itself carried. */
export async function resolveMemberAccess(
  em: EntityManager,
  input: MemberAccessInput & { companyId: string; siteId: string; timeZone: string; name?: string; given: MemberDates },
): Promise<MemberAccess> {
  const kind = input.kind ?? 'member';
  const accessDays = input.accessDays ?? null;
  await checkAccessDays(em, input.companyId, input.siteId, accessDays);
  if (kind === 'member') {
    if (input.dates?.length) throw invalid('dates', 'dates are a day pass\'s (kind: "day_pass"); a member has startsOn and endsOn');
    return { kind, dayPassDates: null, cardNeeded: input.card ?? true, accessDays, dates: input.given };
  }
  checkDayPassName(input.name);
  if (input.given.startsOn || input.given.endsOn || input.given.endsAt) throw invalid('startsOn', 'a day pass\'s first and last days are its dates: leave out startsOn, endsOn and endsAt');
  const dates = checkDayPassDates(input.dates, input.timeZone);
  return { kind, dayPassDates: dates, cardNeeded: input.card ?? true, accessDays, dates: { startsOn: dates[0]!, endsOn: dates.at(-1)! } };
}

/** The admin narrows (or gives back) a member's access days: audited from → to, their doors' lists bumped, `member.access_changed` sent. */
export async function changeAccessDays(em: EntityManager, input: { companyId: string; memberId: string; accessDays: AccessDayChoice[] | null; actor: string }): Promise<boolean> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    const row = await db.selectFrom('member').select(['access_days', 'site_id', 'status']).where('id', '=', input.memberId).where('organization_id', '=', input.companyId).forUpdate().executeTakeFirst();
    if (!row) throw new DomainError('member_not_found', 'not_found', `no member ${input.memberId} in this company`, { memberId: input.memberId });
    if (row.status === 'removed') throw new DomainError('member_removed', 'gone', 'a removed member cannot be changed: invite them again', { memberId: input.memberId });
    if (JSON.stringify(row.access_days) === JSON.stringify(input.accessDays)) return false;
    if (row.site_id) await checkAccessDays(tx, input.companyId, row.site_id, input.accessDays);
    await db.updateTable('member').set({ access_days: input.accessDays === null ? null : jsonb<AccessDayChoice[]>(input.accessDays) }).where('id', '=', input.memberId).execute();
    await bumpMemberAccessLists(tx, input.memberId);
    await recordAudit(tx, { companyId: input.companyId, memberId: input.memberId, actor: input.actor, type: 'member.access_changed', data: { accessDays: { from: row.access_days, to: input.accessDays } } });
    return true;
  });
}
