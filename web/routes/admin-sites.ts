// Sites, their door controllers (the signing secret shown once, on the page that created it) and
// their card stock.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { CreateDoorControllerBody, CreateSiteBody } from '../../api/routes/sites.schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { addCards, createDoorController, createSite, findSite, listCards, listDoorControllers, listSites, SUPPLIED_QR, updateSite } from '../../domain/sites/sites.ts';
import { domainMessage, idParam, parseForm, requireAdmin, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';

const MAX_CARDS_PER_FORM = 1000;
/** One card per line: its number, then optionally a comma and the QR payload printed on it. */
// The page always sends the three fields; an empty Wi-Fi name means none.
const SiteForm = z.object({
  siteName: z.string().trim().min(1).max(200),
  siteTimeZone: CreateSiteBody.shape.timeZone.unwrap(),
  siteWifiSsid: z.string().trim().max(32).optional(),
});
const CardsForm = z.object({
  cards: z
    .string()
    .transform((text) =>
      text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => {
          const [number, qr] = line.split(/[,;\t]/).map((part) => part.trim());
          return { number: number!, ...(qr ? { qr } : {}) };
        }),
    )
    .pipe(
      z
        .array(z.object({ number: z.string().min(1).max(64), qr: z.string().regex(SUPPLIED_QR).optional() }))
        .min(1)
        .max(MAX_CARDS_PER_FORM),
    ),
});

export function adminSitePages(router: Router, deps: PageDeps, render: Renderer): void {
  const sitesPage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const sites = await listSites(deps.em(), viewer.organizationId);
    render(ctx, 'admin/sites', { here: '/admin/sites', sites, timeZones: Intl.supportedValuesOf('timeZone'), values: { timeZone: 'Europe/Paris' }, ...extra }, status);
  };

  router.get('/admin/sites', async (ctx) => sitesPage(ctx, requireAdmin(ctx)));

  router.post('/admin/sites', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, CreateSiteBody);
    if (!form.ok) return sitesPage(ctx, viewer, { values, errors: form.errors }, 400);
    try {
      const site = await createSite(deps.em(), { organizationId: viewer.organizationId, ...form.data, actor: viewer.actor });
      see(ctx, `/admin/sites/${site.id}?done=site_created`);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'site_exists')) throw error;
      return sitesPage(ctx, viewer, { values, errors: { name: domainMessage(ctx, render, error) } }, 409);
    }
  });

  const sitePage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const site = await findSite(deps.em(), viewer.organizationId, id);
    const [controllers, cards] = await Promise.all([listDoorControllers(deps.em(), viewer.organizationId, id), listCards(deps.em(), viewer.organizationId, id)]);
    const counts = { stock: 0, assigned: 0, revoked: 0 };
    for (const card of cards) counts[card.state]++;
    // What a card's QR code should encode: the page a phone opens to register it.
    const qrBase = `${deps.config.http.publicUrl}/q/`;
    render(ctx, 'admin/site', { here: `/admin/sites/${id}`, site, controllers, cards, counts, qrBase, timeZone: site.timeZone, ...extra }, status);
  };

  router.get('/admin/sites/:id', async (ctx) => sitePage(ctx, requireAdmin(ctx), idParam(ctx)));

  router.post('/admin/sites/:id', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, SiteForm);
    if (!form.ok) return sitePage(ctx, viewer, id, { siteValues: values, siteErrors: form.errors }, 400);
    try {
      const { siteName: name, siteTimeZone: timeZone, siteWifiSsid } = form.data;
      await updateSite(deps.em(), { organizationId: viewer.organizationId, siteId: id, name, timeZone, wifiSsid: siteWifiSsid || null, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'site_exists')) throw error;
      return sitePage(ctx, viewer, id, { siteValues: values, siteErrors: { siteName: domainMessage(ctx, render, error) } }, 409);
    }
    see(ctx, `/admin/sites/${id}?done=site_updated`);
  });

  router.post('/admin/sites/:id/door-controllers', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, CreateDoorControllerBody);
    if (!form.ok) return sitePage(ctx, viewer, id, { controllerErrors: form.errors }, 400);
    const created = await createDoorController(deps.em(), deps.secrets, { organizationId: viewer.organizationId, siteId: id, name: form.data.name, actor: viewer.actor });
    // Shown on this answer only (no redirect: the secret must not sit in a URL or be shown twice).
    await sitePage(ctx, viewer, id, { created }, 201);
  });

  router.post('/admin/sites/:id/cards', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, CardsForm);
    if (!form.ok) return sitePage(ctx, viewer, id, { cardValues: values, cardErrors: { cards: render.t(ctx, 'errors.cards_format') } }, 400);
    try {
      await addCards(deps.em(), { organizationId: viewer.organizationId, siteId: id, cards: form.data.cards, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError) || !['card_exists', 'card_qr_exists', 'card_number_repeated'].includes(error.code)) throw error;
      return sitePage(ctx, viewer, id, { cardValues: values, cardErrors: { cards: domainMessage(ctx, render, error) } }, error.kind === 'invalid' ? 400 : 409);
    }
    see(ctx, `/admin/sites/${id}?done=cards_added`);
  });
}
