// The operator's pages for its sites: name and address, Wi-Fi (access points and each company's
// VLAN), door controllers (the signing secret shown once), card stock and its QR labels. Staff
// only; a company admin sees its own sites, read-only, at /admin/sites. The companies' pages are
// operator-companies.ts.
import { isPostgresTime } from '../../domain/time.ts';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AddCardsBody, CreateDoorControllerBody, CreateRadiusClientBody, CreateSiteBody } from '../../http/schemas/sites.schema.ts';
import { createRadiusClient, deleteRadiusClient, listRadiusClients, siteWifi, updateSiteWifi } from '../../domain/sites/wifi.ts';
import { listCompanies } from '../../domain/companies/companies.ts';
import { DomainError } from '../../domain/errors.ts';
import { memberLabels } from '../../domain/members/queries.ts';
import { addCards, listCards, parseCardsCsv, SUPPLIED_QR } from '../../domain/cards/stock.ts';
import { createDoorController, listDoorControllers } from '../../domain/door/controllers.ts';
import { createSite, findSite, listSites, updateSite } from '../../domain/sites/sites.ts';
import { readFormFile } from '../multipart.ts';
import { qrSvg } from '../qr.ts';
import { domainMessage, idParam, parseForm, requireAdmin, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';

const MAX_CARDS_PER_FORM = 1000;
const CARDS_SHOWN = 200;
const LABELS_MAX = 1000;
const CARDS_CSV_MAX_BYTES = 1024 * 1024;
// The page always sends the fields; an empty address or Wi-Fi name means none.
const SiteForm = z.object({
  siteName: z.string().trim().min(1).max(200),
  siteAddress: z.string().trim().max(300).optional(),
  siteTimeZone: CreateSiteBody.shape.timeZone.unwrap(),
  siteWifiSsid: z.string().trim().max(32).optional(),
});
/** One card per line: its number, then optionally a comma and the QR payload printed on it. */
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
// Named apart from the door controller's form on the same page (ids are per field name). The
// port arrives as text; empty (dropped) means the RFC 5176 default.
const RadiusClientForm = z.object({
  clientName: CreateRadiusClientBody.shape.name,
  clientAddress: CreateRadiusClientBody.shape.address,
  clientSecret: CreateRadiusClientBody.shape.secret,
  clientCoaPort: z.coerce.number().int().min(1).max(65535).default(3799),
});
// One field per company, `vlan_<companyId>`: a number, or empty for none.
const vlanField = /^vlan_([0-9a-f-]{36})$/;
const VlanValue = z.union([z.literal(''), z.coerce.number().int().min(1).max(4094)]);

/** The door agent's own settings, commented out for the installer to fill in (docs/door-agent.md). */
const AGENT_WIRING = ['SERIAL_PORT=/dev/ttyUSB0', 'SERIAL_BAUD=9600', 'READERS=0', 'READER_KEY=', 'LOCK_OUTPUT=0', 'LOCK_SECONDS=5'].map((l) => `#${l}\n`).join('');

export function operatorPages(router: Router, deps: PageDeps, render: Renderer): void {
  const radiusServer = deps.config.radius.server;
  // ---- a company admin's view of its sites: read-only ---------------------------------------------
  router.get('/admin/sites', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const sites = await listSites(deps.em(), { companyId: viewer.companyId });
    render(ctx, 'admin/sites', { here: '/admin/sites', sites });
  });

  // ---- sites ----------------------------------------------------------------------------------------
  const sitesPage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const sites = await listSites(deps.em(), { operatorId: viewer.operatorId });
    render(ctx, 'operator/sites', { here: '/operator/sites', sites, timeZones: Intl.supportedValuesOf('timeZone'), values: { timeZone: 'Europe/Paris' }, ...extra }, status);
  };

  router.get('/operator/sites', async (ctx) => sitesPage(ctx, requireOperator(ctx)));

  router.post('/operator/sites', async (ctx) => {
    const viewer = requireOperator(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, CreateSiteBody);
    if (!form.ok) return sitesPage(ctx, viewer, { values, errors: form.errors }, 400);
    try {
      const site = await createSite(deps.em(), { operatorId: viewer.operatorId, ...form.data, actor: viewer.actor });
      see(ctx, `/operator/sites/${site.id}?done=site_created`);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'site_exists')) throw error;
      return sitesPage(ctx, viewer, { values, errors: { name: domainMessage(ctx, render, error) } }, 409);
    }
  });

  // What a card's QR code encodes: the page a phone opens to register it.
  const cardQrUrl = (qr: string) => `${deps.config.http.publicUrl}/q/${qr}`;

  const sitePage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const site = await findSite(deps.em(), { operatorId: viewer.operatorId }, id);
    const [controllers, cards, companies, radiusClients, wifi] = await Promise.all([
      listDoorControllers(deps.em(), viewer.operatorId, id),
      listCards(deps.em(), viewer.operatorId, id),
      listCompanies(deps.em(), viewer.operatorId),
      listRadiusClients(deps.em(), viewer.operatorId, id),
      siteWifi(deps.em(), viewer.operatorId, id, radiusServer),
    ]);
    const counts = { stock: 0, assigned: 0, revoked: 0 };
    for (const card of cards) counts[card.state]++;
    const here = companies.filter((c) => c.siteIds.includes(id) && !c.offboardedAt);
    // The stock's QR codes, drawn (a long list stays a list: the labels page is for printing).
    const holderIds = [...new Set(cards.slice(0, CARDS_SHOWN).flatMap((c) => (c.memberId ? [c.memberId] : [])))];
    const holders = await memberLabels(deps.em(), { operatorId: viewer.operatorId }, holderIds);
    const shown = await Promise.all(cards.slice(0, CARDS_SHOWN).map(async (card) => ({ ...card, holder: card.memberId ? (holders.get(card.memberId) ?? null) : null, qrSvg: card.state === 'stock' ? await qrSvg(cardQrUrl(card.qr), render.t(ctx, 'site.card_qr_of', { number: card.number })) : null })));
    const batch = typeof ctx.query.added === 'string' ? cards.filter((c) => c.addedAt === ctx.query.added && c.state === 'stock').length : 0;
    // The file a door controller is set up with: where the API is, who it is, its secret.
    const created = extra.created as { id: string; name: string; secret: string } | undefined;
    const controllerFile = created
      ? `data:text/plain;charset=utf-8,${encodeURIComponent(`# ${render.t(ctx, 'site.config_file_comment', { name: created.name, site: site.name })}\nPUBLIC_URL=${deps.config.http.publicUrl}\nDOOR_CONTROLLER_ID=${created.id}\nDOOR_CONTROLLER_SECRET=${created.secret}\n\n# ${render.t(ctx, 'site.config_file_wiring')}\n${AGENT_WIRING}`)}`
      : null;
    render(ctx, 'operator/site', {
      here: `/operator/sites/${id}`, site, cards: shown,
      controllers: controllers.map((c) => ({ ...c, behind: c.agent !== null && (c.agent.listVersion ?? 0) < c.accessListVersion })),
      anySilent: controllers.some((c) => c.health === 'silent'), moreCards: Math.max(0, cards.length - CARDS_SHOWN), counts, companies: here, radiusClients, wifi, timeZone: site.timeZone,
      batch: batch ? { count: batch, url: `/operator/sites/${id}/labels?${new URLSearchParams({ added: String(ctx.query.added) })}` } : null,
      controllerFile,
      ...extra,
    }, status);
  };

  router.post('/operator/sites/:id/radius-clients', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, RadiusClientForm);
    if (!form.ok) return sitePage(ctx, viewer, id, { radiusValues: values, radiusErrors: form.errors }, 400);
    let createdClient;
    try {
      const { clientName: name, clientAddress: address, clientSecret: secret, clientCoaPort: coaPort } = form.data;
      createdClient = await createRadiusClient(deps.em(), { operatorId: viewer.operatorId, siteId: id, name, address, ...(secret ? { secret } : {}), coaPort, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid_address', 'radius_client_exists'].includes(error.code)) throw error;
      return sitePage(ctx, viewer, id, { radiusValues: values, radiusErrors: { clientAddress: domainMessage(ctx, render, error) } }, error.kind === 'invalid' ? 400 : 409);
    }
    // The secret is shown on this answer only, like a door controller's.
    await sitePage(ctx, viewer, id, { createdClient }, 201);
  });

  router.post('/operator/sites/:id/radius-clients/:clientId/delete', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const clientId = z.uuid().safeParse(ctx.params.clientId);
    if (!clientId.success) throw new DomainError('radius_client_not_found', 'not_found', 'no such RADIUS client');
    await deleteRadiusClient(deps.em(), { operatorId: viewer.operatorId, siteId: id, clientId: clientId.data, actor: viewer.actor });
    see(ctx, `/operator/sites/${id}?done=radius_client_removed`);
  });

  router.post('/operator/sites/:id/wifi', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const body = ctx.request.body as Record<string, string>;
    const vlans: { companyId: string; vlan: number | null }[] = [];
    const vlanErrors: Record<string, string> = {};
    for (const [name, raw] of Object.entries(body)) {
      const companyId = vlanField.exec(name)?.[1];
      if (!companyId) continue;
      const vlan = VlanValue.safeParse(String(raw).trim());
      if (vlan.success) vlans.push({ companyId, vlan: vlan.data === '' ? null : vlan.data });
      else vlanErrors[name] = render.t(ctx, 'site.vlan_invalid');
    }
    if (Object.keys(vlanErrors).length) return sitePage(ctx, viewer, id, { vlanValues: body, vlanErrors }, 400);
    await updateSiteWifi(deps.em(), { operatorId: viewer.operatorId, siteId: id, vlans, actor: viewer.actor }, radiusServer);
    see(ctx, `/operator/sites/${id}?done=wifi_updated`);
  });

  router.get('/operator/sites/:id', async (ctx) => sitePage(ctx, requireOperator(ctx), idParam(ctx)));

  router.post('/operator/sites/:id', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, SiteForm);
    if (!form.ok) return sitePage(ctx, viewer, id, { siteValues: values, siteErrors: form.errors }, 400);
    try {
      const { siteName: name, siteAddress, siteTimeZone: timeZone, siteWifiSsid } = form.data;
      await updateSite(deps.em(), { operatorId: viewer.operatorId, siteId: id, name, address: siteAddress || null, timeZone, wifiSsid: siteWifiSsid || null, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'site_exists')) throw error;
      return sitePage(ctx, viewer, id, { siteValues: values, siteErrors: { siteName: domainMessage(ctx, render, error) } }, 409);
    }
    see(ctx, `/operator/sites/${id}?done=site_updated`);
  });

  router.post('/operator/sites/:id/door-controllers', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, CreateDoorControllerBody);
    if (!form.ok) return sitePage(ctx, viewer, id, { controllerErrors: form.errors }, 400);
    const created = await createDoorController(deps.em(), deps.secrets, { operatorId: viewer.operatorId, siteId: id, name: form.data.name, actor: viewer.actor });
    // Shown on this answer only (no redirect: the secret must not sit in a URL or be shown twice).
    await sitePage(ctx, viewer, id, { created }, 201);
  });

  router.post('/operator/sites/:id/cards', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, CardsForm);
    if (!form.ok) return sitePage(ctx, viewer, id, { cardValues: values, cardErrors: { cards: render.t(ctx, 'errors.cards_format') } }, 400);
    let added;
    try {
      added = await addCards(deps.em(), { operatorId: viewer.operatorId, siteId: id, cards: form.data.cards, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError) || !['card_exists', 'card_qr_exists', 'card_number_repeated'].includes(error.code)) throw error;
      return sitePage(ctx, viewer, id, { cardValues: values, cardErrors: { cards: domainMessage(ctx, render, error) } }, error.kind === 'invalid' ? 400 : 409);
    }
    see(ctx, `/operator/sites/${id}?done=cards_added&added=${encodeURIComponent(added[0]!.addedAt)}#site-cards`);
  });

  // Card stock from a spreadsheet (a supplier's delivery note): the same checks as typed cards.
  router.post('/operator/sites/:id/cards/import', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const fail = (message: string, status = 400) => sitePage(ctx, viewer, id, { importErrors: { cardsFile: message } }, status);
    const upload = await readFormFile(ctx, render, CARDS_CSV_MAX_BYTES);
    if (!upload.ok) return fail(upload.message, upload.status);
    let added;
    try {
      const rows = parseCardsCsv(upload.text);
      const checked = AddCardsBody.safeParse({ cards: rows.map(({ row: _row, ...card }) => card) });
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        const index = typeof issue.path[1] === 'number' ? issue.path[1] : null;
        if (index === null) return fail(render.t(ctx, 'site.import_too_many'));
        return fail(render.t(ctx, 'site.import_row_error', { row: rows[index]!.row, number: rows[index]!.number, problem: render.t(ctx, issue.path[2] === 'qr' ? 'site.import_bad_qr' : 'site.import_bad_number') }));
      }
      added = await addCards(deps.em(), { operatorId: viewer.operatorId, siteId: id, cards: checked.data.cards, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError) || !['card_exists', 'card_qr_exists', 'card_number_repeated', 'csv_invalid', 'import_empty', 'invalid_text'].includes(error.code)) throw error;
      return fail(domainMessage(ctx, render, error), error.kind === 'invalid' ? 400 : 409);
    }
    see(ctx, `/operator/sites/${id}?done=cards_imported&added=${encodeURIComponent(added[0]!.addedAt)}#site-cards`);
  });

  // A sheet of labels to print and stick on stock cards: number and QR code, one batch or all.
  router.get('/operator/sites/:id/labels', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const site = await findSite(deps.em(), { operatorId: viewer.operatorId }, id);
    // A batch is named by the time its cards joined the stock; anything else prints the whole stock.
    const addedAt = isPostgresTime(ctx.query.added) ? ctx.query.added : undefined;
    const cards = await listCards(deps.em(), viewer.operatorId, id, { state: 'stock', addedAt });
    const labels = await Promise.all(cards.slice(0, LABELS_MAX).map(async (card) => ({ ...card, qrSvg: await qrSvg(cardQrUrl(card.qr), render.t(ctx, 'site.card_qr_of', { number: card.number }), 'qr label-qr') })));
    render(ctx, 'operator/labels', { here: `/operator/sites/${id}/labels`, site, labels, batch: Boolean(addedAt), tooMany: cards.length > LABELS_MAX, total: cards.length, timeZone: site.timeZone });
  });

}
