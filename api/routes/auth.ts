import { login } from '../../domain/auth/login.ts';
import { limitedSignIn } from '../../http/rate-limit.ts';
import { confirmPasswordReset, requestPasswordReset } from '../../domain/auth/password-reset.ts';
import { createSession, revokeSession } from '../../domain/auth/sessions.ts';
import { acceptInvitation, inspectInvitation } from '../../domain/members/accept-invitation.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { clearSessionCookie, sessionBody, setSessionCookie } from '../../http/session-cookie.ts';
import { Session } from '../../http/schemas/common.schema.ts';
import {
  AcceptInvitationBody,
  Invitation,
  InvitationParams,
  LoginBody,
  PasswordResetAccepted,
  PasswordResetBody,
  PasswordResetConfirmBody,
} from '../../http/schemas/auth.schema.ts';

const tags = ['member account'];

export function authRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/invitations/{token}', operationId: 'getInvitation', tags,
        summary: 'Whether an invitation link is still good (never consumes it: mail scanners open links)',
        params: InvitationParams,
        responses: { 200: { description: 'Valid; the member may create their password', schema: Invitation } },
      },
      async ({ params }, ctx) => {
        const found = await inspectInvitation(s.em(), s.secrets, params.token);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { valid: true, email: found.email, name: found.name, company: found.company, organization: found.company, expiresAt: found.expiresAt.toISOString() };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/invitations/{token}/accept', operationId: 'acceptInvitation', tags,
        summary: 'Create the password from the invitation link; answers a session',
        params: InvitationParams,
        body: AcceptInvitationBody,
        responses: { 201: { description: 'Password created, signed in', schema: Session } },
      },
      async ({ params, body }, ctx) => {
        const accepted = await acceptInvitation({ em: s.em(), lifecycles: s.lifecycles, secrets: s.secrets }, { token: params.token, password: body.password });
        if (!accepted.lifecycleNotified) s.logger.warn({ memberId: accepted.memberId }, 'password created but the lifecycle was not told; the next sign-in retries');
        const session = await createSession(s.em(), accepted.memberId);
        setSessionCookie(ctx, session);
        ctx.status = 201;
        ctx.body = sessionBody({ ...session, ...accepted });
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/auth/login', operationId: 'login', tags,
        summary: 'Sign in with e-mail and password',
        body: LoginBody,
        responses: { 200: { description: 'Signed in', schema: Session } },
      },
      async ({ body }, ctx) => {
        const { organizationId, ...rest } = body;
        const credentials = { ...rest, companyId: body.companyId ?? organizationId };
        const session = await limitedSignIn(s.limits, ctx.ip, body.email, () => login({ em: s.em(), lifecycles: s.lifecycles }, credentials));
        setSessionCookie(ctx, session);
        ctx.body = sessionBody(session);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/auth/logout', operationId: 'logout', tags, auth: 'member',
        summary: 'End this session',
        responses: { 204: { description: 'Signed out' } },
      },
      async ({ principal }, ctx) => {
        await revokeSession(s.em(), principal.sessionId);
        clearSessionCookie(ctx);
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/auth/password-reset', operationId: 'requestPasswordReset', tags,
        summary: 'E-mail a 6-digit code (15 minutes, 5 tries); always 202, whether or not the address has an account',
        body: PasswordResetBody,
        responses: { 202: { description: 'Accepted', schema: PasswordResetAccepted } },
      },
      async ({ body }, ctx) => {
        await s.limits.passwordResetPerAddress.hit(ctx.ip);
        await s.limits.passwordResetPerAccount.hit(body.email.toLowerCase());
        await requestPasswordReset(s.lifecycles, body);
        ctx.status = 202;
        ctx.body = { status: 'accepted', detail: 'if this address has an account, a code is on its way' };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/auth/password-reset/confirm', operationId: 'confirmPasswordReset', tags,
        summary: 'Set a new password with the e-mailed code; other sessions end; answers a new session',
        body: PasswordResetConfirmBody,
        responses: { 200: { description: 'Password replaced, signed in', schema: Session } },
      },
      async ({ body }, ctx) => {
        await s.limits.loginPerAddress.hit(ctx.ip);
        const session = await confirmPasswordReset({ em: s.em(), secrets: s.secrets }, body);
        setSessionCookie(ctx, session);
        ctx.body = sessionBody(session);
      },
    ),
  ];
}
