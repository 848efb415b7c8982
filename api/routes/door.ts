import { handleDoorEvent } from '../../domain/door/door-events.ts';
import { admitVisitor } from '../../domain/door/visitor-pins.ts';
import { doorAccessList, doorAccessListVersion } from '../../domain/access/access-list.ts';
import { recordEntryEvents } from '../../domain/access/entry-events.ts';
import { AppError } from '../../http/errors.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { DoorDecision, DoorEventBody, AccessListParams, HeartbeatBody } from '../../http/schemas/door.schema.ts';
import { recordHeartbeat } from '../../domain/door/heartbeats.ts';
import { AccessList, EntryEventsAccepted, EntryEventsBody } from '../../http/schemas/access.schema.ts';

const tags = ['door controllers'];

/** A controller reads and writes its own resources only. */
const ownPath = (id: string, principal: { doorControllerId: string }) => {
  if (id !== principal.doorControllerId) throw new AppError('forbidden', 403, 'A controller reads and writes its own resources only', { detail: 'the path id must be the X-Door-Controller id' });
};

/** The lists of a zone's doors are one content per version: the last few, made once, as JSON. */
const LISTS_KEPT = 64;

export function doorRoutes(s: ApiServices) {
  const lists = new Map<string, string>();
  const listKey = (zoneId: string, version: number) => `${zoneId}:${version}`;
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/door-events', operationId: 'doorEvent', tags, auth: 'door',
        summary: 'A PIN typed and a card presented at a door controller; the decision comes back in the same request',
        description:
          'Wrong PIN and card pairs, and wrong visitor PINs, are counted per site, whichever controller they come through: after 5 in 10 minutes PIN entry at the site is locked (429 with Retry-After). A visitor PIN decided here is recorded by the server (no upload needed) and used up.',
        body: DoorEventBody,
        responses: { 200: { description: 'The decision, for the door to beep', schema: DoorDecision } },
      },
      async ({ body, principal }, ctx) => {
        if (body.type === 'visitor_pin') {
          const admitted = await admitVisitor(s.em(), principal, body.pin);
          // Committed: the host is told by the visit's workflow.
          if (admitted.visitId) await s.visits.arrived(admitted.visitId);
          ctx.body = { decision: admitted.decision, reason: admitted.reason, cardNumber: null, access: null };
          return;
        }
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
        const current = (await doorAccessListVersion(s.em(), principal.doorControllerId))!;
        if (known.includes(`"${current.version}"`) || known.includes('*')) {
          ctx.set('ETag', `"${current.version}"`);
          ctx.status = 304;
          return;
        }
        // After a change, the zone's doors (ten at a shared entrance) come for the same new list.
        let body = lists.get(listKey(current.zoneId, current.version));
        let version = current.version;
        if (!body) {
          const { zoneId, ...list } = (await doorAccessList(s.em(), principal.doorControllerId))!;
          body = JSON.stringify(list);
          version = list.version;
          lists.set(listKey(zoneId, version), body);
          if (lists.size > LISTS_KEPT) lists.delete(lists.keys().next().value!);
        }
        ctx.set('ETag', `"${version}"`);
        ctx.type = 'application/json';
        ctx.body = body;
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
        const { arrived, ...accepted } = await recordEntryEvents(s.em(), principal, body.events);
        for (const visitId of arrived) await s.visits.arrived(visitId);
        ctx.body = accepted;
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/door-controllers/{id}/heartbeat', operationId: 'doorHeartbeat', tags, auth: 'door',
        summary: 'The door agent is alive: its version, list version, queued events and readers',
        description: 'Sent every 30 seconds. The operator\'s site page shows it, and flags a door heard from more than 2 minutes ago as silent.',
        params: AccessListParams,
        body: HeartbeatBody,
        responses: { 204: { description: 'Recorded' } },
      },
      async ({ params, body, principal }, ctx) => {
        ownPath(params.id, principal);
        await recordHeartbeat(s.em(), principal, body);
        ctx.status = 204;
      },
    ),
  ];
}
