// Joining and signing in without an invitation or a password: "S'inscrire" (an address, then the
// e-mailed link's form), "Sign in with <company's provider>" (OpenID Connect), and the member's own
// passkeys and lost card on their profile. Passkey ceremonies run in the page's script against
// the JSON API (web/static/passkeys.js); these handlers render and decide the rest.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError, KIND_STATUS } from '../../http/errors.ts';
import { setSessionCookie } from '../../http/session-cookie.ts';
import { DomainError } from '../../domain/errors.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/passwords.ts';
import { completeSignUp, inspectSignUp, requestSignUp } from '../../domain/sign-in/sign-up.ts';
import { beginSso, finishSso } from '../../domain/sign-in/sso.ts';
import { ssoForEmail } from '../../domain/sign-in/company-sign-in.ts';
import { removePasskey } from '../../domain/sign-in/passkeys.ts';
import { createSession } from '../../domain/auth/sessions.ts';
import { pageState } from '../page-context.ts';
import { domainMessage, homeFor, isRefusal, parseForm, requireViewer, see, type PageDeps, type Renderer } from '../page.ts';

const Email = z.string().trim().toLowerCase().pipe(z.email());
const SignUpForm = z.object({ email: Email });
const JoinForm = z
  .object({ name: z.string().trim().min(1).max(200), password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH), passwordConfirm: z.string().optional() })
  .refine((f) => f.password === f.passwordConfirm, { path: ['passwordConfirm'], message: 'password_mismatch' });
const CardLostForm = z.object({ reason: z.enum(['lost', 'damaged']) });
const PasskeyForm = z.object({ passkeyId: z.string().min(1).max(1400) });

/** The OpenID request's cookie: names its challenge row until the provider sends the browser back. */
const SSO_COOKIE = 'mo_sso';

const statusOf = (error: DomainError | AppError) => (error instanceof AppError ? error.status : KIND_STATUS[error.kind]);

export function signInPages(router: Router, deps: PageDeps, render: Renderer): void {

  // ---- "S'inscrire": an address, then the e-mailed link ------------------------------------------
  router.get('/sign-up', (ctx) => render(ctx, 'sign-up', { values: { email: ctx.query.email } }));

  router.post('/sign-up', async (ctx) => {
    const form = parseForm(ctx, render, SignUpForm);
    const values = { email: (ctx.request.body as { email?: string }).email };
    if (!form.ok) return render(ctx, 'sign-up', { values, errors: form.errors }, 400);
    try {
      await deps.limits.passwordResetPerAddress.hit(ctx.ip);
      await deps.limits.passwordResetPerAccount.hit(form.data.email);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return render(ctx, 'sign-up', { values, formError: domainMessage(ctx, render, error) }, 429);
    }
    await requestSignUp(deps.lifecycles, { email: form.data.email, locale: pageState(ctx).locale });
    render(ctx, 'sign-up', { sent: true, values }, 202);
  });

  const signUpDead = (ctx: Context, error: DomainError) => render(ctx, 'sign-up-link', { dead: error.code }, error.kind === 'gone' ? 410 : 404);

  router.get('/sign-up/:token', async (ctx) => {
    try {
      const link = await inspectSignUp(deps.em(), deps.secrets, ctx.params.token!);
      render(ctx, 'sign-up-link', { link, token: ctx.params.token });
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('sign_up_')) return signUpDead(ctx, error);
      throw error;
    }
  });

  router.post('/sign-up/:token', async (ctx) => {
    const token = ctx.params.token!;
    let link;
    try {
      link = await inspectSignUp(deps.em(), deps.secrets, token);
    } catch (error) {
      if (error instanceof DomainError && error.code.startsWith('sign_up_')) return signUpDead(ctx, error);
      throw error;
    }
    const values = { name: (ctx.request.body as { name?: string }).name };
    const form = parseForm(ctx, render, JoinForm);
    if (!form.ok) return render(ctx, 'sign-up-link', { link, token, values, errors: form.errors }, 400);
    try {
      const joined = await completeSignUp({ em: deps.em(), lifecycles: deps.lifecycles, secrets: deps.secrets }, { token, name: form.data.name, password: form.data.password, locale: pageState(ctx).locale });
      if (joined.approval) return render(ctx, 'sign-up-link', { link, pending: true }, 202);
      setSessionCookie(ctx, await createSession(deps.em(), joined.memberId));
      see(ctx, '/card?done=joined');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = error.code === 'password_rejected' ? 'password' : undefined;
      const message = domainMessage(ctx, render, error);
      render(ctx, 'sign-up-link', { link, token, values, ...(field ? { errors: { [field]: message } } : { formError: message }) }, statusOf(error));
    }
  });

  // ---- single sign-on ------------------------------------------------------------------------------
  // The address says which company (its confirmed domain): the page then offers that company's
  // button. A link, not a form: the pages' CSP allows forms to post here only, redirects included.
  router.get('/login/sso', async (ctx) => {
    const email = typeof ctx.query.email === 'string' ? ctx.query.email.trim() : '';
    const found = email ? await ssoForEmail(deps.em(), email) : undefined;
    render(ctx, 'login-sso', { values: { email }, provider: found, asked: Boolean(email), next: ctx.query.next });
  });

  router.get('/sso/start/:companyId', async (ctx) => {
    const companyId = z.uuid().safeParse(ctx.params.companyId);
    if (!companyId.success) throw new AppError('not-found', 404, 'No such page');
    const started = await beginSso({ em: deps.em(), secrets: deps.secrets, publicUrl: deps.config.http.publicUrl }, companyId.data);
    // Lax: the provider's redirect back is a top-level navigation from its site.
    ctx.cookies.set(SSO_COOKIE, started.challengeId, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: 10 * 60_000, path: '/sso', overwrite: true });
    ctx.redirect(started.url);
  });

  router.get('/sso/callback', async (ctx) => {
    const challengeId = ctx.cookies.get(SSO_COOKIE);
    ctx.cookies.set(SSO_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: new Date(0), path: '/sso', overwrite: true });
    const currentUrl = new URL(ctx.originalUrl, deps.config.http.publicUrl);
    try {
      const outcome = await finishSso({ em: deps.em(), secrets: deps.secrets, lifecycles: deps.lifecycles }, { challengeId, currentUrl, locale: pageState(ctx).locale });
      if (outcome.kind === 'awaiting_approval') return render(ctx, 'sign-up-link', { link: { company: outcome.company }, pending: true }, 202);
      setSessionCookie(ctx, outcome);
      see(ctx, homeFor(outcome.role));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      render(ctx, 'login', { values: {}, next: '', formError: domainMessage(ctx, render, error) }, statusOf(error));
    }
  });

  // ---- the member's own: passkeys removed, a lost card ------------------------------------------------
  router.post('/me/passkeys/remove', async (ctx) => {
    const viewer = requireViewer(ctx);
    const form = parseForm(ctx, render, PasskeyForm);
    if (!form.ok) throw new AppError('invalid-request', 400, 'No passkey named');
    await removePasskey(deps.em(), { memberId: viewer.memberId, companyId: viewer.companyId, passkeyId: form.data.passkeyId });
    see(ctx, '/me?done=passkey_removed');
  });

  router.post('/me/card-lost', async (ctx) => {
    const viewer = requireViewer(ctx);
    const form = parseForm(ctx, render, CardLostForm);
    if (!form.ok) throw new AppError('invalid-request', 400, 'Say whether the card is lost or damaged');
    await deps.lifecycles.cardLost(viewer.memberId, form.data.reason, viewer.actor);
    see(ctx, '/card?done=card_lost');
  });
}
