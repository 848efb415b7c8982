import { addCards, createDoorController, createSite, findSite, listCards, listDoorControllers, listSites, updateSite } from '../../domain/sites/sites.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { IdParams } from './common.schema.ts';
import {
  UpdateSiteBody,
  AddCardsBody,
  CardList,
  CardsQuery,
  CreateDoorControllerBody,
  CreatedDoorController,
  CreateSiteBody,
  DoorControllerList,
  Site,
  SiteList,
} from './sites.schema.ts';

const tags = ['sites'];

export function siteRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/sites', operationId: 'createSite', tags, auth: 'admin', idempotent: true,
        summary: 'Add a site (a building or office, with its time zone and Wi-Fi network)',
        body: CreateSiteBody,
        responses: { 201: { description: 'Created', schema: Site } },
      },
      async ({ body, principal }, ctx) => {
        const site = await createSite(s.em(), { organizationId: principal.organizationId, ...body, actor: principal.actor });
        ctx.status = 201;
        ctx.set('Location', `/v1/sites/${site.id}`);
        ctx.body = site;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites', operationId: 'listSites', tags, auth: 'admin',
        summary: 'The organisation\'s sites',
        responses: { 200: { description: 'Sites by name', schema: SiteList } },
      },
      async ({ principal }, ctx) => {
        ctx.body = { items: await listSites(s.em(), principal.organizationId) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}', operationId: 'getSite', tags, auth: 'admin',
        summary: 'A site',
        params: IdParams,
        responses: { 200: { description: 'The site', schema: Site } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await findSite(s.em(), principal.organizationId, params.id);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/sites/{id}', operationId: 'updateSite', tags, auth: 'admin',
        summary: 'Rename a site, change its time zone or its Wi-Fi network name (audited)',
        params: IdParams,
        body: UpdateSiteBody,
        responses: { 200: { description: 'The site after the change', schema: Site } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.body = await updateSite(s.em(), { organizationId: principal.organizationId, siteId: params.id, ...body, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/door-controllers', operationId: 'createDoorController', tags, auth: 'admin',
        summary: 'Register a door controller; its signing secret is shown in this answer only',
        params: IdParams,
        body: CreateDoorControllerBody,
        responses: { 201: { description: 'Created', schema: CreatedDoorController } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await createDoorController(s.em(), s.secrets, { organizationId: principal.organizationId, siteId: params.id, name: body.name, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/door-controllers', operationId: 'listDoorControllers', tags, auth: 'admin',
        summary: 'A site\'s door controllers (never their secrets)',
        params: IdParams,
        responses: { 200: { description: 'Door controllers', schema: DoorControllerList } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = { items: await listDoorControllers(s.em(), principal.organizationId, params.id) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/cards', operationId: 'addCards', tags, auth: 'admin', idempotent: true,
        summary: 'Add cards to a site\'s stock; each gets a printable QR payload unless one is given',
        description: 'All or nothing: a number already in the stock refuses the whole request (409).',
        params: IdParams,
        body: AddCardsBody,
        responses: { 201: { description: 'Added', schema: CardList } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.status = 201;
        ctx.body = { items: await addCards(s.em(), { organizationId: principal.organizationId, siteId: params.id, cards: body.cards, actor: principal.actor }) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/cards', operationId: 'listCards', tags, auth: 'admin',
        summary: 'A site\'s cards, by number',
        params: IdParams,
        query: CardsQuery,
        responses: { 200: { description: 'Cards', schema: CardList } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.body = { items: await listCards(s.em(), principal.organizationId, params.id, query.state) };
      },
    ),
  ];
}
