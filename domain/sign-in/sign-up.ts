// "S'inscrire" (Spaces' help page): anyone enters an address. The answer is the same, in the same
// time, whatever happens next (the password reset's rule): the request only starts a `signUp`
// workflow, which decides off the request. An address on record gets the usual e-mail (a reset
// code, or its invitation again); an address at a company's confirmed domain gets a verification
// link; any other address gets nothing. The link's GET shows the form; its POST (name and
// password) adds the member, who joins at once or waits for an admin, per the company's policy.
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { CompanySso, JoinPolicy } from '../../db/entities/index.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { hashPassword, passwordProblem } from '../passwords.ts';
import type { Secrets } from '../secrets.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { inviteMember } from '../members/invite-member.ts';

import { SIGN_UP_LINK_TTL_MS } from './sign-up-ttl.ts';

export type SignUpRoute =
  | { kind: 'on_record' }
  | { kind: 'domain'; signUpId: string; companyId: string }
  | { kind: 'none' };

/** The answer and its timing do not depend on the address: the work happens in the workflow. */
export async function requestSignUp(lifecycles: LifecycleGateway, input: { email: string; locale: 'fr' | 'en' }): Promise<void> {
  await lifecycles.startSignUp(input.email.trim().toLowerCase(), input.locale);
}

/** The address's domain, if it is one a company declared and the operator confirmed. */
export async function companyOfDomain(em: EntityManager, email: string): Promise<{ companyId: string; joinPolicy: JoinPolicy; sso: CompanySso | null } | undefined> {
  const domain = email.trim().split('@')[1]?.toLowerCase();
  if (!domain) return undefined;
  return em
    .getKysely()
    .selectFrom('company_domain as d')
    .innerJoin('organization as o', 'o.id', 'd.organization_id')
    .select(['o.id as companyId', 'o.join_policy as joinPolicy', 'o.sso'])
    .where('d.domain', '=', domain)
    .where('d.confirmed_at', 'is not', null)
    .where('o.offboarded_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The `signUp` workflow's decision. Members on record whose invitation is still open get it again
 * (through their lifecycle: the old link dies); those with a password are left to the workflow,
 * which sends them a reset code as "forgot my password" does.
 */
export async function routeSignUp(deps: { em: EntityManager; lifecycles: LifecycleGateway }, input: { email: string; locale: 'fr' | 'en' }): Promise<SignUpRoute> {
  const db = deps.em.getKysely();
  const onRecord = await db.selectFrom('member').select(['id', 'status', 'password_hash']).where('email', '=', input.email).where('status', '<>', 'removed').execute();
  if (onRecord.length) {
    for (const member of onRecord) {
      if (!member.password_hash && (member.status === 'invited' || member.status === 'invitation_expired')) {
        // A lifecycle that refuses (its password was just set) has nothing to resend: fine.
        await deps.lifecycles.resendInvitation(member.id, 'sign-up').catch((error: unknown) => {
          if (!(error instanceof DomainError)) throw error;
        });
      }
    }
    return { kind: 'on_record' };
  }
  const company = await companyOfDomain(deps.em, input.email);
  if (!company) return { kind: 'none' };
  const row = await db
    .insertInto('sign_up_request')
    .values({ id: sql<string>`gen_random_uuid()`, organization_id: company.companyId, email: input.email, locale: input.locale, created_at: dbNow, expires_at: new Date(Date.now() + SIGN_UP_LINK_TTL_MS) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { kind: 'domain', signUpId: row.id, companyId: company.companyId };
}

export interface SignUpLink {
  signUpId: string;
  companyId: string;
  company: string;
  email: string;
  approval: boolean;
}

/** The link's request, if it can still be used (a GET: nothing consumed). */
export async function inspectSignUp(em: EntityManager, secrets: Secrets, token: string, lock = false): Promise<SignUpLink> {
  const id = secrets.verifyToken(token);
  const dead = (code: string, message: string) => new DomainError(code, code === 'sign_up_invalid' ? 'not_found' : 'gone', message);
  if (!id) throw dead('sign_up_invalid', 'this sign-up link is not valid');
  let query = em
    .getKysely()
    .selectFrom('sign_up_request as r')
    .innerJoin('organization as o', 'o.id', 'r.organization_id')
    .select(['r.id', 'r.organization_id', 'r.email', 'r.expires_at', 'r.consumed_at', 'o.name', 'o.join_policy'])
    .where('r.id', '=', id);
  if (lock) query = query.forUpdate('r');
  const row = await query.executeTakeFirst();
  if (!row) throw dead('sign_up_invalid', 'this sign-up link is not valid');
  if (row.consumed_at) throw dead('sign_up_used', 'this sign-up link was already used: sign in, or ask for a new one');
  if (new Date(row.expires_at).getTime() <= Date.now()) throw dead('sign_up_expired', 'this sign-up link has expired: ask for a new one');
  // The domain may have been withdrawn since the link went out.
  const company = await companyOfDomain(em, row.email);
  if (company?.companyId !== row.organization_id) throw dead('sign_up_invalid', 'this company no longer takes sign-ups from this address');
  return { signUpId: row.id, companyId: row.organization_id, company: row.name, email: row.email, approval: row.join_policy === 'approval' };
}

/**
 * Someone joining by themself (the link's form, or their company's provider): a User at the
 * company's first site, through the same `inviteMember` as an invitation (its seats, the company
 * leaving, one row per address). Someone removed earlier does not come back this way: only an
 * admin brings back whom HR or SCIM removed.
 */
export async function joinCompany(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { companyId: string; email: string; name: string; locale: 'fr' | 'en'; via: 'sign_up' | 'sso'; approval: boolean; passwordHash: string | null },
) {
  const site = await deps.em.getKysely().selectFrom('company_site').select('site_id').where('organization_id', '=', input.companyId).orderBy('granted_at').limit(1).executeTakeFirst();
  return inviteMember(deps, {
    companyId: input.companyId, email: input.email, name: input.name, role: 'user', locale: input.locale, siteId: site?.site_id, actor: input.via === 'sso' ? 'sso' : 'sign-up',
    reinviteRemoved: false,
    joined: { via: input.via, approval: input.approval, passwordHash: input.passwordHash },
  });
}

/**
 * The link's POST: the person names themself and chooses a password. They join as a User at the
 * company's first site, within its seats; with the approval policy they wait for an admin.
 */
export async function completeSignUp(
  deps: { em: EntityManager; lifecycles: LifecycleGateway; secrets: Secrets },
  input: { token: string; name: string; password: string; locale: 'fr' | 'en' },
): Promise<{ memberId: string; companyId: string; approval: boolean }> {
  const weak = passwordProblem(input.password);
  if (weak) throw new DomainError('password_rejected', 'invalid', weak);
  const link = await inspectSignUp(deps.em, deps.secrets, input.token);
  const passwordHash = await hashPassword(input.password);
  const joined = await joinCompany(deps, { companyId: link.companyId, email: link.email, name: input.name, locale: input.locale, via: 'sign_up', approval: link.approval, passwordHash });
  // Used once the member exists: a link that failed (no seat left) can be tried again later.
  await deps.em.transactional(async (em) => {
    await em.getKysely().updateTable('sign_up_request').set({ consumed_at: dbNow }).where('id', '=', link.signUpId).where('consumed_at', 'is', null).execute();
    await recordAudit(em, { companyId: link.companyId, memberId: joined.memberId, actor: `member:${joined.memberId}`, type: 'account.password_created', data: { signUpId: link.signUpId } });
  });
  return { memberId: joined.memberId, companyId: link.companyId, approval: link.approval };
}
