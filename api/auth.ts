// Who is calling. HR systems send an API key, members a session (bearer or the HttpOnly cookie the
// pages use), door controllers an HMAC signature of their request. Each route says which it takes.
import type { Context } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashApiKey } from '../domain/api-keys.ts';
import { resolveSession } from '../domain/auth/sessions.ts';
import { authenticateDoorController, type DoorControllerIdentity } from '../domain/door/signatures.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { MemberRole } from '../db/entities/index.ts';
import { AppError } from './errors.ts';
import { cookieName, CSRF_COOKIE, SESSION_COOKIE } from './session-cookie.ts';

export { SESSION_COOKIE } from './session-cookie.ts';

export type AuthKind = 'admin' | 'member' | 'door';

export interface ApiKeyPrincipal {
  kind: 'api_key';
  organizationId: string;
  apiKeyId: string;
  actor: string;
}
export interface MemberPrincipal {
  kind: 'member';
  organizationId: string;
  memberId: string;
  role: MemberRole;
  sessionId: string;
  actor: string;
}
export interface DoorPrincipal extends DoorControllerIdentity {
  kind: 'door';
  actor: string;
}
export type AdminPrincipal = ApiKeyPrincipal | (MemberPrincipal & { role: 'admin' });
export type Principal = ApiKeyPrincipal | MemberPrincipal | DoorPrincipal;

export type PrincipalFor<A> = A extends 'admin' ? AdminPrincipal : A extends 'member' ? MemberPrincipal : A extends 'door' ? DoorPrincipal : undefined;

const unauthenticated = (detail: string) => new AppError('unauthenticated', 401, 'Authentication is required', { detail });
const invalidCredentials = () => new AppError('invalid-credentials', 401, 'These credentials are not valid', { detail: 'the API key or session is unknown, revoked or expired' });

function bearer(ctx: Context): { token: string; fromCookie: boolean } | undefined {
  const header = ctx.get('Authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError('unauthenticated', 401, 'Authentication is required', { detail: 'the Authorization header must be "Bearer <token>"' });
    return { token: match[1]!, fromCookie: false };
  }
  const cookie = ctx.cookies.get(cookieName(ctx, SESSION_COOKIE));
  return cookie ? { token: cookie, fromCookie: true } : undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser sends the session cookie with any request a page makes, including one another site
 * triggers: a write authenticated by the cookie alone must also show the pages' form token for
 * that session (`X-CSRF-Token`), which only our pages can know.
 */
function checkCookieWrite(ctx: Context, secrets: Secrets, principal: ApiKeyPrincipal | MemberPrincipal): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  const csrfCookie = ctx.cookies.get(cookieName(ctx, CSRF_COOKIE));
  const given = ctx.get('X-CSRF-Token');
  if (principal.kind === 'member' && csrfCookie && given && secrets.checkFormToken(given, csrfCookie, principal.sessionId)) return;
  throw new AppError('csrf-token-required', 403, 'A write with the session cookie needs the form token', {
    detail: 'send "Authorization: Bearer <session>", or the X-CSRF-Token header the pages carry',
  });
}

async function apiKeyOrSession(em: EntityManager, token: string): Promise<ApiKeyPrincipal | MemberPrincipal> {
  if (token.startsWith('mo_')) {
    const [key] = await em.execute<{ id: string; organization_id: string }[]>(
      `update api_key set last_used_at = now() where secret_hash = ? and revoked_at is null returning id, organization_id`,
      [hashApiKey(token)],
    );
    if (!key) throw invalidCredentials();
    return { kind: 'api_key', organizationId: key.organization_id, apiKeyId: key.id, actor: `api-key:${key.id}` };
  }
  const session = await resolveSession(em, token);
  if (!session) throw invalidCredentials();
  return { kind: 'member', organizationId: session.organizationId, memberId: session.memberId, role: session.role, sessionId: session.sessionId, actor: `member:${session.memberId}` };
}

export function createAuthenticator(deps: { em: () => EntityManager; secrets: Secrets }) {
  return async function authenticate(ctx: Context, kind: AuthKind): Promise<Principal> {
    if (kind === 'door') {
      const identity = await authenticateDoorController(deps.em(), deps.secrets, {
        controllerId: ctx.get('X-Door-Controller'),
        signature: ctx.get('X-Signature'),
        rawBody: (ctx.request as { rawBody?: string }).rawBody ?? '',
        read: ctx.method === 'GET',
      });
      return { kind: 'door', ...identity, actor: `door-controller:${identity.doorControllerId}` };
    }
    const credential = bearer(ctx);
    if (!credential) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw unauthenticated(kind === 'admin' ? 'send "Authorization: Bearer <API key>" or sign in as an administrator' : 'sign in first: send your session as "Authorization: Bearer <session>"');
    }
    const principal = await apiKeyOrSession(deps.em(), credential.token);
    if (credential.fromCookie) checkCookieWrite(ctx, deps.secrets, principal);
    if (kind === 'admin' && principal.kind === 'member' && principal.role !== 'admin') {
      throw new AppError('forbidden', 403, 'Administrators only', { detail: 'this operation needs an API key or an administrator' });
    }
    if (kind === 'member' && principal.kind !== 'member') {
      throw new AppError('forbidden', 403, 'Members only', { detail: 'this operation acts as a member: sign in as one (an API key is not a member)' });
    }
    return principal;
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
