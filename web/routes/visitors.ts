// "My visitors" (Workways' profile menu → My visitors): a member invites a visitor, sees who is
// coming and who came, and cancels a visit; a company's admins see every visitor of the company.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { LIVE_VISIT_STATUSES } from '../../db/entities/visit.entity.ts';
import { DomainError } from '../../domain/errors.ts';
import { dateAt } from '../../domain/time.ts';
import { inviteVisitor } from '../../domain/visits/invite-visitor.ts';
import { cancelVisit } from '../../domain/visits/visit-changes.ts';
import { listVisits, type VisitScope, type VisitView } from '../../domain/visits/visits.ts';
import { InviteVisitorBody } from '../../http/schemas/visits.schema.ts';
import { DateOnly } from '../../http/schemas/common.schema.ts';
import type { Viewer } from '../page-context.ts';
import { domainMessage, idParam, parseForm, requireAdmin, requireViewer, see, type PageDeps, type Renderer } from '../page.ts';

const VisitorForm = z.object({
  email: InviteVisitorBody.shape.email,
  name: z.string().trim().max(200).optional(),
  date: DateOnly.optional(),
  expectedAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).optional(),
  message: z.string().trim().max(1000).optional(),
  locale: z.enum(['fr', 'en']).optional(),
});

/** Upcoming (today on, live or arrived today) and past, as people read a list of visits. */
function split(visits: VisitView[], today: string) {
  const mark = (v: VisitView) => ({ ...v, cancellable: LIVE_VISIT_STATUSES.includes(v.status) });
  return {
    upcoming: visits.filter((v) => v.date >= today).map(mark).reverse(),
    past: visits.filter((v) => v.date < today).map(mark),
  };
}

export function visitorPages(router: Router, deps: PageDeps, render: Renderer): void {
  const page = async (ctx: Context, viewer: Viewer, view: 'visitors' | 'admin/visitors', extra: Record<string, unknown> = {}, status = 200) => {
    const scope: VisitScope = view === 'visitors' ? { hostMemberId: viewer.memberId, companyId: viewer.companyId } : { companyId: viewer.companyId };
    const today = dateAt(new Date(), viewer.timeZone);
    const visits = await listVisits(deps.em(), scope, { limit: 200 });
    const here = view === 'visitors' ? '/visitors' : '/admin/visitors';
    render(ctx, view, { here, today, ...split(visits, today), values: { date: today, locale: viewer.locale }, ...extra }, status);
  };

  router.get('/visitors', async (ctx) => page(ctx, requireViewer(ctx), 'visitors'));
  router.get('/admin/visitors', async (ctx) => page(ctx, requireAdmin(ctx), 'admin/visitors'));

  router.post('/visitors', async (ctx) => {
    const viewer = requireViewer(ctx);
    const values = ctx.request.body as Record<string, unknown>;
    const form = parseForm(ctx, render, VisitorForm);
    if (!form.ok) return page(ctx, viewer, 'visitors', { errors: form.errors, values }, 400);
    try {
      await inviteVisitor(
        { em: deps.em(), visits: deps.visits },
        {
          companyId: viewer.companyId, hostMemberId: viewer.memberId, kind: 'invited', visitorEmail: form.data.email, visitorName: form.data.name,
          date: form.data.date, expectedAt: form.data.expectedAt, message: form.data.message, locale: form.data.locale, actor: viewer.actor,
        },
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      const field = typeof error.details.field === 'string' && error.details.field !== 'hostMemberId' ? error.details.field : '_form';
      return page(ctx, viewer, 'visitors', { errors: { [field]: domainMessage(ctx, render, error) }, values }, 422);
    }
    see(ctx, '/visitors?done=visitor_invited');
  });

  // A host cancels their own visit; an admin any of the company's.
  router.post('/visitors/:id/cancel', async (ctx) => {
    const viewer = requireViewer(ctx);
    const admin = viewer.role === 'admin' || viewer.operatorAdmin;
    const scope: VisitScope = admin ? { companyId: viewer.companyId } : { hostMemberId: viewer.memberId, companyId: viewer.companyId };
    try {
      const visit = await cancelVisit(deps.em(), scope, idParam(ctx), viewer.actor);
      await deps.visits.cancelled(visit.id);
    } catch (error) {
      // Cancelled twice (two tabs), or arrived meanwhile: the list shows where it stands.
      if (!(error instanceof DomainError && error.code === 'visit_over')) throw error;
    }
    const back = String((ctx.request.body as Record<string, unknown>)?.back ?? '') === 'admin' && admin ? '/admin/visitors' : '/visitors';
    see(ctx, `${back}?done=visit_cancelled`);
  });
}
