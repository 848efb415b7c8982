// How people join and sign in to a company: the e-mail domains its admin declares and the operator
// confirms (a domain is the company's claim on everyone at it, so someone who runs the buildings
// checks it), its join policy, and its single sign-on provider. Every change is audited.
import type { EntityManager } from '../../db/orm.ts';
import type { CompanySso, JoinPolicy } from '../../db/entities/index.ts';
import { dbNow, jsonb } from '../../db/sql.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import type { Secrets } from '../secrets.ts';
import { discover, issuerProblem, ssoCallbackPath } from './sso.ts';
import { companyOfDomain } from './sign-up.ts';

export interface CompanySignInView {
  joinPolicy: JoinPolicy;
  domains: { domain: string; confirmed: boolean; declaredAt: string; confirmedAt: string | null }[];
  /** Never the client secret. */
  sso: { issuer: string; clientId: string; label: string; required: boolean; redirectUri: string } | null;
}

// A host name: labels of letters, digits and hyphens, at least one dot. Public mail providers are
// refused: "everyone at gmail.com" is nobody's company.
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PUBLIC_MAIL = new Set(['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.fr', 'live.com', 'live.fr', 'yahoo.com', 'yahoo.fr', 'icloud.com', 'me.com', 'orange.fr', 'free.fr', 'laposte.net', 'sfr.fr', 'wanadoo.fr', 'proton.me', 'protonmail.com', 'gmx.fr', 'gmx.com']);

export function domainProblem(domain: string): string | undefined {
  if (!DOMAIN.test(domain)) return 'a domain is a host name such as acme.fr';
  if (PUBLIC_MAIL.has(domain)) return `${domain} is a public mail provider: declare your company's own domain`;
  return undefined;
}

export async function getCompanySignIn(em: EntityManager, companyId: string, publicUrl: string): Promise<CompanySignInView> {
  const db = em.getKysely();
  const company = await db.selectFrom('organization').select(['join_policy', 'sso']).where('id', '=', companyId).executeTakeFirst();
  if (!company) throw new DomainError('organization_not_found', 'not_found', 'no such company');
  const domains = await db.selectFrom('company_domain').select(['domain', 'declared_at', 'confirmed_at']).where('organization_id', '=', companyId).orderBy('domain').execute();
  return {
    joinPolicy: company.join_policy,
    domains: domains.map((d) => ({ domain: d.domain, confirmed: d.confirmed_at !== null, declaredAt: new Date(d.declared_at).toISOString(), confirmedAt: d.confirmed_at ? new Date(d.confirmed_at).toISOString() : null })),
    sso: company.sso
      ? { issuer: company.sso.issuer, clientId: company.sso.clientId, label: company.sso.label, required: company.sso.required, redirectUri: publicUrl + ssoCallbackPath }
      : null,
  };
}

/** The company admin declares a domain; it works once the operator confirms it. */
export async function declareDomain(em: EntityManager, input: { companyId: string; domain: string; actor: string }): Promise<void> {
  const domain = input.domain.trim().toLowerCase();
  const problem = domainProblem(domain);
  if (problem) throw new DomainError('domain_rejected', 'unprocessable', problem, { field: 'domain' });
  await em.transactional(async (tx) => {
    const db = tx.getKysely();
    const taken = await db.selectFrom('company_domain').select('organization_id').where('domain', '=', domain).forUpdate().executeTakeFirst();
    if (taken?.organization_id === input.companyId) return;
    if (taken) throw new DomainError('domain_taken', 'conflict', `${domain} is declared by another company: the operator can sort it out`);
    await db.insertInto('company_domain').values({ domain, organization_id: input.companyId, declared_by: input.actor, declared_at: dbNow }).execute();
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'company.domain_declared', data: { domain } });
  });
}

export async function withdrawDomain(em: EntityManager, input: { companyId: string; domain: string; actor: string }): Promise<void> {
  await em.transactional(async (tx) => {
    const gone = await tx.getKysely().deleteFrom('company_domain').where('domain', '=', input.domain.toLowerCase()).where('organization_id', '=', input.companyId).returning('domain').executeTakeFirst();
    if (!gone) throw new DomainError('domain_not_found', 'not_found', `${input.domain} is not one of this company's domains`);
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'company.domain_withdrawn', data: { domain: gone.domain } });
  });
}

/** The operator confirms (or takes back) a company's domain. */
export async function confirmDomain(em: EntityManager, input: { companyId: string; domain: string; confirmed: boolean; actor: string }): Promise<void> {
  await em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .updateTable('company_domain')
      .set(input.confirmed ? { confirmed_at: dbNow, confirmed_by: input.actor } : { confirmed_at: null, confirmed_by: null })
      .where('domain', '=', input.domain.toLowerCase())
      .where('organization_id', '=', input.companyId)
      .returning('domain')
      .executeTakeFirst();
    if (!row) throw new DomainError('domain_not_found', 'not_found', `${input.domain} is not one of this company's domains`);
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: input.confirmed ? 'company.domain_confirmed' : 'company.domain_unconfirmed', data: { domain: row.domain } });
  });
}

export async function setJoinPolicy(em: EntityManager, input: { companyId: string; joinPolicy: JoinPolicy; actor: string }): Promise<void> {
  await em.transactional(async (tx) => {
    const before = await tx.getKysely().selectFrom('organization').select('join_policy').where('id', '=', input.companyId).forUpdate().executeTakeFirstOrThrow();
    if (before.join_policy === input.joinPolicy) return;
    await tx.getKysely().updateTable('organization').set({ join_policy: input.joinPolicy }).where('id', '=', input.companyId).execute();
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'company.join_policy_changed', data: { from: before.join_policy, to: input.joinPolicy } });
  });
}

/**
 * The company's OpenID provider. Its discovery document is fetched before anything is saved, so
 * a wrong issuer, or one that cannot be reached, is said now rather than at someone's sign-in.
 * An absent secret keeps the one already stored.
 */
export async function setCompanySso(
  deps: { em: EntityManager; secrets: Secrets },
  input: { companyId: string; actor: string; issuer: string; clientId: string; clientSecret?: string; label: string; required: boolean },
): Promise<void> {
  const issuer = input.issuer.trim().replace(/\/$/, '');
  const problem = issuerProblem(issuer);
  if (problem) throw new DomainError('sso_rejected', 'unprocessable', problem, { field: 'issuer' });
  const db = deps.em.getKysely();
  const current = await db.selectFrom('organization').select('sso').where('id', '=', input.companyId).executeTakeFirstOrThrow();
  const sealed = input.clientSecret ? deps.secrets.encrypt(input.clientSecret) : current.sso?.clientSecretSealed;
  if (!sealed) throw new DomainError('sso_rejected', 'unprocessable', 'clientSecret is required', { field: 'clientSecret' });
  try {
    await discover({ issuer, clientId: input.clientId }, deps.secrets.decrypt(sealed));
  } catch (error) {
    throw new DomainError('sso_rejected', 'unprocessable', `the issuer's discovery document could not be read: ${(error as Error).message}`, { field: 'issuer' });
  }
  const sso: CompanySso = { issuer, clientId: input.clientId, clientSecretSealed: sealed, label: input.label.trim() || 'SSO', required: input.required };
  await deps.em.transactional(async (tx) => {
    await tx.getKysely().updateTable('organization').set({ sso: jsonb<CompanySso>(sso) }).where('id', '=', input.companyId).execute();
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'company.sso_changed', data: { issuer, clientId: input.clientId, label: sso.label, required: sso.required, secretChanged: Boolean(input.clientSecret) } });
  });
}

export async function removeCompanySso(em: EntityManager, input: { companyId: string; actor: string }): Promise<void> {
  await em.transactional(async (tx) => {
    const row = await tx.getKysely().updateTable('organization').set({ sso: null }).where('id', '=', input.companyId).where('sso', 'is not', null).returning('id').executeTakeFirst();
    if (row) await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'company.sso_removed' });
  });
}

/** The company whose confirmed domain this address is at, with single sign-on: where "Sign in with …" leads. */
export async function ssoForEmail(em: EntityManager, email: string): Promise<{ companyId: string; label: string } | undefined> {
  const company = await companyOfDomain(em, email);
  return company?.sso ? { companyId: company.companyId, label: company.sso.label } : undefined;
}
