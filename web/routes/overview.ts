// The overview: a company's admins see their members at a glance and who needs them; the
// operator's staff see every company's. Each count and list leads to the members list or a member.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { MEMBER_STATUSES } from '../../db/entities/index.ts';
import { memberOverview } from '../../domain/members/overview.ts';
import type { CompanyScope } from '../../domain/members/queries.ts';
import { auditCsvLines } from '../../domain/members/audit-export.ts';
import { onboardingChart } from '../charts.ts';
import { sendCsv } from '../csv.ts';
import { pageState } from '../page-context.ts';
import { requireAdmin, requireOperator, type PageDeps, type Renderer } from '../page.ts';

export function overviewPages(router: Router, deps: PageDeps, render: Renderer): void {
  const overviewPage = async (ctx: Context, scope: CompanyScope, operator: boolean) => {
    const overview = await memberOverview(deps.em(), scope);
    const locale = pageState(ctx).locale === 'en' ? 'en-GB' : 'fr-FR';
    const weekLabel = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const label = (weekOf: string) => weekLabel.format(new Date(`${weekOf}T12:00:00Z`));
    render(ctx, 'admin/overview', {
      overview,
      operator,
      // Removed members are history, not a step: their count sits apart.
      statuses: MEMBER_STATUSES.filter((s) => s !== 'removed').map((status) => ({ status, count: overview.counts[status] })),
      // Nobody but the admin looking (or, for the operator, no company's member yet): say where to begin.
      gettingStarted: operator ? overview.current + overview.counts.removed <= overview.companies.length : overview.current + overview.counts.removed <= 1,
      chart: onboardingChart(overview.weeks, { title: render.t(ctx, 'overview.chart_title'), invited: render.t(ctx, 'overview.invited'), onboarded: render.t(ctx, 'overview.onboarded'), label }),
      weeks: overview.weeks.map((w) => ({ ...w, label: label(w.weekOf) })),
      // The operator's lists span companies: the members list there is one company's, so each
      // line leads to the member (in their company) rather than to a filtered list.
      listsUrl: operator ? null : '/admin/members',
    });
  };

  router.get('/admin', async (ctx) => {
    const viewer = requireAdmin(ctx);
    await overviewPage(ctx, { companyId: viewer.companyId }, false);
  });

  // The company's audit trail for a spreadsheet (the API's `GET /v1/audit?format=csv`, from a link).
  router.get('/admin/audit.csv', async (ctx) => {
    const viewer = requireAdmin(ctx);
    sendCsv(ctx, 'audit.csv', await auditCsvLines(deps.em(), { companyId: viewer.companyId }, {}));
  });

  router.get('/operator', async (ctx) => {
    const viewer = requireOperator(ctx);
    await overviewPage(ctx, { operatorId: viewer.operatorId }, true);
  });
}
