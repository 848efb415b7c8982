// The operator's view of its customer companies: which sites each may use, how many members it
// has, and its end of contract. Every change is audited under the operator admin who made it.
import { followSiteGrants } from '../access/site-grants.ts';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager, Row } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { companyOffboardingWorkflowId } from '../../contract/workflows.ts';

export interface OffboardingView {
  id: string;
  state: 'scheduled' | 'running' | 'completed' | 'cancelled';
  effectiveAt: string;
  requestedBy: string;
  total: number | null;
  removed: number;
  startedAt: string | null;
  finishedAt: string | null;
  cancelledBy: string | null;
}

export interface CompanyView {
  id: string;
  name: string;
  siteIds: string[];
  liveMembers: number;
  createdAt: string;
  offboardedAt: string | null;
  offboarding: OffboardingView | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

type OffboardingRow = Row<'company_offboarding'>;

const offboardingView = (r: OffboardingRow): OffboardingView => ({
  id: r.id,
  state: r.state,
  effectiveAt: iso(r.effective_at)!,
  requestedBy: r.requested_by,
  total: r.total,
  removed: r.removed,
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
  cancelledBy: r.cancelled_by,
});

/** Companies with their sites, how many members are not removed, and their latest offboarding. */
const selectCompanies = (em: EntityManager) =>
  em
    .getKysely()
    .selectFrom('organization as o')
    .leftJoinLateral(
      (eb) => eb.selectFrom('company_offboarding').selectAll().whereRef('company_offboarding.organization_id', '=', 'o.id').orderBy('created_at', 'desc').limit(1).as('b'),
      (join) => join.onTrue(),
    )
    .select((eb) => [
      'o.id', 'o.name', 'o.created_at', 'o.offboarded_at',
      eb.selectFrom('company_site as g').select(sql<string[]>`coalesce(array_agg(g.site_id::text order by g.granted_at), '{}')`.as('ids')).whereRef('g.organization_id', '=', 'o.id').as('site_ids'),
      eb.selectFrom('member as m').select(sql<number>`count(*)::int`.as('n')).whereRef('m.organization_id', '=', 'o.id').where('m.status', '<>', 'removed').as('live_members'),
      'b.id as b_id', 'b.state as b_state', 'b.effective_at as b_effective_at', 'b.requested_by as b_requested_by', 'b.total as b_total', 'b.removed as b_removed',
      'b.started_at as b_started_at', 'b.finished_at as b_finished_at', 'b.cancelled_by as b_cancelled_by',
    ]);

type CompanyRow = Awaited<ReturnType<ReturnType<typeof selectCompanies>['executeTakeFirstOrThrow']>>;

const companyView = (r: CompanyRow): CompanyView => ({
  id: r.id,
  name: r.name,
  siteIds: r.site_ids ?? [],
  liveMembers: r.live_members ?? 0,
  createdAt: iso(r.created_at)!,
  offboardedAt: iso(r.offboarded_at),
  offboarding: r.b_id
    ? {
        id: r.b_id,
        state: r.b_state!,
        effectiveAt: iso(r.b_effective_at)!,
        requestedBy: r.b_requested_by!,
        total: r.b_total,
        removed: r.b_removed!,
        startedAt: iso(r.b_started_at),
        finishedAt: iso(r.b_finished_at),
        cancelledBy: r.b_cancelled_by,
      }
    : null,
});

export async function listCompanies(em: EntityManager, operatorId: string): Promise<CompanyView[]> {
  const rows = await selectCompanies(em).where('o.operator_id', '=', operatorId).orderBy('o.name').orderBy('o.id').execute();
  return rows.map(companyView);
}

/** Another operator's (or no) company is "not found". */
export async function getCompany(em: EntityManager, operatorId: string, companyId: string): Promise<CompanyView> {
  const row = await selectCompanies(em).where('o.operator_id', '=', operatorId).where('o.id', '=', companyId).executeTakeFirst();
  if (!row) throw new DomainError('company_not_found', 'not_found', `no company ${companyId}`);
  return companyView(row);
}

/**
 * Renames a company or changes its sites. Taking a site away while members of the company are
 * there is refused with how many they are, unless `offboardMembers`: then they are removed (each
 * through their lifecycle) before the site goes.
 */
export async function updateCompany(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { operatorId: string; companyId: string; name?: string; siteIds?: string[]; offboardMembers?: boolean; actor: string },
): Promise<CompanyView> {
  const before = await getCompany(deps.em, input.operatorId, input.companyId);
  if (before.offboardedAt) throw new DomainError('company_offboarded', 'conflict', `${before.name} has left: it can no longer be changed`);
  const next = input.siteIds ? [...new Set(input.siteIds)] : before.siteIds;
  if (!next.length) throw new DomainError('site_required', 'unprocessable', 'a company keeps at least one site (offboard it to end its contract)', { field: 'siteIds' });
  const added = next.filter((id) => !before.siteIds.includes(id));
  const taken = before.siteIds.filter((id) => !next.includes(id));
  if (added.length) {
    const known = await deps.em.getKysely().selectFrom('site').select('id').where('operator_id', '=', input.operatorId).where('id', 'in', added).execute();
    const unknown = added.filter((id) => !known.some((k) => k.id === id));
    if (unknown.length) throw new DomainError('site_not_found', 'unprocessable', `no site ${unknown.join(', ')} among the operator's sites`, { field: 'siteIds', siteIds: unknown });
  }
  if (taken.length) {
    const there = await deps.em
      .getKysely()
      .selectFrom('member')
      .select(['id', 'site_id'])
      .where('organization_id', '=', input.companyId)
      .where('status', '<>', 'removed')
      .where('site_id', 'in', taken)
      .execute();
    if (there.length && !input.offboardMembers) {
      throw new DomainError('site_has_members', 'conflict', `${there.length} member(s) of ${before.name} are at the site(s) taken away: move or remove them first, or send offboardMembers=true`, {
        members: there.length,
        siteIds: [...new Set(there.map((m) => m.site_id))],
      });
    }
    for (const member of there) {
      await deps.lifecycles.remove(member.id, { actor: input.actor, reason: 'site no longer granted to the company' }).catch((error: unknown) => {
        if (!(error instanceof DomainError && (error.code === 'member_removed' || error.code === 'lifecycle_not_running'))) throw error;
      });
    }
  }
  await deps.em.transactional(async (tx) => {
    const name = input.name?.trim();
    if (name && name !== before.name) {
      await tx.getKysely().updateTable('organization').set({ name }).where('id', '=', input.companyId).execute();
      await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.renamed', data: { from: before.name, to: name } });
    }
    const db = tx.getKysely();
    if (taken.length) await db.deleteFrom('company_site').where('organization_id', '=', input.companyId).where('site_id', 'in', taken).execute();
    if (added.length) {
      await db
        .insertInto('company_site')
        .values(added.map((siteId) => ({ organization_id: input.companyId, site_id: siteId, granted_at: dbNow })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (added.length || taken.length) {
      // Granting a site grants its common zone; taking it takes every zone of it.
      await followSiteGrants(tx, input.companyId, { granted: added, taken });
      await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.sites_changed', data: { granted: added, taken } });
    }
  });
  return getCompany(deps.em, input.operatorId, input.companyId);
}

const liveOffboarding = async (em: EntityManager, companyId: string) =>
  em.getKysely().selectFrom('company_offboarding').selectAll().where('organization_id', '=', companyId).where('state', 'in', ['scheduled', 'running']).orderBy('created_at', 'desc').limit(1).executeTakeFirst();

/** The end of a company's contract: at `effectiveAt` (default now) every member is removed. */
export async function scheduleCompanyOffboarding(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { operatorId: string; companyId: string; effectiveAt?: Date; actor: string },
): Promise<OffboardingView> {
  const company = await getCompany(deps.em, input.operatorId, input.companyId);
  if (company.offboardedAt) throw new DomainError('company_offboarded', 'conflict', `${company.name} has already left`);
  const effectiveAt = input.effectiveAt ?? new Date();
  const existing = await liveOffboarding(deps.em, input.companyId);
  if (existing) {
    // A start lost between the database and Temporal (a 503 earlier): the retry makes it run.
    await deps.lifecycles.startCompanyOffboarding({ companyId: input.companyId, offboardingId: existing.id, effectiveAt: iso(existing.effective_at)!, companyName: company.name });
  }
  const row = await deps.em.transactional(async (tx) => {
    // The company row's lock makes two requests at once schedule one offboarding.
    await tx.getKysely().selectFrom('organization').select('id').where('id', '=', input.companyId).forUpdate().execute();
    const live = await liveOffboarding(tx, input.companyId);
    if (live) throw new DomainError('offboarding_exists', 'conflict', `${company.name} already has an offboarding (${live.state}) for ${iso(live.effective_at)}: cancel it first to choose another date`, { offboardingId: live.id });
    const id = randomUUID();
    const workflowId = companyOffboardingWorkflowId(input.companyId, id);
    const created = await tx
      .getKysely()
      .insertInto('company_offboarding')
      .values({ id, organization_id: input.companyId, effective_at: effectiveAt, state: 'scheduled', requested_by: input.actor, removed: 0, workflow_id: workflowId, created_at: dbNow })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.offboarding_scheduled', data: { offboardingId: id, effectiveAt: effectiveAt.toISOString() } });
    return created;
  });
  await deps.lifecycles.startCompanyOffboarding({ companyId: input.companyId, offboardingId: row.id, effectiveAt: effectiveAt.toISOString(), companyName: company.name });
  return offboardingView(row);
}

/** The latest offboarding of the company (running, done or cancelled). */
export async function companyOffboardingStatus(em: EntityManager, operatorId: string, companyId: string): Promise<OffboardingView> {
  const company = await getCompany(em, operatorId, companyId);
  if (!company.offboarding) throw new DomainError('offboarding_not_found', 'not_found', `${company.name} has no offboarding`);
  return company.offboarding;
}

/** Cancels a scheduled offboarding; once members are being removed it cannot be undone. */
export async function cancelCompanyOffboarding(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { operatorId: string; companyId: string; actor: string },
): Promise<OffboardingView> {
  const company = await getCompany(deps.em, input.operatorId, input.companyId);
  const live = await liveOffboarding(deps.em, input.companyId);
  if (!live) throw new DomainError('offboarding_not_found', 'not_found', `${company.name} has no scheduled offboarding to cancel`);
  if (live.state === 'running') throw new DomainError('offboarding_started', 'conflict', `the offboarding of ${company.name} has started: members are being removed`);
  await deps.lifecycles.cancelCompanyOffboarding(live.workflow_id, input.actor);
  // The workflow accepted it, so it will remove no one: the row says so now (its own step
  // finds it done).
  return deps.em.transactional(async (tx) => {
    const db = tx.getKysely();
    const row = await db
      .updateTable('company_offboarding')
      .set({ state: 'cancelled', cancelled_by: input.actor, finished_at: dbNow })
      .where('id', '=', live.id)
      .where('state', '=', 'scheduled')
      .returningAll()
      .executeTakeFirst();
    if (row) await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.offboarding_cancelled', data: { offboardingId: live.id } });
    return offboardingView(row ?? (await db.selectFrom('company_offboarding').selectAll().where('id', '=', live.id).executeTakeFirstOrThrow()));
  });
}
