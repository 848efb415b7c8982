// Who opens which door, and when: the operator's zones, grants, opening hours, entry events, and
// the server's own decision for one card at one door.
import { z } from 'zod';
import type { Context } from 'koa';
import { stringify } from 'csv-stringify/sync';
import { decideAtDoor } from '../../domain/access/access-list.ts';
import { entryLog, entryLogLines, presentNow, type EntryLogFilter } from '../../domain/access/entry-events.ts';
import { getCompany } from '../../domain/companies/companies.ts';
import { grantZone, listZoneGrants, revokeZone, setOpeningHours } from '../../domain/access/grants.ts';
import { createZone, deleteZone, listZones, moveDoorController, renameZone } from '../../domain/access/zones.ts';
import { findSite } from '../../domain/sites/sites.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import {
  AccessCheck,
  AccessCheckQuery,
  DoorControllerZoneBody,
  DoorControllerZoneParams,
  EntryEventPage,
  EntryEventsQuery,
  OpeningHours,
  OpeningHoursBody,
  PresentNow,
  Zone,
  ZoneBody,
  ZoneGrant,
  ZoneGrantBody,
  ZoneGrantList,
  ZoneGrantParams,
  ZoneList,
  ZoneParams,
} from '../../http/schemas/access.schema.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';

const tags = ['access'];

export function accessRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/zones', operationId: 'listZones', tags, auth: 'operator',
        summary: 'A site\'s zones, each with its doors and the companies granted it (the common zone first)',
        params: IdParams,
        responses: { 200: { description: 'Zones', schema: ZoneList } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = { items: await listZones(s.em(), principal.operatorId, params.id) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/zones', operationId: 'createZone', tags, auth: 'operator',
        summary: 'Add a zone (a floor, a suite) to a site; grant it to companies, move doors into it',
        params: IdParams,
        body: ZoneBody,
        responses: { 201: { description: 'Created', schema: Zone } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.status = 201;
        ctx.body = await createZone(s.em(), { operatorId: principal.operatorId, siteId: params.id, name: body.name, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/sites/{id}/zones/{zoneId}', operationId: 'renameZone', tags, auth: 'operator',
        summary: 'Rename a zone',
        params: ZoneParams,
        body: ZoneBody,
        responses: { 200: { description: 'The zone', schema: Zone } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.body = await renameZone(s.em(), { operatorId: principal.operatorId, siteId: params.id, zoneId: params.zoneId, name: body.name, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/sites/{id}/zones/{zoneId}', operationId: 'deleteZone', tags, auth: 'operator',
        summary: 'Remove a zone no door guards any more (its grants go with it); the common zone stays',
        params: ZoneParams,
        responses: { 204: { description: 'Removed' } },
      },
      async ({ params, principal }, ctx) => {
        await deleteZone(s.em(), { operatorId: principal.operatorId, siteId: params.id, zoneId: params.zoneId, actor: principal.actor });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/sites/{id}/door-controllers/{doorControllerId}/zone', operationId: 'setDoorControllerZone', tags, auth: 'operator',
        summary: 'The zone a door guards (one of its site\'s): its access list becomes that zone\'s',
        params: DoorControllerZoneParams,
        body: DoorControllerZoneBody,
        responses: { 204: { description: 'Done' } },
      },
      async ({ params, body, principal }, ctx) => {
        await moveDoorController(s.em(), { operatorId: principal.operatorId, siteId: params.id, doorControllerId: params.doorControllerId, zoneId: body.zoneId, actor: principal.actor });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/opening-hours', operationId: 'getOpeningHours', tags, auth: 'operator',
        summary: 'When the building is open, and its closures',
        params: IdParams,
        responses: { 200: { description: 'Opening hours', schema: OpeningHours } },
      },
      async ({ params, principal }, ctx) => {
        const site = await findSite(s.em(), { operatorId: principal.operatorId }, params.id);
        ctx.body = { siteId: site.id, openingHours: site.openingHours };
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/sites/{id}/opening-hours', operationId: 'setOpeningHours', tags, auth: 'operator',
        summary: 'Set the building\'s opening hours and closures (null: always open); every card\'s access is within them',
        params: IdParams,
        body: OpeningHoursBody,
        responses: { 200: { description: 'Opening hours', schema: OpeningHours } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.body = { siteId: params.id, openingHours: await setOpeningHours(s.em(), { operatorId: principal.operatorId, siteId: params.id, openingHours: body.openingHours, actor: principal.actor }) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/companies/{id}/zones', operationId: 'listZoneGrants', tags, auth: 'operator',
        summary: 'The zones a company is granted, each with its schedule',
        params: IdParams,
        responses: { 200: { description: 'Grants', schema: ZoneGrantList } },
      },
      async ({ params, principal }, ctx) => {
        await getCompany(s.em(), principal.operatorId, params.id);
        ctx.body = { items: await listZoneGrants(s.em(), params.id) };
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/companies/{id}/zones/{zoneId}', operationId: 'grantZone', tags, auth: 'operator',
        summary: 'Grant a company a zone of one of its sites, on a schedule (null: at any hour the site is open), or change that schedule',
        params: ZoneGrantParams,
        body: ZoneGrantBody,
        responses: { 200: { description: 'The grant', schema: ZoneGrant } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.body = await grantZone(s.em(), { operatorId: principal.operatorId, companyId: params.id, zoneId: params.zoneId, schedule: body.schedule, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/companies/{id}/zones/{zoneId}', operationId: 'revokeZone', tags, auth: 'operator',
        summary: 'Take a zone away from a company: its cards come off that zone\'s doors\' lists',
        params: ZoneGrantParams,
        responses: { 204: { description: 'Taken away' } },
      },
      async ({ params, principal }, ctx) => {
        await revokeZone(s.em(), { operatorId: principal.operatorId, companyId: params.id, zoneId: params.zoneId, actor: principal.actor });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/present', operationId: 'presentNow', tags, auth: 'operator',
        summary: 'Who is present now: each card whose last event today was a granted entry (the evacuation roll-call); the operator only',
        params: IdParams,
        responses: { 200: { description: 'Present now', schema: PresentNow } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await presentNow(s.em(), principal.operatorId, params.id, new Date());
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/entry-events', operationId: 'entryEvents', tags, auth: 'operator',
        summary: 'The site\'s access log, latest first, filterable; CSV export. The operator only: company admins never read entry times',
        query: EntryEventsQuery,
        params: IdParams,
        responses: { 200: { description: 'One page (JSON) or every matching event (CSV)', schema: EntryEventPage, alternatives: { 'text/csv': z.string() } } },
      },
      async ({ params, query, principal }, ctx) => {
        const { format, cursor, limit, ...filter } = query;
        if (format === 'csv' || ctx.accepts('application/json', 'text/csv') === 'text/csv') {
          await sendLogCsv(ctx, s, principal.operatorId, params.id, filter);
          return;
        }
        ctx.body = await entryLog(s.em(), principal.operatorId, params.id, filter, { cursor, limit });
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/access-check', operationId: 'accessCheck', tags, auth: 'operator',
        summary: 'May this card open this door (now, or at `at`)? The server\'s decision, by the rule each door applies to its list',
        params: IdParams,
        query: AccessCheckQuery,
        responses: { 200: { description: 'The decision', schema: AccessCheck } },
      },
      async ({ params, query, principal }, ctx) => {
        await findSite(s.em(), { operatorId: principal.operatorId }, params.id);
        const at = query.at ? new Date(query.at) : new Date();
        const decision = await decideAtDoor(s.em(), { siteId: params.id, doorControllerId: query.doorControllerId, cardNumber: query.cardNumber, at });
        ctx.body = { granted: decision.granted, reason: decision.granted ? null : decision.reason, at: at.toISOString() };
      },
    ),
  ];
}

async function sendLogCsv(ctx: Context, s: ApiServices, operatorId: string, siteId: string, filter: EntryLogFilter) {
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', 'attachment; filename="access-log.csv"');
  ctx.body = stringify(await entryLogLines(s.em(), operatorId, siteId, filter));
}
