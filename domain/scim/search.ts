// POST /.search at the root (RFC 7644 §3.4.3): one query over Users and Groups together, Users
// first. A filter naming an attribute one type does not have (userName, members) matches none of
// that type; one that neither type can read is refused as invalidFilter.
import { listGroups } from './groups.ts';
import { listResponse, ScimError } from './resources.ts';
import { listUsers, type ScimCaller, type ScimDeps } from './users.ts';

type Query = { filter?: string; startIndex?: number; count?: number; withMembers?: boolean };
type List = { totalResults: number; Resources: Record<string, unknown>[] };

/** A type's page, or nothing when the filter names what it does not have. */
async function orNone(list: Promise<Record<string, unknown>>): Promise<List | undefined> {
  try {
    return (await list) as unknown as List;
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'invalidFilter') return undefined;
    throw error;
  }
}

export async function searchAll(deps: ScimDeps, caller: ScimCaller, query: Query): Promise<Record<string, unknown>> {
  const startIndex = Math.max(1, query.startIndex ?? 1);
  const count = Math.min(Math.max(0, query.count ?? 100), 200);
  const [userTotal, groupTotal] = await Promise.all([
    orNone(listUsers(deps, caller, { ...query, count: 0 })),
    orNone(listGroups(deps, caller, { ...query, count: 0 })),
  ]);
  if (!userTotal && !groupTotal) throw new ScimError(400, 'neither Users nor Groups can be filtered on that', 'invalidFilter');
  const users = userTotal?.totalResults ?? 0;
  const groups = groupTotal?.totalResults ?? 0;
  const resources: Record<string, unknown>[] = [];
  if (count && startIndex <= users) resources.push(...(await orNone(listUsers(deps, caller, { ...query, startIndex, count })))!.Resources);
  const left = count - resources.length;
  if (left > 0 && groupTotal && startIndex + resources.length <= users + groups) {
    const from = Math.max(1, startIndex - users);
    resources.push(...(await orNone(listGroups(deps, caller, { ...query, startIndex: from, count: left })))!.Resources);
  }
  return listResponse(resources, users + groups, startIndex);
}
