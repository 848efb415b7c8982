// The reception kiosk (a tablet at the desk, opened from its link) and the host's answer page.
// A walk-in types their name and e-mail, finds their host by three letters or more, and waits:
// the host answers from the link in their e-mail (opening it decides nothing; the POST does), and
// the kiosk's page shows the answer, refreshing itself. No session: the link's token is the key.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { DomainError } from '../../domain/errors.ts';
import { inviteVisitor } from '../../domain/visits/invite-visitor.ts';
import { findHosts, HOST_SEARCH_MIN_LETTERS, kioskHost, openKiosk, shownName, type Kiosk } from '../../domain/visits/kiosks.ts';
import { visitOfAnswerToken } from '../../domain/visits/visit-answer.ts';
import { visitsQuery, visitView } from '../../domain/visits/visits.ts';
import { Email } from '../../http/schemas/common.schema.ts';
import { pageState } from '../page-context.ts';
import { domainMessage, parseForm, see, type PageDeps, type Renderer } from '../page.ts';

const Visitor = z.object({ name: z.string().trim().min(2).max(200), email: Email, q: z.string().trim().max(100).optional() });
const Register = z.object({ name: z.string().trim().min(2).max(200), email: Email, hostId: z.uuid() });
const Answer = z.object({ answer: z.enum(['approve', 'refuse']) });

const notFound = () => new AppError('not-found', 404, 'No such page');

export function receptionPages(router: Router, deps: PageDeps, render: Renderer): void {
  const kioskOf = async (ctx: Context): Promise<Kiosk & { token: string }> => {
    const token = String(ctx.params.token ?? '');
    const kiosk = await openKiosk(deps.em(), token);
    // A revoked or unknown link: the same "not found", so a guess learns nothing.
    if (!kiosk) throw notFound();
    // A tablet left on the page must not be kept by proxies or shown from history with data in it.
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    return { ...kiosk, token };
  };
  const kioskPage = (ctx: Context, kiosk: Kiosk & { token: string }, extra: Record<string, unknown>, status = 200) =>
    render(ctx, 'reception/kiosk', { here: `/reception/${kiosk.token}`, kiosk, base: `/reception/${kiosk.token}`, minLetters: HOST_SEARCH_MIN_LETTERS, timeZone: kiosk.timeZone, ...extra }, status);

  router.get('/reception/:token', async (ctx) => {
    const kiosk = await kioskOf(ctx);
    kioskPage(ctx, kiosk, { values: {} });
  });

  // Step 2: the hosts whose name starts with what was typed, at this site only.
  router.post('/reception/:token/hosts', async (ctx) => {
    const kiosk = await kioskOf(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, Visitor);
    if (!form.ok) return kioskPage(ctx, kiosk, { values, errors: form.errors }, 400);
    const typed = form.data.q ?? '';
    if ([...typed].length < HOST_SEARCH_MIN_LETTERS) {
      return kioskPage(ctx, kiosk, { values, errors: { q: render.t(ctx, 'reception.min_letters', { n: HOST_SEARCH_MIN_LETTERS }) } }, 400);
    }
    const hosts = await findHosts(deps.em(), kiosk.siteId, typed);
    kioskPage(ctx, kiosk, { values, hosts, searched: true });
  });

  // Step 3: the walk-in asks for that host; the kiosk then shows the wait.
  router.post('/reception/:token/visits', async (ctx) => {
    const kiosk = await kioskOf(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, Register);
    if (!form.ok) return kioskPage(ctx, kiosk, { values, errors: form.errors }, 400);
    const host = await kioskHost(deps.em(), kiosk.siteId, form.data.hostId);
    if (!host) return kioskPage(ctx, kiosk, { values, errors: { q: render.t(ctx, 'reception.host_gone') } }, 400);
    try {
      const visit = await inviteVisitor(
        { em: deps.em(), visits: deps.visits },
        { companyId: host.companyId, hostMemberId: host.id, kind: 'walk_in', siteId: kiosk.siteId, visitorEmail: form.data.email, visitorName: form.data.name, locale: pageState(ctx).locale, actor: `reception-kiosk:${kiosk.id}` },
      );
      see(ctx, `/reception/${kiosk.token}/visits/${visit.id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      kioskPage(ctx, kiosk, { values, formError: domainMessage(ctx, render, error) }, 422);
    }
  });

  const walkIn = async (ctx: Context, kiosk: Kiosk) => {
    const id = z.uuid().safeParse(ctx.params.id);
    if (!id.success) throw notFound();
    const row = await visitsQuery(deps.em()).where('v.id', '=', id.data).where('v.site_id', '=', kiosk.siteId).where('v.kind', '=', 'walk_in').executeTakeFirst();
    if (!row) throw notFound();
    return visitView(row);
  };

  // The wait: the page's script polls the status and reloads when the host has answered (or the
  // wait is over); without script, the visitor reloads.
  router.get('/reception/:token/visits/:id', async (ctx) => {
    const kiosk = await kioskOf(ctx);
    const visit = await walkIn(ctx, kiosk);
    const waiting = visit.status === 'awaiting_host';
    render(ctx, 'reception/status', { kiosk, base: `/reception/${kiosk.token}`, visit, hostShown: shownName(visit.host.name), waiting, approved: ['expected', 'arrived'].includes(visit.status) });
  });

  router.get('/reception/:token/visits/:id/status', async (ctx) => {
    const kiosk = await kioskOf(ctx);
    const visit = await walkIn(ctx, kiosk);
    ctx.type = 'application/json';
    ctx.body = { status: visit.status };
  });

  // ---- the host's answer, from the link in their e-mail ------------------------------------------
  const answerable = async (ctx: Context) => {
    const visitId = visitOfAnswerToken(deps.secrets, String(ctx.params.token ?? ''));
    if (!visitId) throw notFound();
    const row = await visitsQuery(deps.em()).where('v.id', '=', visitId).where('v.kind', '=', 'walk_in').executeTakeFirst();
    if (!row) throw notFound();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    return visitView(row);
  };

  router.get('/visits/answer/:token', async (ctx) => {
    const visit = await answerable(ctx);
    render(ctx, 'visit-answer', { here: ctx.path, visit, open: visit.status === 'awaiting_host' });
  });

  router.post('/visits/answer/:token', async (ctx) => {
    const visit = await answerable(ctx);
    const form = parseForm(ctx, render, Answer);
    if (!form.ok) return render(ctx, 'visit-answer', { here: ctx.path, visit, open: visit.status === 'awaiting_host' }, 400);
    const outcome = await deps.visits.answerWalkIn(visit.id, form.data.answer === 'approve', `visit-host:${visit.host.id}`);
    render(ctx, 'visit-answer', { here: ctx.path, visit, open: false, outcome });
  });
}
