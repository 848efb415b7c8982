// Single sign-on with a company's identity provider (OpenID Connect, authorization code flow with
// PKCE, state and nonce), through the maintained `openid-client`. The request's state, nonce and
// verifier wait in a single-use `sign_in_challenge` row that only this browser's cookie names:
// a wrong state, a replayed answer or an answer from another company's provider finds nothing,
// or fails openid-client's checks. People are matched by e-mail within the company; an unknown
// address at one of its confirmed domains joins by its join policy.
import * as oidc from 'openid-client';
import type { EntityManager } from '../../db/orm.ts';
import type { CompanySso } from '../../db/entities/index.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import type { Secrets } from '../secrets.ts';
import { signUpPending } from '../auth/login.ts';
import { createSession, type Session } from '../auth/sessions.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { companyOfDomain, joinCompany } from './sign-up.ts';
import { consumeChallenge, storeChallenge } from './challenges.ts';

const SSO_REQUEST_TTL_MS = 10 * 60_000;
/** Discovery documents and keys, kept a few minutes: a provider's metadata rarely changes. */
const DISCOVERY_TTL_MS = 5 * 60_000;

export const ssoCallbackPath = '/sso/callback';

/** http:// is accepted for a provider on this machine only (tests, a local Keycloak); elsewhere https. */
export function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'issuer must be an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return undefined;
  return 'issuer must be an https:// URL';
}

const configurations = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

/** The provider's configuration from its `.well-known/openid-configuration`, with our client's credentials. */
export function discover(sso: Pick<CompanySso, 'issuer' | 'clientId'>, clientSecret: string): Promise<oidc.Configuration> {
  const key = `${sso.issuer}\n${sso.clientId}\n${clientSecret}`;
  const known = configurations.get(key);
  if (known && Date.now() - known.at < DISCOVERY_TTL_MS) return known.config;
  const insecure = new URL(sso.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {};
  // client_secret_basic: what Okta, Entra ID and most providers register a web application with.
  const config = oidc.discovery(new URL(sso.issuer), sso.clientId, undefined, oidc.ClientSecretBasic(clientSecret), { ...insecure, timeout: 10 });
  configurations.set(key, { at: Date.now(), config });
  config.catch(() => configurations.delete(key));
  return config;
}

async function companySso(em: EntityManager, companyId: string): Promise<{ name: string; sso: CompanySso }> {
  const row = await em.getKysely().selectFrom('organization').select(['name', 'sso']).where('id', '=', companyId).where('offboarded_at', 'is', null).executeTakeFirst();
  if (!row?.sso) throw new DomainError('sso_not_configured', 'not_found', 'this company has no single sign-on');
  return { name: row.name, sso: row.sso };
}

const unreachable = (error: unknown) =>
  new DomainError('sso_unavailable', 'unavailable', `the identity provider could not be reached: ${(error as Error).message}`);

/** Where to send the browser, and the challenge its cookie names until it comes back. */
export async function beginSso(deps: { em: EntityManager; secrets: Secrets; publicUrl: string }, companyId: string): Promise<{ url: string; challengeId: string }> {
  const { sso } = await companySso(deps.em, companyId);
  const config = await discover(sso, deps.secrets.decrypt(sso.clientSecretSealed)).catch((error: unknown) => {
    throw unreachable(error);
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const challengeId = await storeChallenge(deps.em, { purpose: 'sso', companyId, data: { state, nonce, verifier }, ttlMs: SSO_REQUEST_TTL_MS });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: deps.publicUrl + ssoCallbackPath,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url: url.href, challengeId };
}

export type SsoOutcome =
  | (Session & { kind: 'signed_in'; memberId: string; companyId: string; role: string })
  | { kind: 'awaiting_approval'; company: string };

/**
 * The provider sent the browser back. The challenge is used up first (committed), so the same
 * answer presented twice finds nothing; then openid-client checks state, issuer, PKCE and nonce.
 */
export async function finishSso(
  deps: { em: EntityManager; secrets: Secrets; lifecycles: LifecycleGateway },
  input: { challengeId: string | undefined; currentUrl: URL; locale: 'fr' | 'en' },
): Promise<SsoOutcome> {
  const refused = (message: string) => new DomainError('sso_failed', 'unauthorized', message);
  const challenge = input.challengeId ? await consumeChallenge(deps.em, input.challengeId, 'sso') : undefined;
  if (!challenge?.companyId) throw refused('this sign-in was not started here, has expired, or was already used: start again');
  const { name: company, sso } = await companySso(deps.em, challenge.companyId);
  const config = await discover(sso, deps.secrets.decrypt(sso.clientSecretSealed)).catch((error: unknown) => {
    throw unreachable(error);
  });
  let claims: Record<string, unknown> | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, input.currentUrl, {
      pkceCodeVerifier: challenge.data.verifier!,
      expectedState: challenge.data.state!,
      expectedNonce: challenge.data.nonce!,
      idTokenExpected: true,
    });
    const idToken = tokens.claims()!;
    // Providers that follow the spec strictly (oidc-provider, some Entra set-ups) put the scope's
    // claims in the userinfo answer, not in the ID token: asked for the same subject.
    claims = typeof idToken.email === 'string' ? idToken : { ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)), sub: idToken.sub };
  } catch (error) {
    throw refused(`the identity provider's answer was refused: ${(error as Error).message}`);
  }
  const email = typeof claims?.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!email || claims?.email_verified === false) throw refused('the identity provider gave no verified e-mail address');
  const db = deps.em.getKysely();
  const member = await db
    .selectFrom('member')
    .select(['id', 'status', 'role'])
    .where('organization_id', '=', challenge.companyId)
    .where('email', '=', email)
    .where('status', '<>', 'removed')
    .executeTakeFirst();
  if (member) {
    if (member.status === 'awaiting_approval') throw signUpPending(company);
    const session = await deps.em.transactional(async (em) => {
      const created = await createSession(em, member.id);
      await recordAudit(em, { companyId: challenge.companyId!, memberId: member.id, actor: `member:${member.id}`, type: 'account.signed_in', data: { via: 'sso', issuer: sso.issuer } });
      return created;
    });
    // Signed in through the provider: the account exists, as a password would have made it.
    if (member.status === 'invited' || member.status === 'invitation_expired') await deps.lifecycles.passwordSet(member.id, `member:${member.id}`);
    return { kind: 'signed_in', ...session, memberId: member.id, companyId: challenge.companyId, role: member.role };
  }
  const domain = await companyOfDomain(deps.em, email);
  if (domain?.companyId !== challenge.companyId) throw new DomainError('sso_not_member', 'forbidden', `${email} is not a member of ${company}: ask its administrator to invite you`);
  const name = typeof claims?.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : email.split('@')[0]!;
  const approval = domain.joinPolicy === 'approval';
  const joined = await joinCompany(deps, { companyId: challenge.companyId, email, name, locale: input.locale, via: 'sso', approval, passwordHash: null });
  if (approval) return { kind: 'awaiting_approval', company };
  const session = await createSession(deps.em, joined.memberId);
  return { kind: 'signed_in', ...session, memberId: joined.memberId, companyId: challenge.companyId, role: 'user' };
}
