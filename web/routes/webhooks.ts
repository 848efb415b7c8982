// The admins' webhook settings: add an endpoint (its secret shown on that answer only), choose
// its events, send a test event, rotate the secret, turn it off or on, remove it, and read its
// delivery log with a retry button per delivery. The operator's staff also manage the operator's
// endpoints (every company's events, and company.*) here.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.ts';
import {
  createEndpoint,
  deleteEndpoint,
  eventsFor,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  retryDelivery,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
  type WebhookOwner,
} from '../../domain/webhooks/endpoints.ts';
import { AppError } from '../../http/errors.ts';
import { domainMessage, idParam, parseForm, requireAdmin, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';
import { memberLabels } from '../../domain/members/queries.ts';

const EndpointForm = z.object({
  url: z.string().trim().min(1).max(2000),
  description: z.string().trim().max(500).default(''),
  owner: z.enum(['company', 'operator']).default('company'),
  events_mode: z.enum(['all', 'some']).default('all'),
});
const fieldOf = (type: string) => `event_${type.replace('.', '_')}`;

function ownerOf(viewer: Viewer, owner: 'company' | 'operator'): WebhookOwner {
  if (owner === 'operator') {
    if (!viewer.operatorAdmin) throw new AppError('operator-only', 403, 'The operator only');
    return { operatorId: viewer.operatorId };
  }
  return { companyId: viewer.companyId, operatorId: viewer.operatorId };
}

export function webhookPages(router: Router, deps: PageDeps, render: Renderer): void {
  const domain = () => ({ em: deps.em(), secrets: deps.secrets, allowPrivate: deps.config.webhooks.allowPrivate });
  const eventChoices = (owner: WebhookOwner, chosen: readonly string[] | 'all') =>
    eventsFor(owner).map((type) => ({ type, field: fieldOf(type), key: type.replace('.', '_'), checked: chosen !== 'all' && chosen.includes(type) }));

  const listPage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const company = await listEndpoints(deps.em(), ownerOf(viewer, 'company'));
    const operator = viewer.operatorAdmin ? await listEndpoints(deps.em(), ownerOf(viewer, 'operator')) : null;
    const owner = (extra.values as Record<string, string> | undefined)?.owner === 'operator' && viewer.operatorAdmin ? ownerOf(viewer, 'operator') : ownerOf(viewer, 'company');
    render(ctx, 'admin/webhooks', { here: '/admin/webhooks', company, operator, events: eventChoices(owner, 'all'), ...extra }, status);
  };

  /** The endpoint and whose it is: the viewer's company's, else (staff) the operator's. */
  const found = async (viewer: Viewer, id: string) => {
    for (const kind of viewer.operatorAdmin ? (['company', 'operator'] as const) : (['company'] as const)) {
      const owner = ownerOf(viewer, kind);
      const endpoint = await getEndpoint(deps.em(), owner, id).catch((error: unknown) => {
        if (error instanceof DomainError && error.kind === 'not_found') return undefined;
        throw error;
      });
      if (endpoint) return { owner, endpoint };
    }
    throw new AppError('not-found', 404, 'No such page');
  };

  const detailPage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const { owner, endpoint } = await found(viewer, id);
    const deliveries = await listDeliveries(deps.em(), owner, id, { limit: 100 });
    // Who each delivery was about, by name (the operator's endpoints hear every company's members).
    const members = await memberLabels(deps.em(), owner.companyId ? { companyId: owner.companyId } : { operatorId: owner.operatorId }, [...new Set(deliveries.flatMap((d) => (d.memberId ? [d.memberId] : [])))]);
    if (extra.secret) ctx.set('Cache-Control', 'no-store');
    render(ctx, 'admin/webhook', {
      here: '/admin/webhooks',
      endpoint,
      ownerKind: owner.companyId ? 'company' : 'operator',
      events: eventChoices(owner, endpoint.events),
      allEvents: endpoint.events === 'all',
      deliveries: deliveries.map((d) => ({ ...d, memberName: d.memberId ? (members.get(d.memberId) ?? null) : null, retryable: d.status !== 'delivered' && endpoint.enabled })),
      ...extra,
    }, status);
  };

  /** A refused URL or choice of events, on its field; anything else is not the form's to show. */
  const refusal = (ctx: Context, error: unknown) => {
    if (!(error instanceof DomainError) || !['invalid', 'unprocessable'].includes(error.kind)) throw error;
    return { [error.details.field === 'events' ? 'events' : 'url']: domainMessage(ctx, render, error) };
  };

  const chosenEvents = (ctx: Context, owner: WebhookOwner, mode: 'all' | 'some'): string[] | 'all' => {
    if (mode === 'all') return 'all';
    const body = ctx.request.body as Record<string, unknown>;
    return eventsFor(owner).filter((type) => body[fieldOf(type)] === 'on');
  };

  router.get('/admin/webhooks', async (ctx) => listPage(ctx, requireAdmin(ctx)));

  router.post('/admin/webhooks', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, EndpointForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return listPage(ctx, viewer, { values, errors: form.errors }, 400);
    const owner = ownerOf(viewer, form.data.owner);
    try {
      const created = await createEndpoint(domain(), owner, { url: form.data.url, description: form.data.description, events: chosenEvents(ctx, owner, form.data.events_mode) }, viewer.actor);
      return detailPage(ctx, viewer, created.id, { secret: created.secret, justCreated: true }, 201);
    } catch (error) {
      return listPage(ctx, viewer, { values, errors: refusal(ctx, error) }, 400);
    }
  });

  router.get('/admin/webhooks/:id', async (ctx) => detailPage(ctx, requireAdmin(ctx), idParam(ctx)));

  router.post('/admin/webhooks/:id', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const { owner } = await found(viewer, id);
    const form = parseForm(ctx, render, EndpointForm.omit({ owner: true }));
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return detailPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    try {
      await updateEndpoint(domain(), owner, id, { url: form.data.url, description: form.data.description, events: chosenEvents(ctx, owner, form.data.events_mode) }, viewer.actor);
    } catch (error) {
      return detailPage(ctx, viewer, id, { values, errors: refusal(ctx, error) }, 400);
    }
    see(ctx, `/admin/webhooks/${id}?done=webhook_saved`);
  });

  router.post('/admin/webhooks/:id/enabled', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const { owner } = await found(viewer, id);
    const enabled = (ctx.request.body as Record<string, unknown>).enabled === 'true';
    await updateEndpoint(domain(), owner, id, { enabled }, viewer.actor);
    see(ctx, `/admin/webhooks/${id}?done=${enabled ? 'webhook_enabled' : 'webhook_disabled'}`);
  });

  router.post('/admin/webhooks/:id/test', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const { owner } = await found(viewer, id);
    const { outcome } = await sendTestEvent(deps.em(), deps.webhooks, owner, id, viewer.actor);
    see(ctx, `/admin/webhooks/${id}?done=${outcome === 'delivered' ? 'webhook_test_delivered' : 'webhook_test_failed'}`);
  });

  router.post('/admin/webhooks/:id/rotate', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const { owner } = await found(viewer, id);
    const rotated = await rotateSecret(domain(), owner, id, viewer.actor);
    return detailPage(ctx, viewer, id, { secret: rotated.secret, rotated: true });
  });

  router.post('/admin/webhooks/:id/delete', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const { owner } = await found(viewer, id);
    await deleteEndpoint(deps.em(), owner, id, viewer.actor);
    see(ctx, '/admin/webhooks?done=webhook_deleted');
  });

  router.post('/admin/webhooks/:id/deliveries/:deliveryId/retry', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const deliveryId = z.uuid().safeParse(ctx.params.deliveryId);
    if (!deliveryId.success) throw new AppError('not-found', 404, 'No such page');
    const { owner } = await found(viewer, id);
    const after = await retryDelivery(deps.em(), deps.webhooks, owner, id, deliveryId.data, viewer.actor);
    see(ctx, `/admin/webhooks/${id}?done=${after.status === 'delivered' ? 'webhook_retry_delivered' : 'webhook_retry_sent'}`);
  });
}
