// SCIM Groups (Okta Group Push, Entra group assignment). Groups are kept as the provider writes
// them; membership of the one named SCIM_ADMIN_GROUP makes administrators, and leaving it makes
// users again — through the lifecycle's own role change, so the last admin stays protected.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import type { Row } from '../../db/orm.ts';
import { isUniqueViolation } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { refuseOperatorStaff } from '../members/operator-staff.ts';
import { filterCondition, listWindow, type FilterColumn } from './filter.ts';
import { listResponse, SCHEMA, ScimError } from './resources.ts';
import { patchResource } from './patch.ts';
import { scimFromDomain, type ScimCaller, type ScimDeps } from './users.ts';

const GROUP_FIELDS = ['g.id', 'g.display_name', 'g.external_id', 'g.created_at', 'g.updated_at'] as const;
type GroupRow = Pick<Row<'scim_group'>, 'id' | 'display_name' | 'external_id' | 'created_at' | 'updated_at'>;

/** The company's groups, as `scim_group as g`. */
const companyGroups = (deps: ScimDeps, caller: ScimCaller) => deps.em.getKysely().selectFrom('scim_group as g').where('g.organization_id', '=', caller.companyId);

const GROUP_COLUMNS: Record<string, FilterColumn> = {
  id: { column: 'g.id::text' },
  displayname: { column: 'g.display_name', caseInsensitive: true },
  externalid: { column: 'g.external_id' },
  'members.value': { column: `(select string_agg(gm.member_id::text, ',') from scim_group_member gm where gm.group_id = g.id)` },
};

const iso = (d: Date) => new Date(d).toISOString();

async function membersOf(deps: ScimDeps, groupIds: string[]): Promise<Map<string, { value: string; display: string }[]>> {
  const byGroup = new Map<string, { value: string; display: string }[]>();
  if (!groupIds.length) return byGroup;
  const rows = await deps.em
    .getKysely()
    .selectFrom('scim_group_member as gm')
    .innerJoin('member as m', 'm.id', 'gm.member_id')
    .select((eb) => ['gm.group_id', 'gm.member_id', eb.fn.coalesce('gm.display', 'm.name').as('name')])
    .where('gm.group_id', 'in', groupIds)
    .where('m.scim_deleted_at', 'is', null)
    .orderBy('m.created_at')
    .execute();
  for (const r of rows) byGroup.set(r.group_id, [...(byGroup.get(r.group_id) ?? []), { value: r.member_id, display: r.name }]);
  return byGroup;
}

function groupResource(deps: ScimDeps, g: GroupRow, members: { value: string; display: string }[] | undefined): Record<string, unknown> {
  return {
    schemas: [SCHEMA.group],
    id: g.id,
    displayName: g.display_name,
    ...(g.external_id ? { externalId: g.external_id } : {}),
    ...(members ? { members: members.map((m) => ({ ...m, $ref: `${deps.baseUrl}/Users/${m.value}` })) } : {}),
    meta: { resourceType: 'Group', created: iso(g.created_at), lastModified: iso(g.updated_at), location: `${deps.baseUrl}/Groups/${g.id}`, version: `W/"${new Date(g.updated_at).getTime()}"` },
  };
}

async function findGroup(deps: ScimDeps, caller: ScimCaller, id: string): Promise<GroupRow> {
  if (!isUuid(id)) throw new ScimError(404, `no group ${id}`);
  const row = await companyGroups(deps, caller).select(GROUP_FIELDS).where('g.id', '=', id).executeTakeFirst();
  if (!row) throw new ScimError(404, `no group ${id}`);
  return row;
}

export async function getGroup(deps: ScimDeps, caller: ScimCaller, id: string, options: { withMembers?: boolean } = {}) {
  const group = await findGroup(deps, caller, id);
  const members = options.withMembers === false ? undefined : (await membersOf(deps, [id])).get(id) ?? [];
  return groupResource(deps, group, members);
}

export async function listGroups(deps: ScimDeps, caller: ScimCaller, query: { filter?: string; startIndex?: number; count?: number; withMembers?: boolean }) {
  const { startIndex, count, where } = listWindow(query, GROUP_COLUMNS);
  const condition = filterCondition(where);
  const total = await companyGroups(deps, caller).select(sql<number>`count(*)::int`.as('n')).where(condition).executeTakeFirstOrThrow();
  const rows = count ? await companyGroups(deps, caller).select(GROUP_FIELDS).where(condition).orderBy('g.created_at').orderBy('g.id').limit(count).offset(startIndex - 1).execute() : [];
  const members = query.withMembers === false ? undefined : await membersOf(deps, rows.map((r) => r.id));
  return listResponse(rows.map((g) => groupResource(deps, g, members ? (members.get(g.id) ?? []) : undefined)), total.n, startIndex);
}

interface GroupInput {
  displayName: string;
  externalId: string | null;
  memberIds: string[];
  /** The `display` the provider wrote for a member, by id. */
  displays: Map<string, string>;
}

function readGroup(doc: unknown): GroupInput {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ScimError(400, 'the body must be a SCIM Group object', 'invalidSyntax');
  const g = doc as Record<string, unknown>;
  if (typeof g.displayName !== 'string' || !g.displayName.trim() || g.displayName.length > 256) throw new ScimError(400, 'displayName is required (at most 256 characters)', 'invalidValue');
  const members = g.members === undefined || g.members === null ? [] : g.members;
  if (!Array.isArray(members)) throw new ScimError(400, 'members must be a list of {value}', 'invalidValue');
  const memberIds = members.map((m) => String((m as { value?: unknown })?.value ?? ''));
  const displays = new Map<string, string>();
  for (const m of members as { value?: unknown; display?: unknown }[]) {
    if (typeof m?.display === 'string' && m.display.trim()) displays.set(String(m.value), m.display.trim().slice(0, 256));
  }
  return { displayName: g.displayName.trim(), externalId: typeof g.externalId === 'string' ? g.externalId.slice(0, 255) : null, memberIds: [...new Set(memberIds)], displays };
}

/**
 * The members the provider names, each one of this company's users. An id we do not know (never
 * provisioned here, deleted, another company's, a nested group) is refused rather than dropped:
 * answering `members: []` after an add told the provider something else than it asked.
 */
async function knownMembers(deps: ScimDeps, caller: ScimCaller, ids: string[]): Promise<string[]> {
  const valid = ids.filter(isUuid);
  const rows = valid.length
    ? await deps.em.getKysely().selectFrom('member').select('id').where('organization_id', '=', caller.companyId).where('scim_deleted_at', 'is', null).where('id', 'in', valid).execute()
    : [];
  const known = new Set(rows.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) throw new ScimError(400, `members: ${unknown.slice(0, 5).map((id) => JSON.stringify(id)).join(', ')} ${unknown.length > 1 ? 'are not users' : 'is not a user'} of this company`, 'invalidValue');
  return [...known];
}

/** Joining or leaving the admin group changes the role; done before the membership is stored. */
async function syncRoles(deps: ScimDeps, caller: ScimCaller, before: { name: string; members: string[] }, after: { name: string; members: string[] }): Promise<void> {
  const isAdminGroup = (name: string) => name.toLowerCase() === deps.adminGroup.toLowerCase();
  const adminsBefore = new Set(isAdminGroup(before.name) ? before.members : []);
  const adminsAfter = new Set(isAdminGroup(after.name) ? after.members : []);
  const changes = [
    ...[...adminsAfter].filter((id) => !adminsBefore.has(id)).map((id) => ({ id, role: 'admin' as const })),
    ...[...adminsBefore].filter((id) => !adminsAfter.has(id)).map((id) => ({ id, role: 'user' as const })),
  ];
  for (const change of changes) {
    const row = await deps.em.getKysely().selectFrom('member').select(['role', 'status']).where('id', '=', change.id).executeTakeFirst();
    if (!row || row.status === 'removed' || row.role === change.role) continue;
    await refuseOperatorStaff(deps.em, change.id, false).catch(scimFromDomain);
    await deps.lifecycles.changeRole(change.id, change.role, caller.actor).catch(scimFromDomain);
  }
}

async function store(deps: ScimDeps, caller: ScimCaller, id: string | null, input: GroupInput): Promise<string> {
  const members = await knownMembers(deps, caller, input.memberIds);
  const before = id ? { name: (await findGroup(deps, caller, id)).display_name, members: (await membersOf(deps, [id])).get(id)?.map((m) => m.value) ?? [] } : { name: '', members: [] };
  if (id === null) {
    const taken = await companyGroups(deps, caller).select('g.id').where(sql<boolean>`lower(g.display_name) = lower(${input.displayName})`).executeTakeFirst();
    if (taken) throw new ScimError(409, `a group named "${input.displayName}" exists`, 'uniqueness');
  }
  await syncRoles(deps, caller, before, { name: input.displayName, members });
  try {
    return await deps.em.transactional(async (em) => {
      const db = em.getKysely();
      const groupId = id ?? randomUUID();
      if (id) await db.updateTable('scim_group').set({ display_name: input.displayName, external_id: input.externalId, updated_at: dbNow }).where('id', '=', id).execute();
      else await db.insertInto('scim_group').values({ id: groupId, organization_id: caller.companyId, display_name: input.displayName, external_id: input.externalId, created_at: dbNow, updated_at: dbNow }).execute();
      await db.deleteFrom('scim_group_member').where('group_id', '=', groupId).execute();
      if (members.length) {
        await db.insertInto('scim_group_member').values(members.map((m) => ({ group_id: groupId, member_id: m, display: input.displays.get(m) ?? null }))).execute();
      }
      return groupId;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ScimError(409, `a group named "${input.displayName}" exists`, 'uniqueness');
    throw error;
  }
}

export async function createGroup(deps: ScimDeps, caller: ScimCaller, body: unknown) {
  return getGroup(deps, caller, await store(deps, caller, null, readGroup(body)));
}

export async function replaceGroup(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown) {
  await store(deps, caller, id, readGroup(body));
  return getGroup(deps, caller, id);
}

/** PATCH: add/remove members, rename; answered with the group (Okta) — Entra takes 204 or 200. */
export async function patchGroup(deps: ScimDeps, caller: ScimCaller, id: string, body: unknown) {
  const current = await getGroup(deps, caller, id);
  const patched = patchResource('Group', current, body);
  await store(deps, caller, id, readGroup(patched));
  return getGroup(deps, caller, id);
}

export async function deleteGroup(deps: ScimDeps, caller: ScimCaller, id: string): Promise<void> {
  const group = await findGroup(deps, caller, id);
  const members = (await membersOf(deps, [id])).get(id)?.map((m) => m.value) ?? [];
  await syncRoles(deps, caller, { name: group.display_name, members }, { name: '', members: [] });
  await deps.em.getKysely().deleteFrom('scim_group').where('id', '=', id).execute();
}
