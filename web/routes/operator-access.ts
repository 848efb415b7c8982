// The operator's access pages: a site's zones and which door guards which, its opening hours and
// closures, who is present now (the evacuation roll-call) and the access log; a company's grants
// of zones, each on its schedule. Staff only: company admins never see entry times.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { entryLog, entryLogLines, presentNow, type EntryLogFilter } from '../../domain/access/entry-events.ts';
import { grantZone, listZoneGrants, revokeZone, setOpeningHours } from '../../domain/access/grants.ts';
import { describeSchedule, parseScheduleText, scheduleText } from '../../domain/access/words.ts';
import { createZone, listZones, moveDoorController, renameZone } from '../../domain/access/zones.ts';
import { getCompany } from '../../domain/companies/companies.ts';
import { DomainError } from '../../domain/errors.ts';
import { findSite, listSites } from '../../domain/sites/sites.ts';
import { midnightAt, nextDay } from '../../domain/time.ts';
import { sendCsv } from '../csv.ts';
import { domainMessage, idParam, parseForm, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';
import { pageState, type Viewer } from '../page-context.ts';

const ZoneForm = z.object({ zoneName: z.string().trim().min(1).max(200) });
const MoveForm = z.object({ doorControllerId: z.uuid(), zoneId: z.uuid() });
const ScheduleForm = z.object({ weekly: z.string().max(4000).default(''), closures: z.string().max(4000).default('') });
const GrantForm = ScheduleForm.extend({ zoneId: z.uuid() });
const LOG_PAGE = 100;
const LogFilter = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  type: z.enum(['granted', 'denied']).optional(),
  cardNumber: z.string().trim().max(64).optional(),
  cursor: z.string().max(500).optional(),
});

/** A schedule typed in a form: null (always) when both fields are empty; a 400 names what is wrong. */
function typedSchedule(ctx: Context, render: Renderer, form: { weekly: string; closures: string }, field: string) {
  try {
    return { ok: true as const, schedule: parseScheduleText(form.weekly, form.closures, field) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { ok: false as const, message: `${domainMessage(ctx, render, error)} (${error.message})` };
  }
}

export function operatorAccessPages(router: Router, deps: PageDeps, render: Renderer): void {
  // ---- a site: zones, doors, hours, present now ----------------------------------------------------
  const accessPage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const locale = pageState(ctx).locale;
    const site = await findSite(deps.em(), { operatorId: viewer.operatorId }, id);
    const [zones, present] = await Promise.all([listZones(deps.em(), viewer.operatorId, id), presentNow(deps.em(), viewer.operatorId, id, new Date())]);
    const doors = zones.flatMap((z) => z.doorControllers.map((d) => ({ ...d, zoneId: z.id, zoneName: z.name })));
    render(ctx, 'operator/access', {
      here: `/operator/sites/${id}/access`,
      site,
      zones: zones.map((z) => ({ ...z, companyNames: z.companies.map((c) => c.name).join(', ') })),
      doors: doors.map((d) => ({ ...d, zones: zones.map((z) => ({ id: z.id, name: z.name, selected: z.id === d.zoneId })) })),
      hours: describeSchedule(site.openingHours, locale),
      hoursValues: (extra.hoursValues as object | undefined) ?? scheduleText(site.openingHours),
      present,
      timeZone: site.timeZone,
      ...extra,
    }, status);
  };

  router.get('/operator/sites/:id/access', async (ctx) => accessPage(ctx, requireOperator(ctx), idParam(ctx)));

  router.post('/operator/sites/:id/zones', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, ZoneForm);
    if (!form.ok) return accessPage(ctx, viewer, id, { zoneErrors: form.errors }, 400);
    try {
      await createZone(deps.em(), { operatorId: viewer.operatorId, siteId: id, name: form.data.zoneName, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'zone_exists')) throw error;
      return accessPage(ctx, viewer, id, { zoneErrors: { zoneName: domainMessage(ctx, render, error) } }, 409);
    }
    see(ctx, `/operator/sites/${id}/access?done=zone_created`);
  });

  router.post('/operator/sites/:id/zones/:zoneId', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const zoneId = z.uuid().safeParse(ctx.params.zoneId);
    if (!zoneId.success) throw new DomainError('zone_not_found', 'not_found', 'no such zone');
    const form = parseForm(ctx, render, ZoneForm);
    if (!form.ok) return accessPage(ctx, viewer, id, { renameErrors: { [zoneId.data]: form.errors.zoneName } }, 400);
    try {
      await renameZone(deps.em(), { operatorId: viewer.operatorId, siteId: id, zoneId: zoneId.data, name: form.data.zoneName, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'zone_exists')) throw error;
      return accessPage(ctx, viewer, id, { renameErrors: { [zoneId.data]: domainMessage(ctx, render, error) } }, 409);
    }
    see(ctx, `/operator/sites/${id}/access?done=zone_renamed`);
  });

  router.post('/operator/sites/:id/doors', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, MoveForm);
    if (!form.ok) return accessPage(ctx, viewer, id, { moveError: render.t(ctx, 'errors.invalid') }, 400);
    await moveDoorController(deps.em(), { operatorId: viewer.operatorId, siteId: id, ...form.data, actor: viewer.actor });
    see(ctx, `/operator/sites/${id}/access?done=door_moved`);
  });

  router.post('/operator/sites/:id/hours', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, ScheduleForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return accessPage(ctx, viewer, id, { hoursValues: values, hoursErrors: form.errors }, 400);
    const typed = typedSchedule(ctx, render, form.data, 'openingHours');
    if (!typed.ok) return accessPage(ctx, viewer, id, { hoursValues: values, hoursErrors: { weekly: typed.message } }, 400);
    await setOpeningHours(deps.em(), { operatorId: viewer.operatorId, siteId: id, openingHours: typed.schedule, actor: viewer.actor });
    see(ctx, `/operator/sites/${id}/access?done=hours_saved`);
  });

  // ---- the access log: filters, pages, CSV ----------------------------------------------------------
  router.get('/operator/sites/:id/access-log', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const site = await findSite(deps.em(), { operatorId: viewer.operatorId }, id);
    const query = LogFilter.safeParse(Object.fromEntries(Object.entries(ctx.query).filter(([, v]) => typeof v === 'string' && v.trim() !== '')));
    const f = query.success ? query.data : {};
    // Days typed in the form are days at the site.
    const filter: EntryLogFilter = {
      ...(f.from ? { from: midnightAt(f.from, site.timeZone).toISOString() } : {}),
      // Up to the end of that day: its next midnight, excluded.
      ...(f.to ? { to: midnightAt(nextDay(f.to), site.timeZone).toISOString() } : {}),
      ...(f.type ? { type: f.type } : {}),
      ...(f.cardNumber ? { cardNumber: f.cardNumber } : {}),
    };
    if (ctx.query.format === 'csv') return sendCsv(ctx, `access-log-${id}.csv`, await entryLogLines(deps.em(), viewer.operatorId, id, filter));
    const page = await entryLog(deps.em(), viewer.operatorId, id, filter, { cursor: f.cursor, limit: LOG_PAGE }).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'cursor_invalid') return entryLog(deps.em(), viewer.operatorId, id, filter, { limit: LOG_PAGE });
      throw error;
    });
    const params = (extra: Record<string, string>) => new URLSearchParams({ ...Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'cursor')), ...extra }).toString();
    render(ctx, 'operator/access-log', {
      here: `/operator/sites/${id}/access-log`,
      site,
      filters: f,
      page,
      nextUrl: page.nextCursor ? `/operator/sites/${id}/access-log?${params({ cursor: page.nextCursor })}` : null,
      csvUrl: `/operator/sites/${id}/access-log?${params({ format: 'csv' })}`,
      timeZone: site.timeZone,
    });
  });

  // ---- a company: its zones, each on a schedule ------------------------------------------------------
  const grantsPage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const locale = pageState(ctx).locale;
    const company = await getCompany(deps.em(), viewer.operatorId, id);
    const grants = await listZoneGrants(deps.em(), id);
    const zones = (await Promise.all(company.siteIds.map((siteId) => listZones(deps.em(), viewer.operatorId, siteId)))).flat();
    const granted = new Set(grants.map((g) => g.zoneId));
    const siteNames = new Map((await listSites(deps.em(), { companyId: id })).map((s) => [s.id, s.name]));
    render(ctx, 'operator/company-access', {
      here: `/operator/companies/${id}/access`,
      company,
      grants: grants.map((g) => ({ ...g, words: describeSchedule(g.schedule, locale), text: scheduleText(g.schedule) })),
      zones: zones.filter((z) => !granted.has(z.id)).map((z) => ({ ...z, siteName: siteNames.get(z.siteId) ?? '' })),
      ...extra,
    }, status);
  };

  router.get('/operator/companies/:id/access', async (ctx) => grantsPage(ctx, requireOperator(ctx), idParam(ctx)));

  router.post('/operator/companies/:id/access', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, GrantForm);
    if (!form.ok) return grantsPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    const typed = typedSchedule(ctx, render, form.data, 'schedule');
    if (!typed.ok) return grantsPage(ctx, viewer, id, { values, errors: { weekly: typed.message } }, 400);
    try {
      await grantZone(deps.em(), { operatorId: viewer.operatorId, companyId: id, zoneId: form.data.zoneId, schedule: typed.schedule, actor: viewer.actor });
    } catch (error) {
      if (!(error instanceof DomainError && error.kind === 'invalid')) throw error;
      return grantsPage(ctx, viewer, id, { values, errors: { zoneId: domainMessage(ctx, render, error) } }, 400);
    }
    see(ctx, `/operator/companies/${id}/access?done=grant_saved`);
  });

  router.post('/operator/companies/:id/access/:zoneId/revoke', async (ctx) => {
    const viewer = requireOperator(ctx);
    const id = idParam(ctx);
    const zoneId = z.uuid().safeParse(ctx.params.zoneId);
    if (!zoneId.success) throw new DomainError('zone_not_found', 'not_found', 'no such zone');
    await revokeZone(deps.em(), { operatorId: viewer.operatorId, companyId: id, zoneId: zoneId.data, actor: viewer.actor });
    see(ctx, `/operator/companies/${id}/access?done=grant_revoked`);
  });
}
