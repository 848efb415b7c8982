// The operator and its companies come into being here: `org:create` on a fresh install makes the
// operator (with its first site and admin) and the first company in one step; `POST /v1/companies`
// and `org:create` on an install that has an operator add companies.
import { followSiteGrants } from '../access/site-grants.ts';
import { createCommonZone } from '../sites/sites.ts';
import type { EntityManager } from '../../db/orm.ts';
import { ApiKey, AuditEvent, COMPANY_KEY_SCOPES, CompanySite, Member, Operator, OPERATOR_KEY_SCOPES, Company, Site, type MemberLocale } from '../../db/entities/index.ts';
import { generateApiKey } from '../api-keys.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { createSite } from '../sites/sites.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';

export interface NewSite {
  name: string;
  timeZone?: string;
  wifiSsid?: string;
  address?: string;
}

export interface NewCompany {
  name: string;
  /** Sites of the operator granted to the company (at least one). */
  siteIds: string[];
  admin: { email: string; name?: string; locale?: MemberLocale; operatorAdmin?: boolean };
  /** #rrggbb and an https:// logo for the e-mails' header; PATCH /v1/organization changes them later. */
  brandColor?: string;
  logoUrl?: string;
  actor: string;
}

export interface CreatedCompany {
  companyId: string;
  apiKey: string;
  adminMemberId: string;
}

/**
 * The operator adds a customer (API and pages): the company as `createCompany` makes it, then
 * its first admin's lifecycle, so the invitation goes out at once. Were Temporal down after the
 * commit, a worker's start finds the admin waiting for one.
 */
export async function addCompany(deps: { em: EntityManager; lifecycles: LifecycleGateway }, operatorId: string, input: NewCompany): Promise<CreatedCompany> {
  const created = await createCompany(deps.em, operatorId, input);
  await deps.lifecycles.start({ memberId: created.adminMemberId, companyId: created.companyId, invitedBy: input.actor });
  return created;
}

/** The installation's operator, if it has one yet. */
export async function findOperator(em: EntityManager): Promise<{ id: string; name: string } | undefined> {
  return em.getKysely().selectFrom('operator').select(['id', 'name']).orderBy('created_at').limit(1).executeTakeFirst();
}

/** The operator and its first site, and a key for its tooling. One per installation. */
export async function createOperator(em: EntityManager, input: { name: string; site: NewSite; actor: string }): Promise<{ operatorId: string; siteId: string; operatorApiKey: string }> {
  const key = generateApiKey();
  return em.transactional(async (tx) => {
    // One operator per installation, even when two first runs race: the second waits here, then finds the first's.
    // Raw on purpose: an advisory lock (two first runs at once make one operator) has no table.
    await tx.execute(`select pg_advisory_xact_lock(hashtext('onboarding:operator'))`);
    if (await findOperator(tx)) throw new DomainError('operator_exists', 'conflict', 'this installation already has its operator');
    const operator = tx.create(Operator, { name: input.name.trim() });
    const site = tx.create(Site, {
      operator,
      name: input.site.name.trim(),
      address: input.site.address?.trim() || null,
      ...(input.site.timeZone ? { timeZone: input.site.timeZone } : {}),
      ...(input.site.wifiSsid ? { wifiSsid: input.site.wifiSsid.trim() } : {}),
    });
    const apiKey = tx.create(ApiKey, { operator, company: null, name: 'Operator key', prefix: key.prefix, secretHash: key.secretHash, scopes: [...OPERATOR_KEY_SCOPES], createdBy: input.actor });
    tx.create(AuditEvent, { operator, company: null, actor: input.actor, type: 'operator.created', data: { name: operator.name, siteId: site.id, apiKeyId: apiKey.id } });
    await tx.flush();
    await createCommonZone(tx, site.id);
    return { operatorId: operator.id, siteId: site.id, operatorApiKey: key.plaintext };
  });
}

/**
 * A new customer: the company, its grants, its first admin and an API key, in one transaction.
 * The admin's lifecycle is started by the caller once this has committed.
 */
export async function createCompany(em: EntityManager, operatorId: string, input: NewCompany): Promise<CreatedCompany> {
  const key = generateApiKey();
  const siteIds = [...new Set(input.siteIds)];
  if (!siteIds.length) throw new DomainError('site_required', 'unprocessable', 'grant the company at least one site (siteIds)', { field: 'siteIds' });
  return em.transactional(async (tx) => {
    const sites = await tx.find(Site, { id: { $in: siteIds }, operator: operatorId });
    const unknown = siteIds.filter((id) => !sites.some((s) => s.id === id));
    if (unknown.length) throw new DomainError('site_not_found', 'unprocessable', `no site ${unknown.join(', ')} among the operator's sites`, { field: 'siteIds', siteIds: unknown });
    const company = tx.create(Company, {
      operator: operatorId,
      name: input.name.trim(),
      ...(input.brandColor ? { brandColor: input.brandColor.toLowerCase() } : {}),
      logoUrl: input.logoUrl ?? null,
    });
    for (const site of sites) tx.create(CompanySite, { company, site });
    const email = input.admin.email.trim().toLowerCase();
    const admin = tx.create(Member, {
      company,
      site: sites.find((s) => s.id === siteIds[0])!,
      email,
      name: input.admin.name?.trim() || email.split('@')[0]!,
      role: 'admin',
      locale: input.admin.locale ?? 'fr',
      operatorAdmin: input.admin.operatorAdmin ?? false,
    });
    const apiKey = tx.create(ApiKey, { company, name: 'Initial key', prefix: key.prefix, secretHash: key.secretHash, scopes: [...COMPANY_KEY_SCOPES], createdBy: input.actor });
    await tx.flush();
    await followSiteGrants(tx, company.id, { granted: siteIds, taken: [] });
    // Through recordAudit: the operator's webhooks hear of it (company.created) in this transaction.
    await recordAudit(tx, {
      companyId: company.id,
      operatorId,
      actor: input.actor,
      type: 'organization.created',
      data: { name: company.name, siteIds, adminMemberId: admin.id, apiKeyId: apiKey.id },
    });
    return { companyId: company.id, apiKey: key.plaintext, adminMemberId: admin.id };
  });
}

export interface CompanyAtSiteOptions {
  /** The company's name; on a fresh install also the operator's unless `operatorName` says otherwise. */
  name: string;
  operatorName?: string;
  adminEmail: string;
  adminName?: string;
  adminLocale?: MemberLocale;
  /** The operator's site to grant: an existing one of this name, or a new one. */
  siteName: string;
  siteTimeZone?: string;
  siteWifiSsid?: string;
  siteAddress?: string;
  brandColor?: string;
  logoUrl?: string;
  /** Make the first admin one of the operator's staff too (org:create on a fresh install does). */
  operatorAdmin?: boolean;
  actor: string;
}

export interface CreatedCompanyAtSite {
  operatorId: string;
  /** Only when this call made the operator: its key is shown once. */
  operatorApiKey: string | null;
  siteId: string;
  companyId: string;
  /** @deprecated The same as companyId (the name integrators knew before companies), printed by org:create for one more version. */
  organizationId: string;
  apiKey: string;
  adminMemberId: string;
}

/**
 * A company at a site in one call: makes the operator (with that site) when the install has none,
 * else finds or adds the site. `org:create`, the demo, the benchmarks and the tests start here.
 */
export async function createCompanyAtSite(em: EntityManager, options: CompanyAtSiteOptions): Promise<CreatedCompanyAtSite> {
  const site: NewSite = {
    name: options.siteName,
    ...(options.siteTimeZone ? { timeZone: options.siteTimeZone } : {}),
    ...(options.siteWifiSsid ? { wifiSsid: options.siteWifiSsid } : {}),
    ...(options.siteAddress ? { address: options.siteAddress } : {}),
  };
  const atSite = async (operatorId: string) => {
    const found = await em.getKysely().selectFrom('site').select('id').where('operator_id', '=', operatorId).where('name', '=', options.siteName.trim()).executeTakeFirst();
    return { operatorId, operatorApiKey: null, siteId: found?.id ?? (await createSite(em, { operatorId, ...site, actor: options.actor })).id };
  };
  const existing = await findOperator(em);
  const { operatorId, siteId, operatorApiKey } = existing
    ? await atSite(existing.id)
    : await createOperator(em, { name: options.operatorName ?? options.name, site, actor: options.actor }).catch(async (error: unknown) => {
        // Another first run made it meanwhile: this one adds its company to it.
        if (!(error instanceof DomainError && error.code === 'operator_exists')) throw error;
        return atSite((await findOperator(em))!.id);
      });
  const created = await createCompany(em, operatorId, {
    name: options.name,
    siteIds: [siteId],
    admin: { email: options.adminEmail, ...(options.adminName ? { name: options.adminName } : {}), ...(options.adminLocale ? { locale: options.adminLocale } : {}), operatorAdmin: options.operatorAdmin ?? false },
    ...(options.brandColor ? { brandColor: options.brandColor } : {}),
    ...(options.logoUrl ? { logoUrl: options.logoUrl } : {}),
    actor: options.actor,
  });
  return { operatorId, operatorApiKey, siteId, ...created, organizationId: created.companyId };
}

/** Another key for the operator's tooling (shown once): the benchmarks and drills use their own. */
export async function issueOperatorKey(em: EntityManager, operatorId: string, input: { name: string; actor: string }): Promise<string> {
  const key = generateApiKey();
  await em.transactional(async (tx) => {
    const apiKey = tx.create(ApiKey, { operator: operatorId, company: null, name: input.name, prefix: key.prefix, secretHash: key.secretHash, scopes: [...OPERATOR_KEY_SCOPES], createdBy: input.actor });
    tx.create(AuditEvent, { operator: operatorId, company: null, actor: input.actor, type: 'operator.key_issued', data: { apiKeyId: apiKey.id, name: input.name } });
    await tx.flush();
  });
  return key.plaintext;
}
