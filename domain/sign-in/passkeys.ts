// Passkeys (WebAuthn), through @simplewebauthn/server: a member or admin adds one on their profile
// and signs in with it, without a password (and without an e-mail: the passkey is discoverable,
// so the browser offers the accounts it holds for this site). Each challenge is single use.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isIP } from 'node:net';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { createSession, type Session } from '../auth/sessions.ts';
import { consumeChallenge, storeChallenge } from './challenges.ts';

const CHALLENGE_TTL_MS = 5 * 60_000;

/** The relying party: this deployment, as the browser sees it (PUBLIC_URL). */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/**
 * WebAuthn names a site by its domain; an IP address is no valid RP ID. A deployment reached at
 * http://127.0.0.1:PORT (the default `npm start`) is then used at http://localhost:PORT for passkeys.
 */
export function relyingParty(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  if (!isIP(url.hostname.replace(/^\[|\]$/g, ''))) return { id: url.hostname, name: 'Member onboarding', origins: [url.origin] };
  const local = new URL(publicUrl);
  local.hostname = 'localhost';
  return { id: 'localhost', name: 'Member onboarding', origins: [url.origin, local.origin] };
}

const rejected = (message: string) => new DomainError('passkey_rejected', 'invalid', message);
const transports = (value: string[] | null) => (value ?? []) as AuthenticatorTransport[];

export async function passkeyRegistrationOptions(em: EntityManager, rp: RelyingParty, memberId: string) {
  const db = em.getKysely();
  const member = await db.selectFrom('member').select(['email', 'name']).where('id', '=', memberId).executeTakeFirstOrThrow();
  const existing = await db.selectFrom('passkey').select(['id', 'transports']).where('member_id', '=', memberId).execute();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: member.email,
    userDisplayName: member.name,
    userID: new TextEncoder().encode(memberId),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: transports(p.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  const challengeId = await storeChallenge(em, { purpose: 'passkey_registration', memberId, data: { challenge: options.challenge }, ttlMs: CHALLENGE_TTL_MS });
  return { challengeId, options };
}

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function addPasskey(
  em: EntityManager,
  rp: RelyingParty,
  input: { memberId: string; companyId: string; challengeId: string; response: unknown; name: string },
): Promise<PasskeyView> {
  const challenge = await consumeChallenge(em, input.challengeId, 'passkey_registration');
  if (!challenge || challenge.memberId !== input.memberId) throw rejected('this passkey request has expired or was already used: try again');
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: challenge.data.challenge!,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    throw rejected(`the passkey was refused: ${(error as Error).message}`);
  }
  if (!verified.verified) throw rejected('the passkey could not be verified');
  const { credential } = verified.registrationInfo;
  return em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .insertInto('passkey')
      .values({
        id: credential.id, member_id: input.memberId, public_key: Buffer.from(credential.publicKey), counter: credential.counter,
        transports: credential.transports ? jsonb<string[]>(credential.transports) : null, name: input.name, created_at: dbNow,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(['id', 'name', 'created_at', 'last_used_at'])
      .executeTakeFirst();
    if (!row) throw new DomainError('passkey_exists', 'conflict', 'this passkey is already registered');
    await recordAudit(tx, { companyId: input.companyId, memberId: input.memberId, actor: `member:${input.memberId}`, type: 'account.passkey_added', data: { passkeyId: row.id, name: row.name } });
    return view(row);
  });
}

const view = (row: { id: string; name: string; created_at: Date | string; last_used_at: Date | string | null }): PasskeyView => ({
  id: row.id,
  name: row.name,
  createdAt: new Date(row.created_at).toISOString(),
  lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
});

export async function listPasskeys(em: EntityManager, memberId: string): Promise<PasskeyView[]> {
  const rows = await em.getKysely().selectFrom('passkey').select(['id', 'name', 'created_at', 'last_used_at']).where('member_id', '=', memberId).orderBy('created_at').execute();
  return rows.map(view);
}

export async function removePasskey(em: EntityManager, input: { memberId: string; companyId: string; passkeyId: string }): Promise<void> {
  await em.transactional(async (tx) => {
    const gone = await tx.getKysely().deleteFrom('passkey').where('id', '=', input.passkeyId).where('member_id', '=', input.memberId).returning('name').executeTakeFirst();
    if (!gone) throw new DomainError('passkey_not_found', 'not_found', 'no such passkey on your account');
    await recordAudit(tx, { companyId: input.companyId, memberId: input.memberId, actor: `member:${input.memberId}`, type: 'account.passkey_removed', data: { passkeyId: input.passkeyId, name: gone.name } });
  });
}

/** Options for "Sign in with a passkey": no account named, the browser offers what it holds. */
export async function passkeySignInOptions(em: EntityManager, rp: RelyingParty) {
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'preferred', allowCredentials: [] });
  const challengeId = await storeChallenge(em, { purpose: 'passkey_sign_in', data: { challenge: options.challenge }, ttlMs: CHALLENGE_TTL_MS });
  return { challengeId, options };
}

export async function signInWithPasskey(
  em: EntityManager,
  rp: RelyingParty,
  input: { challengeId: string; response: unknown },
): Promise<Session & { memberId: string; companyId: string; role: string }> {
  const refused = () => new DomainError('passkey_rejected', 'unauthorized', 'this passkey does not open an account here');
  const challenge = await consumeChallenge(em, input.challengeId, 'passkey_sign_in');
  if (!challenge) throw rejected('this passkey request has expired or was already used: try again');
  const response = input.response as AuthenticationResponseJSON;
  const credentialId = typeof response?.id === 'string' ? response.id : '';
  const db = em.getKysely();
  const passkey = await db
    .selectFrom('passkey as p')
    .innerJoin('member as m', 'm.id', 'p.member_id')
    .select(['p.id', 'p.public_key', 'p.counter', 'p.transports', 'm.id as member_id', 'm.organization_id', 'm.status', 'm.role'])
    .where('p.id', '=', credentialId)
    .where('m.status', 'not in', ['removed', 'awaiting_approval'])
    .executeTakeFirst();
  if (!passkey) throw refused();
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.data.challenge!,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: { id: passkey.id, publicKey: new Uint8Array(passkey.public_key), counter: Number(passkey.counter), transports: transports(passkey.transports) },
      requireUserVerification: false,
    });
  } catch (error) {
    throw new DomainError('passkey_rejected', 'unauthorized', `the passkey was refused: ${(error as Error).message}`);
  }
  if (!verified.verified) throw refused();
  return em.transactional(async (tx) => {
    await tx.getKysely().updateTable('passkey').set({ counter: verified.authenticationInfo.newCounter, last_used_at: dbNow }).where('id', '=', passkey.id).execute();
    const session = await createSession(tx, passkey.member_id);
    await recordAudit(tx, { companyId: passkey.organization_id, memberId: passkey.member_id, actor: `member:${passkey.member_id}`, type: 'account.signed_in', data: { via: 'passkey' } });
    return { ...session, memberId: passkey.member_id, companyId: passkey.organization_id, role: passkey.role };
  });
}
