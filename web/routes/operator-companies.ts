// The operator's pages for its customer companies: create one with its sites and a first admin,
// change its name and sites, end its contract at a date and follow the offboarding. Staff only.
import type Router from '@koa/router';
import { seatUsage } from '../../domain/companies/seats.ts';
import { getCompanySignIn } from '../../domain/sign-in/company-sign-in.ts';
import type { Context } from 'koa';
import { z } from 'zod';
import { Email, Locale } from '../../http/schemas/common.schema.ts';
import { cancelCompanyOffboarding, getCompany, listCompanies, updateCompany } from '../../domain/companies/companies.ts';
import { addCompany } from '../../domain/companies/create-company.ts';
import { DomainError } from '../../domain/errors.ts';
import { listMembers } from '../../domain/members/queries.ts';
import { listSites } from '../../domain/sites/sites.ts';
import { companyOffboardingPages } from './company-offboarding.ts';
import { domainMessage, idParam, parseForm, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';

// Checkboxes arrive as one value or several.
const siteIdList = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.uuid()).min(1).max(100));
const CompanyForm = z.object({
  name: z.string().trim().min(1).max(200),
  siteIds: siteIdList,
  adminEmail: Email,
  adminName: z.string().trim().max(200).optional(),
  adminLocale: Locale,
});
const CompanyEditForm = z.object({ name: z.string().trim().min(1).max(200), siteIds: siteIdList, offboardMembers: z.literal('on').optional() });

export function operatorCompanyPages(router: Router, deps: PageDeps, render: Renderer): void {
  const companiesPage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const [companies, sites] = await Promise.all([listCompanies(deps.em(), viewer.operatorId), listSites(deps.em(), { operatorId: viewer.operatorId })]);
    const siteName = new Map(sites.map((s) => [s.id, s.name]));
    const rows = companies.map((c) => ({ ...c, siteNames: c.siteIds.map((id) => siteName.get(id) ?? id).join(', ') }));
    const chosen = (extra.values as { siteIds?: string | string[] } | undefined)?.siteIds;
    const checked = new Set(chosen === undefined ? (sites.length === 1 ? [sites[0]!.id] : []) : [chosen].flat());
    render(ctx, 'operator/companies', {
      here: '/operator/companies',
      companies: rows,
      sites: sites.map((s) => ({ ...s, checked: checked.has(s.id) })),
      values: { adminLocale: viewer.locale },
      ...extra,
    }, status);
  };

  router.get('/operator/companies', async (ctx) => companiesPage(ctx, requireOperator(ctx)));

  router.post('/operator/companies', async (ctx) => {
    const viewer = requireOperator(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, CompanyForm);
    if (!form.ok) return companiesPage(ctx, viewer, { values, errors: form.errors }, 400);
    const { name, siteIds, adminEmail, adminName, adminLocale } = form.data;
    let created: Awaited<ReturnType<typeof addCompany>>;
    try {
      created = await addCompany({ em: deps.em(), lifecycles: deps.lifecycles }, viewer.operatorId, { name, siteIds, admin: { email: adminEmail, ...(adminName ? { name: adminName } : {}), locale: adminLocale }, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError) || !['site_not_found', 'site_required'].includes(error.code)) throw error;
      return companiesPage(ctx, viewer, { values, errors: { siteIds: domainMessage(ctx, render, error) } }, 422);
    }
    // The key is shown on this answer only, like a door controller's secret.
    await companiesPage(ctx, viewer, { createdCompany: { id: created.companyId, name, apiKey: created.apiKey, adminEmail: adminEmail.toLowerCase() } }, 201);
  });

  const companyPage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const company = await getCompany(deps.em(), viewer.operatorId, id);
    const [sites, members, seats, signIn] = await Promise.all([
      listSites(deps.em(), { operatorId: viewer.operatorId }),
      listMembers(deps.em(), { companyId: id }, { limit: 50 }),
      seatUsage(deps.em(), id),
      getCompanySignIn(deps.em(), id, deps.config.http.publicUrl),
    ]);
    const chosen = (extra.values as { siteIds?: string | string[] } | undefined)?.siteIds;
    const checked = new Set(chosen === undefined ? company.siteIds : [chosen].flat());
    const offboarding = company.offboarding;
    const live = offboarding && (offboarding.state === 'scheduled' || offboarding.state === 'running');
    render(ctx, 'operator/company', {
      here: `/operator/companies/${id}`,
      company,
      sites: sites.map((s) => ({ ...s, checked: checked.has(s.id) })),
      members: members.items,
      seats,
      domains: signIn.domains,
      moreMembers: Boolean(members.nextCursor),
      offboarding,
      scheduled: offboarding?.state === 'scheduled',
      progressing: offboarding?.state === 'running' || offboarding?.state === 'completed',
      canOffboard: !company.offboardedAt && !live,
      // Refreshes itself while members are being removed.
      refresh: offboarding?.state === 'running',
      timeZone: viewer.timeZone,
      ...extra,
    }, status);
  };

  router.get('/operator/companies/:id', async (ctx) => companyPage(ctx, requireOperator(ctx), idParam(ctx)));

  router.post('/operator/companies/:id', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, CompanyEditForm);
    if (!form.ok) return companyPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    try {
      await updateCompany(
        { em: deps.em(), lifecycles: deps.lifecycles },
        { operatorId: viewer.operatorId, companyId: id, name: form.data.name, siteIds: form.data.siteIds, offboardMembers: form.data.offboardMembers === 'on', actor: viewer.actor },
      );
    } catch (error) {
      if (!(error instanceof DomainError) || !['site_has_members', 'site_not_found', 'site_required', 'company_offboarded'].includes(error.code)) throw error;
      const message = error.code === 'site_has_members' ? render.t(ctx, 'company.site_has_members', { count: error.details.members }) : domainMessage(ctx, render, error);
      return companyPage(ctx, viewer, id, { values, errors: { siteIds: message }, askOffboardMembers: error.code === 'site_has_members' }, error.kind === 'conflict' ? 409 : 422);
    }
    see(ctx, `/operator/companies/${id}?done=company_updated`);
  });

  companyOffboardingPages(router, deps, render, companyPage);

  router.get('/operator/companies/:id/offboarding/status', async (ctx) => {
    const viewer = requireOperator(ctx);
    const { offboarding } = await getCompany(deps.em(), viewer.operatorId, idParam(ctx));
    ctx.type = 'application/json';
    ctx.body = { state: offboarding ? `${offboarding.state}:${offboarding.removed}` : 'none' };
  });

  router.post('/operator/companies/:id/offboarding/cancel', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    try {
      await cancelCompanyOffboarding({ em: deps.em(), lifecycles: deps.lifecycles }, { operatorId: viewer.operatorId, companyId: id, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError) || !['offboarding_started', 'offboarding_not_found', 'offboarding_not_running'].includes(error.code)) throw error;
      return companyPage(ctx, viewer, id, { offboardingErrors: { effectiveAt: domainMessage(ctx, render, error) } }, 409);
    }
    see(ctx, `/operator/companies/${id}?done=offboarding_cancelled`);
  });
}
