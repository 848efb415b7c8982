// The operator's reception desk for a site: today's expected visitors (and who has arrived), the
// kiosk links for the lobby tablet (issued once, revocable), and the arrival instructions every
// visitor's e-mail carries.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { findSite, updateSite } from '../../domain/sites/sites.ts';
import { dateAt } from '../../domain/time.ts';
import { issueKiosk, listKiosks, revokeKiosk } from '../../domain/visits/kiosks.ts';
import { receptionList } from '../../domain/visits/visits.ts';
import type { Viewer } from '../page-context.ts';
import { idParam, parseForm, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';

const KioskForm = z.object({ name: z.string().trim().min(1).max(200) });
const InstructionsForm = z.object({ visitorInstructions: z.string().trim().max(2000).optional() });

export function operatorReceptionPages(router: Router, deps: PageDeps, render: Renderer): void {
  const page = async (ctx: Context, viewer: Viewer & { operatorAdmin: true }, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const site = await findSite(deps.em(), { operatorId: viewer.operatorId }, id);
    const date = dateAt(new Date(), site.timeZone);
    const visits = await receptionList(deps.em(), viewer.operatorId, id, date);
    const kiosks = (await listKiosks(deps.em(), viewer.operatorId, id)).filter((k) => !k.revokedAt);
    render(ctx, 'operator/reception', {
      here: `/operator/sites/${id}/reception`, site, date, visits, kiosks, timeZone: site.timeZone,
      arrived: visits.filter((v) => v.status === 'arrived').length, values: { visitorInstructions: site.visitorInstructions ?? '' }, ...extra,
    }, status);
  };

  router.get('/operator/sites/:id/reception', async (ctx) => page(ctx, requireOperator(ctx), idParam(ctx)));

  router.post('/operator/sites/:id/reception/kiosks', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, KioskForm);
    if (!form.ok) return page(ctx, viewer, id, { kioskErrors: form.errors }, 400);
    const { token } = await issueKiosk(deps.em(), { operatorId: viewer.operatorId, siteId: id, name: form.data.name, actor: viewer.actor });
    // Shown once, in this answer: never stored, never in an address bar's history.
    ctx.set('Cache-Control', 'no-store');
    await page(ctx, viewer, id, { issuedUrl: `${deps.config.http.publicUrl}/reception/${token}` });
  });

  router.post('/operator/sites/:id/reception/kiosks/:kioskId/revoke', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const kioskId = z.uuid().safeParse(ctx.params.kioskId);
    if (kioskId.success) await revokeKiosk(deps.em(), { operatorId: viewer.operatorId, siteId: id, kioskId: kioskId.data, actor: viewer.actor });
    see(ctx, `/operator/sites/${id}/reception?done=kiosk_revoked`);
  });

  router.post('/operator/sites/:id/reception/instructions', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, InstructionsForm);
    if (!form.ok) return page(ctx, viewer, id, { errors: form.errors }, 400);
    await updateSite(deps.em(), { operatorId: viewer.operatorId, siteId: id, visitorInstructions: form.data.visitorInstructions ?? null, actor: viewer.actor });
    see(ctx, `/operator/sites/${id}/reception?done=instructions_saved`);
  });
}
