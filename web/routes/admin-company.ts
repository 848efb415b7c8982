// What a company admin sets for joining and signing in (e-mail domains, join policy, single
// sign-on) and what they read of the company's contract ("Plan & billing"); and the operator's
// side of both: seats, confirming a company's domains, the billing link every admin sees.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.ts';
import { companyPlan, operatorBilling, setOperatorBilling } from '../../domain/companies/plan.ts';
import { setContractedSeats } from '../../domain/companies/seats.ts';
import { confirmDomain, declareDomain, getCompanySignIn, removeCompanySso, setCompanySso, setJoinPolicy, withdrawDomain } from '../../domain/sign-in/company-sign-in.ts';
import { getCompany } from '../../domain/companies/companies.ts';
import { ssoCallbackPath } from '../../domain/sign-in/sso.ts';
import { JOIN_POLICIES } from '../../db/entities/index.ts';
import { describeSchedule } from '../../domain/access/words.ts';
import { pageState, type Viewer } from '../page-context.ts';
import { domainMessage, idParam, parseForm, requireAdmin, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';

const DomainForm = z.object({ domain: z.string().trim().min(1).max(253) });
const PolicyForm = z.object({ joinPolicy: z.enum(JOIN_POLICIES) });
const SsoForm = z.object({
  issuer: z.string().trim().min(1).max(500),
  clientId: z.string().trim().min(1).max(255),
  clientSecret: z.string().max(1000).optional(),
  label: z.string().trim().min(1).max(60),
  required: z.literal('on').optional(),
});
const SeatsForm = z.object({ contracted: z.union([z.literal(''), z.coerce.number().int().min(0).max(1_000_000)]) });
const ConfirmForm = z.object({ domain: z.string().trim().min(1).max(253), confirmed: z.enum(['true', 'false']) });
const BillingForm = z.object({ url: z.union([z.literal(''), z.url({ protocol: /^https$/ }).max(2000)]), contact: z.string().trim().max(320) });

export function companyPages(router: Router, deps: PageDeps, render: Renderer): void {
  const publicUrl = deps.config.http.publicUrl;

  // ---- the company admin: joining and signing in ---------------------------------------------------
  const signInPage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const settings = await getCompanySignIn(deps.em(), viewer.companyId, publicUrl);
    render(ctx, 'admin/sign-in', {
      here: '/admin/sign-in', settings, redirectUri: publicUrl + ssoCallbackPath,
      secretHint: settings.sso ? 'sso_settings.client_secret_hint_kept' : 'sso_settings.client_secret_hint_new', ...extra,
    }, status);
  };
  const refused = async (ctx: Context, viewer: Viewer, error: unknown, field: string) => {
    if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
    return signInPage(ctx, viewer, { errors: { [field]: domainMessage(ctx, render, error) }, values: ctx.request.body }, error.kind === 'conflict' ? 409 : 422);
  };

  router.get('/admin/sign-in', async (ctx) => signInPage(ctx, requireAdmin(ctx)));

  router.post('/admin/sign-in/domains', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, DomainForm);
    if (!form.ok) return signInPage(ctx, viewer, { errors: form.errors }, 400);
    try {
      await declareDomain(deps.em(), { companyId: viewer.companyId, domain: form.data.domain, actor: viewer.actor });
    } catch (error) {
      return refused(ctx, viewer, error, 'domain');
    }
    see(ctx, '/admin/sign-in?done=domain_declared');
  });

  router.post('/admin/sign-in/domains/withdraw', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, DomainForm);
    if (!form.ok) return signInPage(ctx, viewer, { errors: form.errors }, 400);
    await withdrawDomain(deps.em(), { companyId: viewer.companyId, domain: form.data.domain, actor: viewer.actor });
    see(ctx, '/admin/sign-in?done=domain_withdrawn');
  });

  router.post('/admin/sign-in/policy', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, PolicyForm);
    if (!form.ok) return signInPage(ctx, viewer, { errors: form.errors }, 400);
    await setJoinPolicy(deps.em(), { companyId: viewer.companyId, joinPolicy: form.data.joinPolicy, actor: viewer.actor });
    see(ctx, '/admin/sign-in?done=join_policy_saved');
  });

  router.post('/admin/sign-in/sso', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, SsoForm);
    if (!form.ok) return signInPage(ctx, viewer, { errors: form.errors, values: ctx.request.body }, 400);
    try {
      await setCompanySso(
        { em: deps.em(), secrets: deps.secrets },
        { companyId: viewer.companyId, actor: viewer.actor, issuer: form.data.issuer, clientId: form.data.clientId, label: form.data.label, required: form.data.required === 'on', ...(form.data.clientSecret ? { clientSecret: form.data.clientSecret } : {}) },
      );
    } catch (error) {
      return refused(ctx, viewer, error, error instanceof DomainError && error.details.field === 'clientSecret' ? 'clientSecret' : 'issuer');
    }
    see(ctx, '/admin/sign-in?done=sso_saved');
  });

  router.post('/admin/sign-in/sso/remove', async (ctx) => {
    const viewer = requireAdmin(ctx);
    await removeCompanySso(deps.em(), { companyId: viewer.companyId, actor: viewer.actor });
    see(ctx, '/admin/sign-in?done=sso_removed');
  });

  // ---- "Plan & billing": admins only (Spaces' Administrator role) ----------------------------------
  router.get('/admin/plan', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const plan = await companyPlan(deps.em(), viewer.companyId);
    const { locale } = pageState(ctx);
    render(ctx, 'admin/plan', {
      plan,
      full: plan.seats.contracted !== null && plan.seats.used >= plan.seats.contracted,
      sites: plan.sites.map((s) => ({ ...s, hours: describeSchedule(s.openingHours, locale) })),
      zones: plan.zones.map((z) => ({ ...z, hours: describeSchedule(z.schedule, locale) })),
    });
  });

  // ---- the operator: seats, domains, the billing link ----------------------------------------------
  router.post('/operator/companies/:id/seats', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    await getCompany(deps.em(), viewer.operatorId, id);
    const form = parseForm(ctx, render, SeatsForm);
    if (!form.ok) return see(ctx, `/operator/companies/${id}?done=seats_invalid`);
    await setContractedSeats(deps.em(), { operatorId: viewer.operatorId, companyId: id, contracted: form.data.contracted === '' ? null : form.data.contracted, actor: viewer.actor });
    see(ctx, `/operator/companies/${id}?done=seats_saved`);
  });

  router.post('/operator/companies/:id/domains', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    await getCompany(deps.em(), viewer.operatorId, id);
    const form = parseForm(ctx, render, ConfirmForm);
    if (!form.ok) return see(ctx, `/operator/companies/${id}`);
    await confirmDomain(deps.em(), { companyId: id, domain: form.data.domain, confirmed: form.data.confirmed === 'true', actor: viewer.actor });
    see(ctx, `/operator/companies/${id}?done=${form.data.confirmed === 'true' ? 'domain_confirmed' : 'domain_unconfirmed'}`);
  });

  const billingPage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const billing = await operatorBilling(deps.em(), viewer.operatorId);
    render(ctx, 'operator/billing', { here: '/operator/billing', values: { url: billing.url ?? '', contact: billing.contact ?? '' }, ...extra }, status);
  };
  router.get('/operator/billing', async (ctx) => billingPage(ctx, requireOperator(ctx)));
  router.post('/operator/billing', async (ctx) => {
    const viewer = requireOperator(ctx);
    const form = parseForm(ctx, render, BillingForm);
    if (!form.ok) return billingPage(ctx, viewer, { values: ctx.request.body, errors: form.errors }, 400);
    await setOperatorBilling(deps.em(), { operatorId: viewer.operatorId, url: form.data.url || null, contact: form.data.contact || null, actor: viewer.actor });
    see(ctx, '/operator/billing?done=billing_saved');
  });
}
