import { handleDoorEvent } from '../../domain/door/door-events.ts';
import { siteAccessList, siteAccessListVersion } from '../../providers/access.ts';
import { AppError } from '../../http/errors.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { AccessList, AccessListParams, DoorDecision, DoorEventBody } from '../../http/schemas/door.schema.ts';

const tags = ['door controllers'];

export function doorRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/door-events', operationId: 'doorEvent', tags, auth: 'door',
        summary: 'A PIN typed and a card presented at a door controller; the decision comes back in the same request',
        description: 'Wrong PIN and card pairs are counted per site, whichever controller they come through: after 5 in 10 minutes PIN entry at the site is locked (429 with Retry-After).',
        body: DoorEventBody,
        responses: { 200: { description: 'The decision, for the door to beep', schema: DoorDecision } },
      },
      async ({ body, principal }, ctx) => {
        ctx.body = await handleDoorEvent({ em: s.em(), lifecycles: s.lifecycles }, principal, body);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/door-controllers/{id}/access-list', operationId: 'accessList', tags, auth: 'door',
        summary: 'The card numbers this controller\'s site lets in (signature over an empty body)',
        params: AccessListParams,
        responses: {
          200: { description: 'The list', schema: AccessList },
          304: { description: 'Unchanged since the ETag sent as If-None-Match' },
        },
      },
      async ({ params, principal }, ctx) => {
        if (params.id !== principal.doorControllerId) {
          throw new AppError('forbidden', 403, 'A controller reads its own access list', { detail: 'the path id must be the X-Door-Controller id' });
        }
        ctx.set('Cache-Control', 'no-cache');
        // Compared by hand: koa's `fresh` ignores If-None-Match when the request says no-cache,
        // which fetch() adds to every conditional request.
        const known = ctx.get('If-None-Match').split(',').map((v) => v.trim().replace(/^W\//, ''));
        // Most polls find nothing new: the version alone answers them, without reading the
        // site's cards (thousands at a shared site).
        if (known.length && known[0] !== '') {
          const version = await siteAccessListVersion(s.orm, principal.siteId);
          if (known.includes(`"${version}"`) || known.includes('*')) {
            ctx.set('ETag', `"${version}"`);
            ctx.status = 304;
            return;
          }
        }
        const list = await siteAccessList(s.orm, principal.siteId);
        ctx.set('ETag', `"${list!.version}"`);
        ctx.body = { version: list!.version, cards: list!.cardNumbers };
      },
    ),
  ];
}
