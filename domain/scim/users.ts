// SCIM Users of one company: every member (however invited), except those the provider deleted.
// Writes go through the same domain steps as the REST API and the pages — invite, update,
// remove — so a SCIM deactivation is the usual offboarding (card off the list, Wi-Fi revoked).
import { sql } from 'kysely';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { DomainError, isUniqueViolation } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { inviteMember } from '../members/invite-member.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { updateMember, type MemberChanges } from '../members/update-member.ts';
import { refuseOperatorStaff } from '../members/operator-staff.ts';
import { filterCondition, listWindow, type FilterColumn } from './filter.ts';
import { patchResource } from './patch.ts';
import { listResponse, readUser, SCHEMA, ScimError, userResource, type MemberForScim, type ScimUserInput } from './resources.ts';

export interface ScimDeps {
  em: EntityManager;
  lifecycles: LifecycleGateway;
  /** SCIM_ADMIN_GROUP: its members are administrators. */
  adminGroup: string;
  /** `<PUBLIC_URL>/scim/v2`, for `meta.location`. */
  baseUrl: string;
}

export interface ScimCaller {
  companyId: string;
  actor: string;
}

const USER_COLUMNS: Record<string, FilterColumn> = {
  id: { column: 'm.id::text' },
  // As answered: the provider's own userName when it is not an address, else the address.
  username: { column: `case when strpos(coalesce(m.scim_attributes->>'userName', '@'), '@') = 0 then m.scim_attributes->>'userName' else m.email end`, caseInsensitive: true },
  externalid: { column: 'm.external_id' },
  displayname: { column: 'm.name', caseInsensitive: true },
  emails: { column: 'm.email', caseInsensitive: true },
  'emails.value': { column: 'm.email', caseInsensitive: true },
  // One e-mail per member, the work one: `emails[type eq "work"]` holds for everyone.
  'emails.type': { column: `'work'`, caseInsensitive: true },
  'emails.primary': { column: 'true', boolean: { whenTrue: 'true' } },
  active: { column: 'm.status', boolean: { whenTrue: `m.status <> 'removed'` } },
  'meta.lastmodified': { column: 'm.updated_at', dateTime: true },
  'meta.created': { column: 'm.created_at', dateTime: true },
};

/** The company's members the provider has not deleted, as `member as m`. */
const companyUsers = (em: EntityManager, companyId: string) =>
  em.getKysely().selectFrom('member as m').where('m.organization_id', '=', companyId).where('m.scim_deleted_at', 'is', null);

const selectUsers = (em: EntityManager, companyId: string) =>
  companyUsers(em, companyId)
    .leftJoin('site as s', 's.id', 'm.site_id')
    .select([
      'm.id', 'm.email', 'm.name', 'm.locale', 'm.role', 'm.status', 'm.external_id', 'm.scim_attributes', 'm.created_at', 'm.updated_at',
      sql<string | null>`m.starts_on::text`.as('starts_on'), sql<string | null>`m.ends_on::text`.as('ends_on'), 'm.ends_at', 'm.site_id', 's.name as site_name', 'm.kind', 'm.day_pass_dates', 'm.access_days',
    ]);

async function groupsOf(em: EntityManager, memberIds: string[]): Promise<Map<string, { id: string; display_name: string }[]>> {
  const byMember = new Map<string, { id: string; display_name: string }[]>();
  if (!memberIds.length) return byMember;
  const rows = await em
    .getKysely()
    .selectFrom('scim_group_member as gm')
    .innerJoin('scim_group as g', 'g.id', 'gm.group_id')
    .select(['gm.member_id', 'g.id', 'g.display_name'])
    .where('gm.member_id', 'in', memberIds)
    .orderBy('g.display_name')
    .execute();
  for (const r of rows) byMember.set(r.member_id, [...(byMember.get(r.member_id) ?? []), { id: r.id, display_name: r.display_name }]);
  return byMember;
}

async function findUser(em: EntityManager, companyId: string, id: string): Promise<MemberForScim> {
  if (!isUuid(id)) throw new ScimError(404, `no user ${id}`);
  const row: MemberForScim | undefined = await selectUsers(em, companyId).where('m.id', '=', id).executeTakeFirst();
  if (!row) throw new ScimError(404, `no user ${id}`);
  return row;
}

async function render(deps: ScimDeps, row: MemberForScim): Promise<Record<string, unknown>> {
  const groups = await groupsOf(deps.em, [row.id]);
  return userResource(row, groups.get(row.id) ?? [], deps.baseUrl);
}

export async function getUser(deps: ScimDeps, caller: ScimCaller, id: string): Promise<Record<string, unknown>> {
  return render(deps, await findUser(deps.em, caller.companyId, id));
}

/** A ListResponse, always: an unknown value is 200 with no resources (Entra's "test connection"). */
export async function listUsers(deps: ScimDeps, caller: ScimCaller, query: { filter?: string; startIndex?: number; count?: number }) {
  const { startIndex, count, where } = listWindow(query, USER_COLUMNS);
  const condition = filterCondition(where);
  const total = await companyUsers(deps.em, caller.companyId).select(sql<number>`count(*)::int`.as('n')).where(condition).executeTakeFirstOrThrow();
  const rows: MemberForScim[] = count
    ? await selectUsers(deps.em, caller.companyId).where(condition).orderBy('m.created_at').orderBy('m.id').limit(count).offset(startIndex - 1).execute()
    : [];
  const groups = await groupsOf(deps.em, rows.map((r) => r.id));
  return listResponse(rows.map((r) => userResource(r, groups.get(r.id) ?? [], deps.baseUrl)), total.n, startIndex);
}

/** A site named by id or name among the company's. */
async function siteId(em: EntityManager, companyId: string, site: string | undefined): Promise<string | undefined> {
  if (!site) return undefined;
  const row = await em
    .getKysely()
    .selectFrom('site as s')
    .innerJoin('company_site as g', 'g.site_id', 's.id')
    .select('s.id')
    .where('g.organization_id', '=', companyId)
    .where(sql<boolean>`(s.id::text = ${site} or lower(s.name) = lower(${site}))`)
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new ScimError(400, `no site "${site}" among the company's sites`, 'invalidValue');
  return row.id;
}

/** A member who belongs to the admin group is an administrator (unless the provider sends roles). */
async function roleFromGroups(deps: ScimDeps, memberId: string): Promise<'admin' | 'user'> {
  const row = await deps.em
    .getKysely()
    .selectFrom('scim_group_member as gm')
    .innerJoin('scim_group as g', 'g.id', 'gm.group_id')
    .select('g.id')
    .where('gm.member_id', '=', memberId)
    .where(sql<boolean>`lower(g.display_name) = lower(${deps.adminGroup})`)
    .limit(1)
    .executeTakeFirst();
  return row ? 'admin' : 'user';
}

async function saveScimFields(em: EntityManager, memberId: string, input: ScimUserInput): Promise<void> {
  try {
    await em
      .getKysely()
      .updateTable('member')
      .set({ external_id: input.externalId, scim_attributes: jsonb(input.attributes), updated_at: dbNow })
      .where('id', '=', memberId)
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ScimError(409, `externalId ${input.externalId} is already another user's`, 'uniqueness');
    throw error;
  }
}

async function refuseTakenExternalId(em: EntityManager, companyId: string, externalId: string | null, memberId?: string): Promise<void> {
  if (!externalId) return;
  const other = await companyUsers(em, companyId)
    .select('m.id')
    .where('m.external_id', '=', externalId)
    .where(sql<boolean>`m.id is distinct from ${memberId ?? null}`)
    .executeTakeFirst();
  if (other) throw new ScimError(409, `externalId ${externalId} is already user ${other.id}`, 'uniqueness');
}

/** Domain refusals in SCIM's words. */
export function scimFromDomain(error: unknown): never {
  if (error instanceof DomainError) {
    if (error.code === 'member_exists') throw new ScimError(409, error.message, 'uniqueness');
    const status = { invalid: 400, unprocessable: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409, gone: 409, too_many: 429, unavailable: 503 }[error.kind];
    throw new ScimError(status, error.message, status === 400 ? 'invalidValue' : undefined);
  }
  throw error;
}

export async function createUser(deps: ScimDeps, caller: ScimCaller, body: unknown): Promise<Record<string, unknown>> {
  const input = readUser(body);
  await refuseTakenExternalId(deps.em, caller.companyId, input.externalId);
  const site = await siteId(deps.em, caller.companyId, input.site);
  const invited = await inviteMember(
    { em: deps.em.fork(), lifecycles: deps.lifecycles },
    {
      companyId: caller.companyId,
      email: input.email,
      name: input.name,
      role: input.role ?? 'user',
      ...(input.locale ? { locale: input.locale } : {}),
      siteId: site,
      actor: caller.actor,
      dates: { startsOn: input.startsOn, endsOn: input.endsOn, endsAt: input.endsAt },
      access: { kind: input.kind, dates: input.dates, accessDays: input.accessDays },
      externalId: input.externalId,
      scimAttributes: input.attributes,
    },
  ).catch(scimFromDomain);
  // Provisioned already inactive (rare, but valid SCIM): recorded, then removed at once.
  if (!input.active) await deps.lifecycles.remove(invited.memberId, { actor: caller.actor, reason: 'deactivated in the identity provider' }).catch(scimFromDomain);
  return getUser(deps, caller, invited.memberId);
}

/** PUT: the whole user as the provider now has it. */
export async function replaceUser(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown): Promise<Record<string, unknown>> {
  const current = await findUser(deps.em, caller.companyId, id);
  await apply(deps, caller, current, readUser(body));
  return getUser(deps, caller, id);
}

/** PATCH, in Okta's and Entra's forms: applied to the user as we answer it, then read like a PUT. */
export async function patchUser(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown): Promise<Record<string, unknown>> {
  const current = await findUser(deps.em, caller.companyId, id);
  const resource = await render(deps, current);
  const patched = patchResource('User', resource, body);
  const next = readUser(patched);
  // A PUT that leaves access days out keeps them (most providers never write our extension and
  // must not undo what the admins set); a PATCH that removes them gives back the company's hours.
  const accessDaysOf = (user: Record<string, unknown>) => (user[SCHEMA.onboarding] as Record<string, unknown> | undefined)?.accessDays;
  if (accessDaysOf(resource) !== undefined && accessDaysOf(patched) === undefined) next.accessDays = null;
  await apply(deps, caller, current, next);
  return getUser(deps, caller, id);
}

/** DELETE: removed (offboarding runs), then 404 from now on. */
export async function deleteUser(deps: ScimDeps, caller: ScimCaller, id: string): Promise<void> {
  const current = await findUser(deps.em, caller.companyId, id);
  await refuseOperatorStaff(deps.em, id, false).catch(scimFromDomain);
  if (current.status !== 'removed') await deps.lifecycles.remove(id, { actor: caller.actor, reason: 'deleted in the identity provider' }).catch(scimFromDomain);
  await deps.em.getKysely().updateTable('member').set({ scim_deleted_at: dbNow, external_id: null }).where('id', '=', id).execute();
}

/** What changed between the member and what the provider now says, done by the usual steps. */
async function apply(deps: ScimDeps, caller: ScimCaller, current: MemberForScim, next: ScimUserInput): Promise<void> {
  await refuseTakenExternalId(deps.em, caller.companyId, next.externalId, current.id);
  const site = await siteId(deps.em, caller.companyId, next.site);
  const removed = current.status === 'removed';
  if (removed && next.active) {
    // Reactivated: invited again (a new run of their lifecycle; the history keeps both).
    await inviteMember(
      { em: deps.em.fork(), lifecycles: deps.lifecycles },
      {
        companyId: caller.companyId, email: next.email, name: next.name ?? current.name, role: next.role ?? (await roleFromGroups(deps, current.id)),
        locale: next.locale ?? current.locale, siteId: site ?? current.site_id ?? undefined, actor: caller.actor,
        dates: { startsOn: next.startsOn ?? null, endsOn: next.endsOn ?? null, endsAt: next.endsAt ?? null },
        access: { kind: next.kind, dates: next.dates, accessDays: next.accessDays },
        externalId: next.externalId, scimAttributes: next.attributes,
      },
    ).catch(scimFromDomain);
    return;
  }
  if (removed) {
    await saveScimFields(deps.em, current.id, next);
    return;
  }
  const changes: MemberChanges = {};
  if (next.email !== current.email) changes.email = next.email;
  if (next.name && next.name !== current.name) changes.name = next.name;
  if (next.locale && next.locale !== current.locale) changes.locale = next.locale;
  if (next.role && next.role !== current.role) changes.role = next.role;
  if (site && site !== current.site_id) changes.siteId = site;
  if (next.kind !== undefined && next.kind !== current.kind) throw new ScimError(400, 'kind is set when the user is created: a member cannot become a day pass (or the reverse)', 'mutability');
  if (next.accessDays !== undefined && JSON.stringify(next.accessDays) !== JSON.stringify(current.access_days)) changes.accessDays = next.accessDays;
  if (next.dates !== undefined && current.kind === 'day_pass' && JSON.stringify([...new Set(next.dates)].sort()) !== JSON.stringify(current.day_pass_dates)) changes.dates = next.dates;
  if (next.startsOn !== undefined && next.startsOn !== current.starts_on) changes.startsOn = next.startsOn;
  if (next.endsOn !== undefined && next.endsOn !== current.ends_on) changes.endsOn = next.endsOn;
  if (next.endsAt !== undefined && (next.endsAt ?? null) !== (current.ends_at ? new Date(current.ends_at).toISOString() : null)) changes.endsAt = next.endsAt;
  if (Object.keys(changes).length) {
    await updateMember({ em: deps.em.fork(), lifecycles: deps.lifecycles }, { companyId: caller.companyId, memberId: current.id, ...changes, actor: caller.actor, byOperator: false }).catch(scimFromDomain);
  }
  await saveScimFields(deps.em, current.id, next);
  if (!next.active) {
    await refuseOperatorStaff(deps.em, current.id, false).catch(scimFromDomain);
    await deps.lifecycles.remove(current.id, { actor: caller.actor, reason: 'deactivated in the identity provider' }).catch(scimFromDomain);
  }
}

