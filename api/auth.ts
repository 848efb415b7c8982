// Who is calling. HR systems send a company's API key, the operator's tooling an operator key,
// members a session (bearer or the HttpOnly cookie the pages use), door controllers an HMAC
// signature of their request. Each route says which it takes. Operator admins (operator key, or a
// member flagged operatorAdmin) may also call a company's routes: `companyFor` says which company.
import type { Context } from 'koa';
import { dbNow } from '../db/sql.ts';
import type { EntityManager } from '../db/orm.ts';
import { hashApiKey } from '../domain/api-keys.ts';
import { resolveSession } from '../domain/auth/sessions.ts';
import { authenticateDoorController, type DoorControllerIdentity } from '../domain/door/signatures.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { ApiKeyScope, MemberRole } from '../db/entities/index.ts';
import { AppError } from '../http/errors.ts';
import { DomainError } from '../domain/errors.ts';
import { isUuid } from '../domain/ids.ts';
import { cookieName, CSRF_COOKIE, SESSION_COOKIE } from '../http/session-cookie.ts';

export { SESSION_COOKIE } from '../http/session-cookie.ts';

/** `company`: a member of any role (acting for themself) or what `admin` takes (acting for the company). */
export type AuthKind = 'admin' | 'operator' | 'member' | 'door' | 'company';

export interface ApiKeyPrincipal {
  kind: 'api_key';
  companyId: string;
  operatorId: string;
  apiKeyId: string;
  scopes: ApiKeyScope[];
  actor: string;
}
export interface OperatorKeyPrincipal {
  kind: 'operator_key';
  operatorId: string;
  apiKeyId: string;
  scopes: ApiKeyScope[];
  actor: string;
}
export interface MemberPrincipal {
  kind: 'member';
  companyId: string;
  operatorId: string;
  memberId: string;
  role: MemberRole;
  operatorAdmin: boolean;
  sessionId: string;
  actor: string;
}
/** An operator admin acting on one company (support): audited under their own name. */
export interface OperatorOnCompanyPrincipal {
  kind: 'operator';
  companyId: string;
  operatorId: string;
  actor: string;
  /** A list across every company (no companyId given by an operator key). */
  allCompanies?: boolean;
}
export type OperatorPrincipal = OperatorKeyPrincipal | (MemberPrincipal & { operatorAdmin: true });
export interface DoorPrincipal extends DoorControllerIdentity {
  kind: 'door';
  actor: string;
}
export type AdminPrincipal = ApiKeyPrincipal | (MemberPrincipal & { role: 'admin' }) | OperatorOnCompanyPrincipal;
export type Principal = ApiKeyPrincipal | OperatorKeyPrincipal | MemberPrincipal | DoorPrincipal;

export type PrincipalFor<A> = A extends 'company' ? MemberPrincipal | AdminPrincipal : A extends 'admin' ? AdminPrincipal : A extends 'operator' ? OperatorPrincipal : A extends 'member' ? MemberPrincipal : A extends 'door' ? DoorPrincipal : undefined;

export const isOperator = (p: Principal): p is OperatorPrincipal => p.kind === 'operator_key' || (p.kind === 'member' && p.operatorAdmin);

const unauthenticated = (detail: string) => new AppError('unauthenticated', 401, 'Authentication is required', { detail });
const invalidCredentials = () => new AppError('invalid-credentials', 401, 'These credentials are not valid', { detail: 'the API key or session is unknown, revoked or expired' });

export function credentialOf(ctx: Context): { token: string; fromCookie: boolean } | undefined {
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
function checkCookieWrite(ctx: Context, secrets: Secrets, principal: ApiKeyPrincipal | OperatorKeyPrincipal | MemberPrincipal): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  const csrfCookie = ctx.cookies.get(cookieName(ctx, CSRF_COOKIE));
  const given = ctx.get('X-CSRF-Token');
  if (principal.kind === 'member' && csrfCookie && given && secrets.checkFormToken(given, csrfCookie, principal.sessionId)) return;
  throw new AppError('csrf-token-required', 403, 'A write with the session cookie needs the form token', {
    detail: 'send "Authorization: Bearer <session>", or the X-CSRF-Token header the pages carry',
  });
}

export async function apiKeyOrSession(em: EntityManager, token: string): Promise<ApiKeyPrincipal | OperatorKeyPrincipal | MemberPrincipal> {
  if (token.startsWith('mo_')) {
    // Found and stamped in one statement; a company that has left has no live keys.
    const key = await em
      .getKysely()
      .updateTable('api_key as k')
      .from((eb) =>
        eb
          .selectFrom('api_key as k2')
          .leftJoin('organization as o', 'o.id', 'k2.organization_id')
          .select((e) => ['k2.id', e.fn.coalesce('k2.operator_id', 'o.operator_id').as('operator_id')])
          .where('k2.secret_hash', '=', hashApiKey(token))
          .where('k2.revoked_at', 'is', null)
          .where((e) => e.or([e('o.id', 'is', null), e('o.offboarded_at', 'is', null)]))
          .as('found'),
      )
      .set({ last_used_at: dbNow })
      .whereRef('k.id', '=', 'found.id')
      .returning(['k.id', 'k.organization_id', 'found.operator_id', 'k.scopes'])
      .executeTakeFirst();
    if (!key?.operator_id) throw invalidCredentials();
    if (!key.organization_id) return { kind: 'operator_key', operatorId: key.operator_id, apiKeyId: key.id, scopes: key.scopes, actor: `operator-key:${key.id}` };
    return { kind: 'api_key', companyId: key.organization_id, operatorId: key.operator_id, apiKeyId: key.id, scopes: key.scopes, actor: `api-key:${key.id}` };
  }
  const session = await resolveSession(em, token);
  if (!session) throw invalidCredentials();
  return {
    kind: 'member', companyId: session.companyId, operatorId: session.operatorId, memberId: session.memberId, role: session.role,
    operatorAdmin: session.operatorAdmin, sessionId: session.sessionId, actor: `member:${session.memberId}`,
  };
}

const notFound = (what: string) => new DomainError(`${what}_not_found`, 'not_found', `no ${what} with this id`);

/**
 * The company a route acts on. A company's own key or admin: their company (naming another one is
 * "not found"). An operator admin: the company of the member or import named in the path, else
 * `companyId` (query or body), else their own company; an operator key without `companyId` lists
 * across companies where the route allows it, and must name one elsewhere.
 */
export async function companyFor(
  em: EntityManager,
  principal: ApiKeyPrincipal | OperatorKeyPrincipal | MemberPrincipal,
  request: { from?: 'member' | 'import'; pathId?: string; companyId?: unknown; across?: boolean },
): Promise<AdminPrincipal> {
  const named = request.companyId;
  if (named !== undefined && (typeof named !== 'string' || !isUuid(named))) {
    throw new AppError('validation-failed', 400, 'The request is not valid', { detail: 'companyId must be a company id (UUID)', extra: { errors: [{ path: 'companyId', message: 'must be a UUID' }] } });
  }
  if (!isOperator(principal)) {
    if (named !== undefined && named !== (principal as ApiKeyPrincipal).companyId) throw notFound('company');
    return principal as AdminPrincipal;
  }
  const acting = (companyId: string): OperatorOnCompanyPrincipal => ({ kind: 'operator', companyId, operatorId: principal.operatorId, actor: principal.actor });
  if (request.from && request.pathId && isUuid(request.pathId)) {
    const db = em.getKysely();
    const companies = db.selectFrom('organization').select('id').where('operator_id', '=', principal.operatorId);
    const row =
      request.from === 'member'
        ? await db.selectFrom('member').select('organization_id').where('id', '=', request.pathId).where('organization_id', 'in', companies).executeTakeFirst()
        : await db.selectFrom('member_import').select('organization_id').where('id', '=', request.pathId).where('organization_id', 'in', companies).executeTakeFirst();
    if (!row) throw notFound(request.from);
    return acting(row.organization_id);
  }
  if (typeof named === 'string') {
    const row = await em.getKysely().selectFrom('organization').select('id').where('id', '=', named).where('operator_id', '=', principal.operatorId).executeTakeFirst();
    if (!row) throw notFound('company');
    return acting(row.id);
  }
  if (principal.kind === 'member') return acting(principal.companyId);
  if (request.across) return { ...acting(''), allCompanies: true };
  throw new AppError('company-required', 422, 'Say which company', { detail: 'an operator key acts on a company named by companyId (query or body)', extra: { field: 'companyId' } });
}

/**
 * A key does what its scopes say: the member routes need `members` (`read` is enough for their
 * GETs), the operator's hardware and companies need `companies` (or `read` to look), and SCIM is
 * on its own endpoint with `scim`. People signed in are governed by their role instead.
 */
export function checkScopes(method: string, kind: AuthKind, principal: Principal, alsoAccepted: readonly ApiKeyScope[] = []): void {
  if (principal.kind !== 'api_key' && principal.kind !== 'operator_key') return;
  const reading = SAFE_METHODS.has(method);
  const needed: ApiKeyScope = kind === 'operator' ? 'companies' : 'members';
  if (principal.scopes.includes(needed) || (reading && principal.scopes.includes('read')) || alsoAccepted.some((s) => principal.scopes.includes(s))) return;
  throw new AppError('insufficient-scope', 403, 'This API key may not do that', {
    detail: `this ${reading ? 'read' : 'change'} needs a key with the scope "${needed}"${reading ? ' or "read"' : ''}; this key has ${principal.scopes.join(', ') || 'none'}`,
    extra: { requiredScope: needed, scopes: principal.scopes },
  });
}

export function createAuthenticator(deps: { em: () => EntityManager; secrets: Secrets }) {
  return async function authenticate(ctx: Context, kind: AuthKind, company?: 'member' | 'import' | 'across', scopes?: readonly ApiKeyScope[]): Promise<Principal | AdminPrincipal> {
    if (kind === 'door') {
      const identity = await authenticateDoorController(deps.em(), deps.secrets, {
        controllerId: ctx.get('X-Door-Controller'),
        signature: ctx.get('X-Signature'),
        rawBody: (ctx.request as { rawBody?: string }).rawBody ?? '',
        read: ctx.method === 'GET',
      });
      return { kind: 'door', ...identity, actor: `door-controller:${identity.doorControllerId}` };
    }
    const credential = credentialOf(ctx);
    if (!credential) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw unauthenticated(kind === 'admin' ? 'send "Authorization: Bearer <API key>" or sign in as an administrator' : 'sign in first: send your session as "Authorization: Bearer <session>"');
    }
    const principal = await apiKeyOrSession(deps.em(), credential.token);
    if (credential.fromCookie) checkCookieWrite(ctx, deps.secrets, principal);
    // Any member acts for themself; keys and the operator go the admin way (scopes, the company).
    if (kind === 'company' && principal.kind === 'member') return principal;
    if (kind === 'company') kind = 'admin';
    if (kind === 'admin' && principal.kind === 'member' && principal.role !== 'admin' && !principal.operatorAdmin) {
      throw new AppError('forbidden', 403, 'Administrators only', { detail: 'this operation needs an API key or an administrator' });
    }
    if (kind === 'operator' && !isOperator(principal)) {
      throw new AppError('forbidden', 403, 'The operator only', { detail: 'sites, door controllers, card stock and companies are managed by the operator: ask its staff' });
    }
    if (kind === 'admin' || kind === 'operator') checkScopes(ctx.method, kind, principal, scopes);
    if (kind === 'member' && principal.kind !== 'member') {
      throw new AppError('forbidden', 403, 'Members only', { detail: 'this operation acts as a member: sign in as one (an API key is not a member)' });
    }
    if (kind === 'admin') {
      const body = ctx.request.body as { companyId?: unknown } | undefined;
      return companyFor(deps.em(), principal, {
        from: company === 'across' ? undefined : company,
        pathId: ctx.params?.id,
        companyId: ctx.query.companyId ?? (body && typeof body === 'object' && !Array.isArray(body) ? body.companyId : undefined),
        across: company === 'across',
      });
    }
    return principal;
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
