// A member who has a password signs in with their address: whoever changes it (an admin, the HR
// system's key, the identity provider) could otherwise take the account over by moving it to an
// address they read, then asking for a password reset there. So the change waits for the new
// address to confirm (a link sent there), the old address is told at once, and every session
// ends when the change takes effect. Before a password exists, the address is simply corrected
// and the invitation goes to it (update-member.ts): there is no account yet to take over.
import { randomUUID } from 'node:crypto';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { linkToken, replaceToken } from '../auth/tokens.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import type { Secrets } from '../secrets.ts';
import { EMAIL_CHANGE_TTL_MS } from './email-change-ttl.ts';

const taken = (email: string, memberId?: string) => new DomainError('member_exists', 'conflict', `${email} is already a member of this company`, { memberId });

/** Refuses an address another member of the company already signs in with. */
export async function refuseTakenAddress(em: EntityManager, input: { companyId: string; memberId: string; email: string }): Promise<void> {
  const other = await em.getKysely().selectFrom('member').select('id').where('organization_id', '=', input.companyId).where('email', '=', input.email).where('id', '<>', input.memberId).executeTakeFirst();
  if (other) throw taken(input.email, other.id);
}

/**
 * Records the pending change (a newer request replaces an older one), in the caller's transaction
 * with the rest of the member's update: an address already taken refuses the whole update. The
 * caller then starts the `emailChange` workflow (the old address told, then the new one asked).
 */
export async function recordEmailChange(em: EntityManager, input: { companyId: string; memberId: string; from: string; to: string; actor: string }): Promise<{ tokenId: string }> {
  await refuseTakenAddress(em, { companyId: input.companyId, memberId: input.memberId, email: input.to });
  const tokenId = randomUUID();
  await replaceToken(em, { memberId: input.memberId, purpose: 'email_change', tokenId, expiresAt: new Date(Date.now() + EMAIL_CHANGE_TTL_MS), newEmail: input.to });
  await recordAudit(em, { companyId: input.companyId, memberId: input.memberId, actor: input.actor, type: 'member.email_change_requested', data: { from: input.from, to: input.to, tokenId } });
  return { tokenId };
}

interface PendingChange {
  tokenId: string;
  memberId: string;
  companyId: string;
  company: string;
  from: string;
  to: string;
  expiresAt: Date;
}

const dead = (code: 'email_change_invalid' | 'email_change_done' | 'email_change_replaced' | 'email_change_expired') =>
  new DomainError(code, code === 'email_change_invalid' ? 'not_found' : 'gone', {
    email_change_invalid: 'this confirmation link is not valid',
    email_change_done: 'this address change was already confirmed: sign in with the new address',
    email_change_replaced: 'a newer change was asked for: use the link of the latest e-mail',
    email_change_expired: 'this confirmation link has expired: ask your administrator to change the address again',
  }[code]);

async function findChange(em: EntityManager, secrets: Secrets, token: string, lock: boolean): Promise<PendingChange> {
  const tokenId = secrets.verifyToken(token);
  if (!tokenId) throw dead('email_change_invalid');
  const row = await linkToken(em, tokenId, 'email_change', lock);
  if (!row || row.status === 'removed' || !row.new_email) throw dead('email_change_invalid');
  if (row.consumed_at) throw dead('email_change_done');
  if (row.revoked_at) throw dead('email_change_replaced');
  if (new Date(row.expires_at).getTime() <= Date.now()) throw dead('email_change_expired');
  return { tokenId: row.id, memberId: row.member_id, companyId: row.organization_id, company: row.company, from: row.email, to: row.new_email, expiresAt: new Date(row.expires_at) };
}

/** What the link's page shows; a GET decides nothing (mail scanners open links first). */
export const inspectEmailChange = (em: EntityManager, secrets: Secrets, token: string) => findChange(em, secrets, token, false);

/**
 * The new address's POST: the address changes, the link is used up, and every session, reset
 * code and other pending change of the account ends, in one transaction.
 */
export async function confirmEmailChange(deps: { em: EntityManager; secrets: Secrets }, token: string): Promise<PendingChange> {
  return deps.em.transactional(async (em) => {
    const change = await findChange(em, deps.secrets, token, true);
    // Taken meanwhile (an invitation to that address since the request): refused, nothing changes.
    await refuseTakenAddress(em, { companyId: change.companyId, memberId: change.memberId, email: change.to });
    const db = em.getKysely();
    await db.updateTable('member').set({ email: change.to, updated_at: dbNow }).where('id', '=', change.memberId).execute();
    await db.updateTable('auth_token').set({ consumed_at: dbNow }).where('id', '=', change.tokenId).execute();
    await db
      .updateTable('auth_token')
      .set({ revoked_at: dbNow })
      .where('member_id', '=', change.memberId)
      .where('id', '<>', change.tokenId)
      .where('purpose', 'in', ['session', 'password_reset', 'email_change'])
      .where('consumed_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    await recordAudit(em, {
      companyId: change.companyId, memberId: change.memberId, actor: `member:${change.memberId}`, type: 'member.email_changed',
      data: { changes: { email: { from: change.from, to: change.to } }, tokenId: change.tokenId, sessionsEnded: true },
    });
    return change;
  });
}
