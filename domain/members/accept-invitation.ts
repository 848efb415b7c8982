import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import { ssoNotRequired } from '../auth/sso-required.ts';
import type { EntityManager } from '../../db/orm.ts';
import { linkToken } from '../auth/tokens.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { hashPassword, passwordProblem } from '../passwords.ts';
import type { Secrets } from '../secrets.ts';
import type { LifecycleGateway } from './lifecycle-gateway.ts';


/** Looks an invitation link up without consuming it (what a GET may do: mail scanners open links). */
export async function inspectInvitation(
  em: EntityManager,
  secrets: Secrets,
  token: string,
): Promise<{ memberId: string; tokenId: string; email: string; name: string; company: string; expiresAt: Date }> {
  const row = await findToken(em, secrets, token, false);
  return { memberId: row.member_id, tokenId: row.id, email: row.email, name: row.name, company: row.company, expiresAt: new Date(row.expires_at) };
}

async function findToken(em: EntityManager, secrets: Secrets, token: string, lock: boolean) {
  const tokenId = secrets.verifyToken(token);
  if (!tokenId) throw new DomainError('invitation_invalid', 'not_found', 'this invitation link is not valid');
  const row = await linkToken(em, tokenId, 'invitation', lock);
  if (!row || row.status === 'removed') throw new DomainError('invitation_invalid', 'not_found', 'this invitation link is not valid');
  if (row.consumed_at) throw new DomainError('invitation_used', 'gone', 'this invitation link was already used: sign in with your password');
  if (row.revoked_at) throw new DomainError('invitation_replaced', 'gone', 'a newer invitation was sent: use the link of the latest e-mail');
  if (new Date(row.expires_at).getTime() <= Date.now()) throw new DomainError('invitation_expired', 'gone', 'this invitation link has expired: ask an administrator to send a new one');
  return row;
}

/**
 * The member's POST on their invitation link: the token is consumed and the password stored in
 * one transaction, then the lifecycle learns it. Should that signal be lost, the lifecycle still
 * finds the password in the database when the link would have expired.
 */
export async function acceptInvitation(
  deps: { em: EntityManager; lifecycles: LifecycleGateway; secrets: Secrets },
  options: { token: string; password: string },
): Promise<{ memberId: string; companyId: string; lifecycleNotified: boolean }> {
  const weak = passwordProblem(options.password);
  if (weak) throw new DomainError('password_rejected', 'invalid', weak);
  const passwordHash = await hashPassword(options.password);
  const row = await deps.em.transactional(async (em) => {
    const token = await findToken(em, deps.secrets, options.token, true);
    const company = await em.getKysely().selectFrom('organization as o').select(['o.name', sql<boolean>`not (${ssoNotRequired})`.as('sso_required')]).where('o.id', '=', token.organization_id).executeTakeFirstOrThrow();
    if (company.sso_required) throw new DomainError('sso_required', 'forbidden', `${company.name} signs its members in with single sign-on: no password is created`, { companyId: token.organization_id });
    await em.getKysely().updateTable('auth_token').set({ consumed_at: dbNow }).where('id', '=', token.id).execute();
    await em.getKysely().updateTable('member').set({ password_hash: passwordHash, updated_at: dbNow }).where('id', '=', token.member_id).execute();
    await recordAudit(em, {
      companyId: token.organization_id,
      memberId: token.member_id,
      actor: `member:${token.member_id}`,
      type: 'account.password_created',
      data: { tokenId: token.id },
    });
    return token;
  });
  // The password is stored: an unreachable Temporal must not turn that into a failure. The next
  // sign-in tells the lifecycle again, and at the latest the expiry check finds the password.
  const lifecycleNotified = await deps.lifecycles.passwordSet(row.member_id, `member:${row.member_id}`);
  return { memberId: row.member_id, companyId: row.organization_id, lifecycleNotified };
}
