// The operator's view of its customer companies: which sites each may use, how many members it
// has, and its end of contract. Every change is audited under the operator admin who made it.
import type { EntityManager } from '../../db/orm.ts';
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

interface OffboardingRow {
  id: string;
  state: OffboardingView['state'];
  effective_at: Date;
  requested_by: string;
  total: number | null;
  removed: number;
  started_at: Date | null;
  finished_at: Date | null;
  cancelled_by: string | null;
  workflow_id: string;
}

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

const SELECT_COMPANY = `
  select o.id, o.name, o.created_at, o.offboarded_at,
         coalesce((select array_agg(g.site_id::text order by g.granted_at) from company_site g where g.organization_id = o.id), '{}') as site_ids,
         (select count(*)::int from member m where m.organization_id = o.id and m.status <> 'removed') as live_members,
         (select row_to_json(b) from company_offboarding b where b.organization_id = o.id order by b.created_at desc limit 1) as offboarding
    from organization o`;

interface CompanyRow {
  id: string;
  name: string;
  created_at: Date;
  offboarded_at: Date | null;
  site_ids: string[];
  live_members: number;
  offboarding: (Omit<OffboardingRow, 'effective_at' | 'started_at' | 'finished_at'> & { effective_at: string; started_at: string | null; finished_at: string | null }) | null;
}

const companyView = (r: CompanyRow): CompanyView => ({
  id: r.id,
  name: r.name,
  siteIds: r.site_ids,
  liveMembers: r.live_members,
  createdAt: iso(r.created_at)!,
  offboardedAt: iso(r.offboarded_at),
  offboarding: r.offboarding
    ? offboardingView({ ...r.offboarding, effective_at: new Date(r.offboarding.effective_at), started_at: r.offboarding.started_at ? new Date(r.offboarding.started_at) : null, finished_at: r.offboarding.finished_at ? new Date(r.offboarding.finished_at) : null })
    : null,
});

export async function listCompanies(em: EntityManager, operatorId: string): Promise<CompanyView[]> {
  const rows = await em.execute<CompanyRow[]>(`${SELECT_COMPANY} where o.operator_id = ? order by o.name, o.id`, [operatorId]);
  return rows.map(companyView);
}

/** Another operator's (or no) company is "not found". */
export async function getCompany(em: EntityManager, operatorId: string, companyId: string): Promise<CompanyView> {
  const [row] = await em.execute<CompanyRow[]>(`${SELECT_COMPANY} where o.operator_id = ? and o.id = ?`, [operatorId, companyId]);
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
    const known = await deps.em.execute<{ id: string }[]>(`select id from site where operator_id = ? and id in (${added.map(() => '?').join(', ')})`, [input.operatorId, ...added]);
    const unknown = added.filter((id) => !known.some((k) => k.id === id));
    if (unknown.length) throw new DomainError('site_not_found', 'unprocessable', `no site ${unknown.join(', ')} among the operator's sites`, { field: 'siteIds', siteIds: unknown });
  }
  if (taken.length) {
    const there = await deps.em.execute<{ id: string; site_id: string }[]>(
      `select id, site_id from member where organization_id = ? and status <> 'removed' and site_id in (${taken.map(() => '?').join(', ')})`,
      [input.companyId, ...taken],
    );
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
      await tx.execute('update organization set name = ? where id = ?', [name, input.companyId]);
      await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.renamed', data: { from: before.name, to: name } });
    }
    if (taken.length) await tx.execute(`delete from company_site where organization_id = ? and site_id in (${taken.map(() => '?').join(', ')})`, [input.companyId, ...taken]);
    for (const siteId of added) await tx.execute('insert into company_site (organization_id, site_id, granted_at) values (?, ?, now()) on conflict do nothing', [input.companyId, siteId]);
    if (added.length || taken.length) {
      await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.sites_changed', data: { granted: added, taken } });
    }
  });
  return getCompany(deps.em, input.operatorId, input.companyId);
}

const liveOffboarding = async (em: EntityManager, companyId: string) =>
  (await em.execute<OffboardingRow[]>(`select * from company_offboarding where organization_id = ? and state in ('scheduled', 'running') order by created_at desc limit 1`, [companyId]))[0];

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
    await tx.execute('select id from organization where id = ? for update', [input.companyId]);
    const live = await liveOffboarding(tx, input.companyId);
    if (live) throw new DomainError('offboarding_exists', 'conflict', `${company.name} already has an offboarding (${live.state}) for ${iso(live.effective_at)}: cancel it first to choose another date`, { offboardingId: live.id });
    const [created] = await tx.execute<OffboardingRow[]>(
      `insert into company_offboarding (id, organization_id, effective_at, state, requested_by, removed, workflow_id, created_at)
       values (gen_random_uuid(), ?, ?, 'scheduled', ?, 0, '', now()) returning *`,
      [input.companyId, effectiveAt, input.actor],
    );
    const workflowId = companyOffboardingWorkflowId(input.companyId, created!.id);
    await tx.execute('update company_offboarding set workflow_id = ? where id = ?', [workflowId, created!.id]);
    await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.offboarding_scheduled', data: { offboardingId: created!.id, effectiveAt: effectiveAt.toISOString() } });
    return { ...created!, workflow_id: workflowId };
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
    const [row] = await tx.execute<OffboardingRow[]>(
      `update company_offboarding set state = 'cancelled', cancelled_by = ?, finished_at = now() where id = ? and state = 'scheduled' returning *`,
      [input.actor, live.id],
    );
    if (row) await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.offboarding_cancelled', data: { offboardingId: live.id } });
    return offboardingView(row ?? (await tx.execute<OffboardingRow[]>('select * from company_offboarding where id = ?', [live.id]))[0]!);
  });
}
