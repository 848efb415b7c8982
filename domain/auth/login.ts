import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { ssoNotRequired } from './sso-required.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { createSession, type Session } from './sessions.ts';

// Compared against when no account matches, so an unknown e-mail costs as long as a wrong password.
// Made on first use, not when the module loads: every process importing the API pays otherwise.
let decoy: Promise<string> | undefined;

export const signUpPending = (company: string) =>
  new DomainError('sign_up_pending', 'forbidden', `your request to join ${company} waits for an administrator's approval: you will get an e-mail`);

const invalid = () => new DomainError('invalid_credentials', 'unauthorized', 'the e-mail address or the password is wrong');

/**
 * E-mail + password → a session. The same address may belong to several companies; the
 * password picks the account, and only when it opens several must the caller name one.
 */
export async function login(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { email: string; password: string; companyId?: string },
): Promise<Session & { memberId: string; companyId: string }> {
  const email = input.email.trim().toLowerCase();
  let query = deps.em
    .getKysely()
    .selectFrom('member as m')
    .innerJoin('organization as o', 'o.id', 'm.organization_id')
    .select(['m.id', 'm.organization_id', 'o.name as company', 'm.password_hash', 'm.status', sql<string | null>`o.sso->>'label'`.as('sso_label'), sql<boolean>`not (${ssoNotRequired})`.as('sso_required')])
    .where('m.email', '=', email)
    .where('m.password_hash', 'is not', null)
    .where('m.status', '<>', 'removed');
  if (input.companyId) query = query.where('m.organization_id', '=', input.companyId);
  const accounts = await query.execute();
  if (!accounts.length) {
    await verifyPassword(input.password, await (decoy ??= hashPassword('decoy password that matches nothing')));
    throw invalid();
  }
  const opened = [];
  for (const account of accounts) {
    if (account.password_hash && (await verifyPassword(input.password, account.password_hash))) opened.push(account);
  }
  if (!opened.length) throw invalid();
  if (opened.length > 1) {
    throw new DomainError('organization_required', 'invalid', 'this e-mail address is a member of several companies: say which one (companyId)', {
      // The problem's field keeps its first name: integrators read it.
      organizations: opened.map((a) => ({ id: a.organization_id, name: a.company })),
    });
  }
  const member = opened[0]!;
  // Said only to whoever knows the password: it tells nothing to someone guessing.
  if (member.sso_required) {
    throw new DomainError('sso_required', 'forbidden', `${member.company} signs its members in with ${member.sso_label ?? 'its identity provider'}: use "Sign in with ${member.sso_label ?? 'single sign-on'}"`, { companyId: member.organization_id });
  }
  if (member.status === 'awaiting_approval') throw signUpPending(member.company);
  const session = await deps.em.transactional(async (em) => {
    const created = await createSession(em, member.id);
    await recordAudit(em, { companyId: member.organization_id, memberId: member.id, actor: `member:${member.id}`, type: 'account.signed_in' });
    return created;
  });
  // A password set while Temporal was unreachable never reached the lifecycle: tell it again
  // (the workflow ignores a second passwordSet).
  if (member.status === 'invited' || member.status === 'invitation_expired') {
    await deps.lifecycles.passwordSet(member.id, `member:${member.id}`);
  }
  return { ...session, memberId: member.id, companyId: member.organization_id };
}
