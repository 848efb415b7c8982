// "Forgot my password": a 6-digit code by e-mail, valid 15 minutes, 5 tries. The code is derived
// from the token id with the deployment's key (like invitation links), so neither the database
// nor the e-mail workflow's history holds it. The e-mail goes out through a Temporal workflow:
// retried until delivered, never sent twice.
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { replaceToken } from './tokens.ts';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { hashPassword, passwordProblem } from '../passwords.ts';
import type { Secrets } from '../secrets.ts';
import { createSession, type Session } from './sessions.ts';

import { RESET_CODE_TRIES, RESET_CODE_TTL_MS } from './reset-code.ts';
import { ssoNotRequired } from './sso-required.ts';


/**
 * Always succeeds from the caller's point of view (no account enumeration) — and in the same time:
 * the request only starts a `passwordReset` workflow, whether or not the address has an account;
 * looking the accounts up, issuing the codes and e-mailing them happen there, off the request.
 */
export async function requestPasswordReset(lifecycles: LifecycleGateway, input: { email: string }): Promise<void> {
  await lifecycles.startPasswordReset(input.email.trim().toLowerCase());
}

export interface IssuedResetCode {
  tokenId: string;
  memberId: string;
  companyId: string;
}

/**
 * Each live account with a password under this address gets its own code; a new request replaces
 * older codes. Run by the `passwordReset` workflow's activity.
 */
export async function issuePasswordResetCodes(em: EntityManager, email: string): Promise<IssuedResetCode[]> {
  const accounts = await em
    .getKysely()
    .selectFrom('member')
    .innerJoin('organization as o', 'o.id', 'member.organization_id')
    .select(['member.id', 'member.organization_id'])
    .where('member.email', '=', email)
    .where('member.password_hash', 'is not', null)
    .where('member.status', 'not in', ['removed', 'awaiting_approval'])
    // A company that requires single sign-on has no passwords to reset.
    .where(ssoNotRequired)
    .execute();
  const issued: IssuedResetCode[] = [];
  for (const account of accounts) {
    const tokenId = randomUUID();
    await em.transactional(async (tx) => {
      await replaceToken(tx, { memberId: account.id, purpose: 'password_reset', tokenId, expiresAt: new Date(Date.now() + RESET_CODE_TTL_MS) });
      await recordAudit(tx, { companyId: account.organization_id, memberId: account.id, actor: `member:${account.id}`, type: 'account.password_reset_requested', data: { tokenId } });
    });
    issued.push({ tokenId, memberId: account.id, companyId: account.organization_id });
  }
  return issued;
}

const codeInvalid = () => new DomainError('reset_code_invalid', 'invalid', 'this code is wrong, expired or used up: ask for a new one');

/** The code and a new password → the password replaced, every other session ended, a new session. */
export async function confirmPasswordReset(
  deps: { em: EntityManager; secrets: Secrets },
  input: { email: string; code: string; password: string },
): Promise<Session & { memberId: string; companyId: string }> {
  const weak = passwordProblem(input.password);
  if (weak) throw new DomainError('password_rejected', 'invalid', weak);
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
  const outcome = await deps.em.transactional(async (em) => {
    const db = em.getKysely();
    const tokens = await db
      .selectFrom('auth_token as t')
      .innerJoin('member as m', 'm.id', 't.member_id')
      .select(['t.id', 't.member_id', 'm.organization_id'])
      .where('m.email', '=', email)
      .where('m.status', '<>', 'removed')
      .where('t.purpose', '=', 'password_reset')
      .where('t.revoked_at', 'is', null)
      .where('t.consumed_at', 'is', null)
      .where('t.expires_at', '>', dbNow)
      .where('t.attempts', '<', RESET_CODE_TRIES)
      .forUpdate('t')
      .execute();
    const given = Buffer.from(input.code);
    const match = tokens.find((t) => {
      const expected = Buffer.from(deps.secrets.codeFor(t.id));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!match) {
      // Every live code of the address pays for a wrong try, so spreading guesses gains nothing.
      if (tokens.length) await db.updateTable('auth_token').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', 'in', tokens.map((t) => t.id)).execute();
      return undefined;
    }
    await db.updateTable('auth_token').set({ consumed_at: dbNow }).where('id', '=', match.id).execute();
    await db.updateTable('auth_token').set({ revoked_at: dbNow }).where('member_id', '=', match.member_id).where('purpose', '=', 'session').where('revoked_at', 'is', null).execute();
    await db.updateTable('member').set({ password_hash: passwordHash, updated_at: dbNow }).where('id', '=', match.member_id).execute();
    await recordAudit(em, { companyId: match.organization_id, memberId: match.member_id, actor: `member:${match.member_id}`, type: 'account.password_reset' });
    const session = await createSession(em, match.member_id);
    return { ...session, memberId: match.member_id, companyId: match.organization_id };
  });
  // Wrong tries must be counted even though the request fails: hence the throw after the commit.
  if (!outcome) throw codeInvalid();
  return outcome;
}
