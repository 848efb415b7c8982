import type { Context } from 'koa';
import { SESSION_COOKIE } from './auth.ts';

/** The pages' copy of the session: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it). */
export function setSessionCookie(ctx: Context, session: { token: string; expiresAt: Date }): void {
  ctx.cookies.set(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: session.expiresAt, path: '/', overwrite: true });
}

export function clearSessionCookie(ctx: Context): void {
  ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: new Date(0), path: '/', overwrite: true });
}

export const sessionBody = (session: { token: string; expiresAt: Date; memberId: string; organizationId: string }) => ({
  token: session.token,
  expiresAt: session.expiresAt.toISOString(),
  memberId: session.memberId,
  organizationId: session.organizationId,
});
