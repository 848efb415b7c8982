// The member's own pages: the card wizard (steps 1–3, closing it e-mails the instructions), the
// page a phone opens from a card's QR code, and the profile with the Wi-Fi details once active.
import { qrRefusal } from '../../domain/cards/qr-check.ts';
import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.ts';
import { getMember } from '../../domain/members/queries.ts';
import { memberWifi } from '../../providers/wifi.ts';
import { qrSvg, wifiJoinText } from '../qr.ts';
import { listPasskeys } from '../../domain/sign-in/passkeys.ts';
import type { EnrollmentResult, LifecycleView } from '../../contract/workflows.ts';
import type { Viewer } from '../page-context.ts';
import { parseForm, requireViewer, see, type PageDeps, type Renderer } from '../page.ts';

const CloseForm = z.object({ step: z.enum(['1', '2']).transform(Number) as z.ZodType<1 | 2>, closeId: z.uuid() });

/** The step the wizard shows: 1 until the member confirms holding a card, then 2 (QR) or 3 (PIN). */
function wizardStep(view: LifecycleView, asked: unknown): 1 | 2 | 3 | 'done' {
  if (view.card.stage === 'enrolled') return 'done';
  if (view.card.stage === 'not_started') return 1;
  return asked === '3' ? 3 : 2;
}

export function memberPages(router: Router, deps: PageDeps, render: Renderer): void {
  const cardView = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const view = await deps.lifecycles.state(viewer.memberId);
    const step = wizardStep(view, ctx.query.step);
    render(ctx, 'card', { here: '/card', view, step, stepNumber: step === 'done' ? 3 : step, closeId: randomUUID(), ...extra }, status);
  };

  router.get('/card', async (ctx) => cardView(ctx, requireViewer(ctx)));

  // E-mails sent before the pages existed linked here.
  router.get('/me/card-enrollment', (ctx) => ctx.redirect('/card'));

  router.post('/card/confirm', async (ctx) => {
    const viewer = requireViewer(ctx);
    try {
      await deps.lifecycles.confirmCard(viewer.memberId, viewer.actor);
    } catch (error) {
      // A second click, or a card registered meanwhile (at the door, by an admin): show where things are.
      if (!(error instanceof DomainError && error.code === 'card_already_registered')) throw error;
    }
    see(ctx, '/card');
  });

  router.post('/card/close', async (ctx) => {
    const viewer = requireViewer(ctx);
    const form = parseForm(ctx, render, CloseForm);
    if (!form.ok) return cardView(ctx, viewer, {}, 400);
    await deps.lifecycles.closeWizard(viewer.memberId, form.data.step, form.data.closeId);
    see(ctx, '/me?done=instructions_sent');
  });

  // What the wizard's script polls, so the page moves on by itself when the door enrolls the card.
  router.get('/card/status', async (ctx) => {
    const viewer = requireViewer(ctx);
    const view = await deps.lifecycles.state(viewer.memberId);
    ctx.type = 'application/json';
    ctx.body = { stage: view.card.stage, status: view.status };
  });

  // ---- the card's QR code, opened on the member's phone: nothing happens until they confirm -----
  router.get('/q/:qr', async (ctx) => {
    const viewer = requireViewer(ctx);
    const view = await deps.lifecycles.state(viewer.memberId);
    const enrolled = view.card.stage === 'enrolled';
    // A code the enrollment would refuse is explained, not offered.
    const refused = enrolled ? undefined : await qrRefusal(deps.em(), { companyId: viewer.companyId, memberId: viewer.memberId, payload: ctx.params.qr! });
    render(ctx, 'qr', { qrPath: encodeURIComponent(ctx.params.qr!), view, enrolled, rejected: refused, offer: !refused });
  });

  router.post('/q/:qr', async (ctx) => {
    const viewer = requireViewer(ctx);
    let result: EnrollmentResult;
    try {
      result = await deps.lifecycles.scanQr(viewer.memberId, ctx.params.qr!, viewer.actor);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'card_already_registered')) throw error;
      return see(ctx, '/card');
    }
    if (result.decision === 'enrolled') return see(ctx, '/card?done=card_registered');
    const view = await deps.lifecycles.state(viewer.memberId);
    render(ctx, 'qr', { qrPath: encodeURIComponent(ctx.params.qr!), view, enrolled: false, rejected: result.reason, offer: false }, 422);
  });

  // ---- profile -------------------------------------------------------------------------------------
  router.get('/me', async (ctx) => {
    const viewer = requireViewer(ctx);
    const member = await getMember(deps.em(), viewer.companyId, viewer.memberId);
    const site = await deps.em().getKysely().selectFrom('site as s').innerJoin('member as m', 'm.site_id', 's.id').select('s.name').where('m.id', '=', viewer.memberId).executeTakeFirst();
    const wifi = await memberWifi(deps.wifi, member);
    ctx.set('Cache-Control', 'no-store');
    const joinQr = wifi?.ssid ? await qrSvg(wifiJoinText({ ssid: wifi.ssid, username: wifi.username, password: wifi.password }), render.t(ctx, 'profile.wifi.qr_label', { network: wifi.ssid }), 'qr wifi-qr') : null;
    const passkeys = await listPasskeys(deps.em(), viewer.memberId);
    render(ctx, 'profile', { member, site: site?.name ?? null, wifi, joinQr, cardPending: member.card?.state !== 'assigned', passkeyList: passkeys });
  });
}
