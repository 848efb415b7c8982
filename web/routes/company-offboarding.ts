// Ending a company's contract removes every member at once (doors, Wi-Fi, sessions): the
// company page's button now leads to a confirmation that names the company, how many members go
// and when, and asks the operator to type the company's name (as GitHub asks before deleting a
// repository). Only the confirmation's POST schedules anything.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { getCompany, scheduleCompanyOffboarding } from '../../domain/companies/companies.ts';
import { DomainError } from '../../domain/errors.ts';
import { zonedTime } from '../../domain/time.ts';
import type { Viewer } from '../page-context.ts';
import { domainMessage, idParam, parseForm, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';

const EffectiveAt = z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)]).optional();
const OffboardingForm = z.object({ effectiveAt: EffectiveAt });
const ConfirmForm = z.object({ effectiveAt: EffectiveAt, confirmName: z.string().max(300).default('') });

export function companyOffboardingPages(router: Router, deps: PageDeps, render: Renderer, companyPage: (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown>, status: number) => Promise<void>): void {
  const confirmPage = async (ctx: Context, viewer: Viewer, id: string, effectiveAt: string, extra: Record<string, unknown> = {}, status = 200) => {
    const company = await getCompany(deps.em(), viewer.operatorId, id);
    if (company.offboardedAt) return see(ctx, `/operator/companies/${id}`);
    render(ctx, 'operator/offboard-confirm', {
      here: `/operator/companies/${id}`,
      company,
      effectiveAt,
      when: effectiveAt ? zonedTime(effectiveAt, viewer.timeZone).toISOString() : null,
      timeZone: viewer.timeZone,
      ...extra,
    }, status);
  };

  // The company page's form: asks first, decides nothing.
  router.post('/operator/companies/:id/offboarding', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, OffboardingForm);
    if (!form.ok) return companyPage(ctx, viewer, id, { offboardingErrors: form.errors }, 400);
    await confirmPage(ctx, viewer, id, form.data.effectiveAt ?? '');
  });

  router.post('/operator/companies/:id/offboarding/confirm', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, ConfirmForm);
    if (!form.ok) return companyPage(ctx, viewer, id, { offboardingErrors: form.errors }, 400);
    const company = await getCompany(deps.em(), viewer.operatorId, id);
    const effectiveAt = form.data.effectiveAt ?? '';
    if (form.data.confirmName.trim() !== company.name.trim()) {
      return confirmPage(ctx, viewer, id, effectiveAt, { errors: { confirmName: render.t(ctx, 'offboard_confirm.name_mismatch', { name: company.name }) } }, 422);
    }
    try {
      await scheduleCompanyOffboarding(
        { em: deps.em(), lifecycles: deps.lifecycles },
        { operatorId: viewer.operatorId, companyId: id, ...(effectiveAt ? { effectiveAt: zonedTime(effectiveAt, viewer.timeZone) } : {}), actor: viewer.actor },
      );
    } catch (error) {
      if (!(error instanceof DomainError) || !['offboarding_exists', 'company_offboarded'].includes(error.code)) throw error;
      return companyPage(ctx, viewer, id, { offboardingErrors: { effectiveAt: domainMessage(ctx, render, error) } }, 409);
    }
    see(ctx, `/operator/companies/${id}?done=offboarding_scheduled`);
  });
}
