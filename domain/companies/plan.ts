// "Plan & billing" (Spaces' Administrator: "affichage de la facturation et des paiements, des
// produits et des services"): what the company's contract with the operator gives it — seats,
// sites, the zones and hours granted — and where its billing lives. Billing itself stays in the
// operator's own system; this page only links to it. Company admins only.
import type { EntityManager } from '../../db/orm.ts';
import type { Schedule } from '../access/schedule.ts';
import { listZoneGrants } from '../access/grants.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { seatUsage, type SeatUsage } from './seats.ts';

export interface PlanView {
  company: { id: string; name: string };
  seats: SeatUsage;
  sites: { id: string; name: string; address: string | null; openingHours: Schedule | null }[];
  zones: { siteId: string; siteName: string; zoneId: string; zoneName: string; common: boolean; schedule: Schedule | null }[];
  /** Null: the operator set neither a portal nor a contact. */
  billing: { url: string | null; contact: string | null } | null;
}

export async function companyPlan(em: EntityManager, companyId: string): Promise<PlanView> {
  const db = em.getKysely();
  const company = await db
    .selectFrom('organization as o')
    .innerJoin('operator as p', 'p.id', 'o.operator_id')
    .select(['o.id', 'o.name', 'p.billing_url', 'p.billing_contact'])
    .where('o.id', '=', companyId)
    .executeTakeFirst();
  if (!company) throw new DomainError('organization_not_found', 'not_found', 'no such company');
  const sites = await db
    .selectFrom('company_site as g')
    .innerJoin('site as s', 's.id', 'g.site_id')
    .select(['s.id', 's.name', 's.address', 's.opening_hours'])
    .where('g.organization_id', '=', companyId)
    .orderBy('s.name')
    .execute();
  const zones = await listZoneGrants(em, companyId);
  return {
    company: { id: company.id, name: company.name },
    seats: await seatUsage(em, companyId),
    sites: sites.map((s) => ({ id: s.id, name: s.name, address: s.address, openingHours: s.opening_hours })),
    zones: zones.map((z) => ({ siteId: z.siteId, siteName: z.siteName, zoneId: z.zoneId, zoneName: z.zoneName, common: z.common, schedule: z.schedule })),
    billing: company.billing_url || company.billing_contact ? { url: company.billing_url, contact: company.billing_contact } : null,
  };
}

export async function operatorBilling(em: EntityManager, operatorId: string): Promise<{ url: string | null; contact: string | null }> {
  const row = await em.getKysely().selectFrom('operator').select(['billing_url', 'billing_contact']).where('id', '=', operatorId).executeTakeFirstOrThrow();
  return { url: row.billing_url, contact: row.billing_contact };
}

/** The operator's billing portal and contact, shown to every company admin. */
export async function setOperatorBilling(em: EntityManager, input: { operatorId: string; url: string | null; contact: string | null; actor: string }): Promise<{ url: string | null; contact: string | null }> {
  return em.transactional(async (tx) => {
    await tx.getKysely().updateTable('operator').set({ billing_url: input.url, billing_contact: input.contact }).where('id', '=', input.operatorId).execute();
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'operator.billing_changed', data: { url: input.url, contact: input.contact } });
    return { url: input.url, contact: input.contact };
  });
}
