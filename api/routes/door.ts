import { handleDoorEvent } from '../../domain/door/door-events.ts';
import { doorAccessList, doorAccessListVersion } from '../../domain/access/access-list.ts';
import { recordEntryEvents } from '../../domain/access/entry-events.ts';
import { AppError } from '../../http/errors.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { DoorDecision, DoorEventBody, AccessListParams } from '../../http/schemas/door.schema.ts';
import { AccessList, EntryEventsAccepted, EntryEventsBody } from '../../http/schemas/access.schema.ts';

const tags = ['door controllers'];

/** A controller reads and writes its own resources only. */
const ownPath = (id: string, principal: { doorControllerId: string }) => {
  if (id !== principal.doorControllerId) throw new AppError('forbidden', 403, 'A controller reads and writes its own resources only', { detail: 'the path id must be the X-Door-Controller id' });
};

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
        summary: 'The cards that open this door, each with when (signature over an empty body)',
        description: 'The door decides offline from it with the rule in the `AccessList` schema, the same the server applies. Each door has its own version: a change bumps only the lists it changes.',
        params: AccessListParams,
        responses: {
          200: { description: 'The list', schema: AccessList },
          304: { description: 'Unchanged since the ETag sent as If-None-Match' },
        },
      },
      async ({ params, principal }, ctx) => {
        ownPath(params.id, principal);
        ctx.set('Cache-Control', 'no-cache');
        // Compared by hand: koa's `fresh` ignores If-None-Match when the request says no-cache,
        // which fetch() adds to every conditional request.
        const known = ctx.get('If-None-Match').split(',').map((v) => v.trim().replace(/^W\//, ''));
        // Most polls find nothing new: the door's version alone answers them, without reading
        // its cards (thousands at a shared site).
        if (known.length && known[0] !== '') {
          const version = await doorAccessListVersion(s.em(), principal.doorControllerId);
          if (known.includes(`"${version}"`) || known.includes('*')) {
            ctx.set('ETag', `"${version}"`);
            ctx.status = 304;
            return;
          }
        }
        const list = (await doorAccessList(s.em(), principal.doorControllerId))!;
        ctx.set('ETag', `"${list.version}"`);
        ctx.body = list;
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/door-controllers/{id}/events', operationId: 'uploadEntryEvents', tags, auth: 'door',
        summary: 'What happened at the door: a signed batch of granted and denied cards',
        description: 'Idempotent by event id: a batch sent again (its answer lost) stores nothing twice. Up to 500 events per batch.',
        params: AccessListParams,
        body: EntryEventsBody,
        responses: { 200: { description: 'Stored', schema: EntryEventsAccepted } },
      },
      async ({ params, body, principal }, ctx) => {
        ownPath(params.id, principal);
        ctx.body = await recordEntryEvents(s.em(), principal, body.events);
      },
    ),
  ];
}
