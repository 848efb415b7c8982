// Signing in and out, creating the password from the invitation link, and "forgot my password".
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { clearSessionCookie, setSessionCookie } from '../../http/session-cookie.ts';
import { login } from '../../domain/auth/login.ts';
import { limitedSignIn } from '../../http/rate-limit.ts';
import { confirmPasswordReset, requestPasswordReset } from '../../domain/auth/password-reset.ts';
import { createSession, revokeSession } from '../../domain/auth/sessions.ts';
import { DomainError } from '../../domain/errors.ts';
import { acceptInvitation, inspectInvitation } from '../../domain/members/accept-invitation.ts';
import { confirmEmailChange, inspectEmailChange } from '../../domain/members/change-email.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/passwords.ts';
import { pageState } from '../page-context.ts';
import { domainMessage, homeFor, isRefusal, parseForm, safeNext, see, type PageDeps, type Renderer } from '../page.ts';

const Email = z.string().trim().toLowerCase().pipe(z.email());
const LoginForm = z.object({ email: Email, password: z.string().min(1).max(PASSWORD_MAX_LENGTH), next: z.string().optional() });
const NewPasswordForm = z
  .object({ password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH), passwordConfirm: z.string().optional() })
  .refine((f) => f.password === f.passwordConfirm, { path: ['passwordConfirm'], message: 'password_mismatch' });
const ForgotForm = z.object({ email: Email });
const ResetForm = z
  .object({ email: Email, code: z.string().trim().regex(/^\d{6}$/), password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH), passwordConfirm: z.string().optional() })
  .refine((f) => f.password === f.passwordConfirm, { path: ['passwordConfirm'], message: 'password_mismatch' });


export function accountPages(router: Router, deps: PageDeps, render: Renderer): void {

  router.get('/', (ctx) => {
    const viewer = pageState(ctx).viewer;
    see(ctx, viewer ? homeFor(viewer.role) : '/login');
  });

  // ---- sign in / out ---------------------------------------------------------------------------
  router.get('/login', (ctx) => {
    const viewer = pageState(ctx).viewer;
    if (viewer) return see(ctx, safeNext(ctx.query.next, homeFor(viewer.role)));
    render(ctx, 'login', { values: { email: ctx.query.email }, next: safeNext(ctx.query.next, ''), forCard: String(ctx.query.next ?? '').startsWith('/q/') });
  });

  router.post('/login', async (ctx) => {
    const form = parseForm(ctx, render, LoginForm);
    const values = { email: (ctx.request.body as { email?: string }).email };
    const next = safeNext((ctx.request.body as { next?: string }).next, '');
    if (!form.ok) return render(ctx, 'login', { values, next, errors: form.errors }, 400);
    try {
      const session = await limitedSignIn(deps.limits, ctx.ip, form.data.email, () => login({ em: deps.em(), lifecycles: deps.lifecycles }, { email: form.data.email, password: form.data.password }));
      setSessionCookie(ctx, session);
      const row = await deps.em().getKysely().selectFrom('member').select('role').where('id', '=', session.memberId).executeTakeFirst();
      see(ctx, safeNext(next, homeFor(row?.role ?? 'user')));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const status = error instanceof AppError ? error.status : error.kind === 'too_many' ? 429 : 401;
      render(ctx, 'login', { values, next, formError: domainMessage(ctx, render, error) }, status);
    }
  });

  router.post('/logout', async (ctx) => {
    const viewer = pageState(ctx).viewer;
    if (viewer) await revokeSession(deps.em(), viewer.sessionId);
    clearSessionCookie(ctx);
    see(ctx, '/login?done=signed_out');
  });

  // ---- invitation link: the GET only shows the form (mail scanners open links first) ------------
  const invitationDead = (ctx: Context, error: DomainError) => {
    const reason = ['invitation_expired', 'invitation_used', 'invitation_replaced'].includes(error.code) ? error.code : 'invitation_invalid';
    render(ctx, 'invitation-dead', { reason }, error.kind === 'gone' ? 410 : 404);
  };

  /** A company that requires single sign-on creates no password: its invitation leads to its provider. */
  const requiredSso = async (memberId: string) => {
    const row = await deps.em().getKysely().selectFrom('member as m').innerJoin('organization as o', 'o.id', 'm.organization_id').select(['o.id', 'o.sso']).where('m.id', '=', memberId).executeTakeFirst();
    return row?.sso?.required ? { companyId: row.id, label: row.sso.label } : undefined;
  };

  router.get('/invitations/:token', async (ctx) => {
    try {
      const invitation = await inspectInvitation(deps.em(), deps.secrets, ctx.params.token!);
      render(ctx, 'invitation', { invitation, token: ctx.params.token, sso: await requiredSso(invitation.memberId) });
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('invitation_')) return invitationDead(ctx, error);
      throw error;
    }
  });

  router.post('/invitations/:token', async (ctx) => {
    const token = ctx.params.token!;
    let invitation: Awaited<ReturnType<typeof inspectInvitation>>;
    try {
      invitation = await inspectInvitation(deps.em(), deps.secrets, token);
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('invitation_')) return invitationDead(ctx, error);
      throw error;
    }
    const form = parseForm(ctx, render, NewPasswordForm);
    if (!form.ok) return render(ctx, 'invitation', { invitation, token, errors: form.errors }, 400);
    try {
      const accepted = await acceptInvitation({ em: deps.em(), lifecycles: deps.lifecycles, secrets: deps.secrets }, { token, password: form.data.password });
      if (!accepted.lifecycleNotified) deps.logger.warn({ memberId: accepted.memberId }, 'password created but the lifecycle was not told; the next sign-in retries');
      setSessionCookie(ctx, await createSession(deps.em(), accepted.memberId));
      see(ctx, '/card?done=password_created');
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('invitation_')) return invitationDead(ctx, error);
      if (error instanceof DomainError && error.code === 'password_rejected') {
        return render(ctx, 'invitation', { invitation, token, errors: { password: domainMessage(ctx, render, error) } }, 400);
      }
      throw error;
    }
  });

  // ---- a new sign-in address confirmed from it: the GET shows, the POST decides -----------------
  const emailChangeDead = (ctx: Context, error: DomainError) => render(ctx, 'email-change', { dead: error.code }, error.kind === 'gone' ? 410 : 404);

  router.get('/email-changes/:token', async (ctx) => {
    try {
      const change = await inspectEmailChange(deps.em(), deps.secrets, ctx.params.token!);
      render(ctx, 'email-change', { change, token: ctx.params.token });
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('email_change_')) return emailChangeDead(ctx, error);
      throw error;
    }
  });

  router.post('/email-changes/:token', async (ctx) => {
    try {
      const change = await confirmEmailChange({ em: deps.em(), secrets: deps.secrets }, ctx.params.token!);
      // Every session of the account ended, this browser's included.
      clearSessionCookie(ctx);
      see(ctx, `/login?done=email_changed&email=${encodeURIComponent(change.to)}`);
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('email_change_')) return emailChangeDead(ctx, error);
      if (error instanceof DomainError && error.code === 'member_exists') {
        return render(ctx, 'email-change', { dead: 'email_change_taken' }, 409);
      }
      throw error;
    }
  });

  // ---- forgot password: e-mail → 6-digit code → new password -----------------------------------
  router.get('/forgot-password', (ctx) => render(ctx, 'forgot-password', { values: { email: ctx.query.email } }));

  router.post('/forgot-password', async (ctx) => {
    const form = parseForm(ctx, render, ForgotForm);
    const values = { email: (ctx.request.body as { email?: string }).email };
    if (!form.ok) return render(ctx, 'forgot-password', { values, errors: form.errors }, 400);
    try {
      await deps.limits.passwordResetPerAddress.hit(ctx.ip);
      await deps.limits.passwordResetPerAccount.hit(form.data.email);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return render(ctx, 'forgot-password', { values, formError: domainMessage(ctx, render, error) }, 429);
    }
    await requestPasswordReset(deps.lifecycles, form.data);
    see(ctx, `/forgot-password/code?email=${encodeURIComponent(form.data.email)}`);
  });

  router.get('/forgot-password/code', (ctx) => render(ctx, 'reset-password', { values: { email: ctx.query.email } }));

  router.post('/forgot-password/code', async (ctx) => {
    const form = parseForm(ctx, render, ResetForm);
    const body = ctx.request.body as { email?: string; code?: string };
    const values = { email: body.email, code: body.code };
    if (!form.ok) return render(ctx, 'reset-password', { values, errors: form.errors }, 400);
    try {
      await deps.limits.loginPerAddress.hit(ctx.ip);
      const session = await confirmPasswordReset({ em: deps.em(), secrets: deps.secrets }, { email: form.data.email, code: form.data.code, password: form.data.password });
      setSessionCookie(ctx, session);
      see(ctx, '/me?done=password_changed');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const field = error.code === 'password_rejected' ? 'password' : 'code';
      const status = error instanceof AppError ? error.status : 400;
      render(ctx, 'reset-password', { values, errors: { [field]: domainMessage(ctx, render, error) } }, status);
    }
  });
}
