import type { Context } from 'koa';

export const SESSION_COOKIE = 'mo_session';
export const CSRF_COOKIE = 'mo_csrf';
export const LANGUAGE_COOKIE = 'mo_lang';

/**
 * A cookie's name on this request. Over https it carries the `__Host-` prefix, which browsers only
 * accept from a secure origin with no Domain and Path=/: a sibling subdomain or a plain-http page
 * on the network cannot plant or overwrite it.
 */
export const cookieName = (ctx: Context, name: string) => (ctx.secure ? `__Host-${name}` : name);

/** The pages' copy of the session: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it). */
export function setSessionCookie(ctx: Context, session: { token: string; expiresAt: Date }): void {
  // The answer that hands out a session is for this browser only.
  ctx.set('Cache-Control', 'no-store');
  ctx.cookies.set(cookieName(ctx, SESSION_COOKIE), session.token, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: session.expiresAt, path: '/', overwrite: true });
}

export function clearSessionCookie(ctx: Context): void {
  ctx.cookies.set(cookieName(ctx, SESSION_COOKIE), '', { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: new Date(0), path: '/', overwrite: true });
}

export const sessionBody = (session: { token: string; expiresAt: Date; memberId: string; companyId: string }) => ({
  token: session.token,
  expiresAt: session.expiresAt.toISOString(),
  memberId: session.memberId,
  companyId: session.companyId,
  // Deprecated: its name before companies, answered for one more version.
  organizationId: session.companyId,
});
