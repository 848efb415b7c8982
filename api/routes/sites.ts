import { type CardView, addCards, listCards } from '../../domain/cards/stock.ts';
import { createDoorController, listDoorControllers } from '../../domain/door/controllers.ts';
import { createSite, findSite, listSites, updateSite } from '../../domain/sites/sites.ts';
import type { AdminPrincipal } from '../auth.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { createRadiusClient, deleteRadiusClient, listRadiusClients, siteWifi, updateSiteWifi } from '../../domain/sites/wifi.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import {
  UpdateSiteBody,
  AddCardsBody,
  CardList,
  CardsQuery,
  CreateDoorControllerBody,
  CreatedDoorController,
  CreateSiteBody,
  CreateRadiusClientBody,
  CreatedRadiusClient,
  DoorControllerList,
  RadiusClientList,
  RadiusClientParams,
  SiteWifi,
  UpdateSiteWifiBody,
  Site,
  SiteList,
  SitesQuery,
} from '../../http/schemas/sites.schema.ts';

const tags = ['sites'];

/** The operator's staff see every site (or one company's, with companyId); a company its own. */
const sitesOf = (principal: AdminPrincipal, companyId?: string) =>
  principal.kind === 'operator' && !companyId ? { operatorId: principal.operatorId } : { companyId: principal.companyId };

export function siteRoutes(s: ApiServices) {
  const radiusServer = s.config.radius.server;
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/sites', operationId: 'createSite', tags, auth: 'operator',
        summary: 'Add a site (a building, with its address, time zone and Wi-Fi network); the operator only',
        body: CreateSiteBody,
        responses: { 201: { description: 'Created', schema: Site } },
      },
      async ({ body, principal }, ctx) => {
        const site = await createSite(s.em(), { operatorId: principal.operatorId, ...body, actor: principal.actor });
        ctx.status = 201;
        ctx.set('Location', `/v1/sites/${site.id}`);
        ctx.body = site;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites', operationId: 'listSites', tags, auth: 'admin', company: 'across', scopes: ['companies'],
        summary: 'Sites: a company\'s own, or every site of the operator for its staff',
        query: SitesQuery,
        responses: { 200: { description: 'Sites by name', schema: SiteList } },
      },
      async ({ query, principal }, ctx) => {
        ctx.body = { items: await listSites(s.em(), sitesOf(principal, query.companyId)) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}', operationId: 'getSite', tags, auth: 'admin', company: 'across', scopes: ['companies'],
        summary: 'A site (a company sees only those granted to it)',
        params: IdParams,
        responses: { 200: { description: 'The site', schema: Site } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await findSite(s.em(), sitesOf(principal), params.id);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/sites/{id}', operationId: 'updateSite', tags, auth: 'operator',
        summary: 'Rename a site, change its time zone or its Wi-Fi network name (audited)',
        params: IdParams,
        body: UpdateSiteBody,
        responses: { 200: { description: 'The site after the change', schema: Site } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.body = await updateSite(s.em(), { operatorId: principal.operatorId, siteId: params.id, ...body, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/door-controllers', operationId: 'createDoorController', tags, auth: 'operator',
        summary: 'Register a door controller; its signing secret is shown in this answer only',
        params: IdParams,
        body: CreateDoorControllerBody,
        responses: { 201: { description: 'Created', schema: CreatedDoorController } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await createDoorController(s.em(), s.secrets, { operatorId: principal.operatorId, siteId: params.id, name: body.name, zoneId: body.zoneId, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/door-controllers', operationId: 'listDoorControllers', tags, auth: 'operator',
        summary: 'A site\'s door controllers (never their secrets)',
        params: IdParams,
        responses: { 200: { description: 'Door controllers', schema: DoorControllerList } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = { items: await listDoorControllers(s.em(), principal.operatorId, params.id) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/wifi', operationId: 'getSiteWifi', tags, auth: 'operator',
        summary: 'A site\'s Wi-Fi: its network name, the RADIUS server to enter in its access points, each company\'s VLAN',
        params: IdParams,
        responses: { 200: { description: 'The site\'s Wi-Fi', schema: SiteWifi } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await siteWifi(s.em(), principal.operatorId, params.id, radiusServer);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/sites/{id}/wifi', operationId: 'updateSiteWifi', tags, auth: 'operator',
        summary: 'Change the network name or a company\'s VLAN at the site (audited)',
        params: IdParams,
        body: UpdateSiteWifiBody,
        responses: { 200: { description: 'The site\'s Wi-Fi after the change', schema: SiteWifi } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.body = await updateSiteWifi(s.em(), { operatorId: principal.operatorId, siteId: params.id, ...body, actor: principal.actor }, radiusServer);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/radius-clients', operationId: 'createRadiusClient', tags, auth: 'operator',
        summary: 'Allow an access point or controller to check members; its shared secret is shown in this answer only',
        description: 'FreeRADIUS learns it at its first request, without a restart. An address belongs to one client across all sites (409).',
        params: IdParams,
        body: CreateRadiusClientBody,
        responses: { 201: { description: 'Created', schema: CreatedRadiusClient } },
      },
      async ({ params, body, principal }, ctx) => {
        const created = await createRadiusClient(s.em(), { operatorId: principal.operatorId, siteId: params.id, ...body, actor: principal.actor });
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.set('Location', `/v1/sites/${params.id}/radius-clients/${created.id}`);
        ctx.body = created;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/radius-clients', operationId: 'listRadiusClients', tags, auth: 'operator',
        summary: 'A site\'s access points and controllers (never their secrets)',
        params: IdParams,
        responses: { 200: { description: 'RADIUS clients', schema: RadiusClientList } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = { items: await listRadiusClients(s.em(), principal.operatorId, params.id) };
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/sites/{id}/radius-clients/{clientId}', operationId: 'deleteRadiusClient', tags, auth: 'operator',
        summary: 'Stop answering an access point (within RADIUS_CLIENT_LIFETIME, 60 s by default)',
        params: RadiusClientParams,
        responses: { 204: { description: 'Removed' } },
      },
      async ({ params, principal }, ctx) => {
        await deleteRadiusClient(s.em(), { operatorId: principal.operatorId, siteId: params.id, clientId: params.clientId, actor: principal.actor });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/cards', operationId: 'addCards', tags, auth: 'operator',
        summary: 'Add cards to a site\'s stock; each gets a printable QR payload unless one is given',
        description: 'All or nothing: a number already in the stock refuses the whole request (409).',
        params: IdParams,
        body: AddCardsBody,
        responses: { 201: { description: 'Added', schema: CardList } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.status = 201;
        ctx.body = { items: (await addCards(s.em(), { operatorId: principal.operatorId, siteId: params.id, cards: body.cards, actor: principal.actor })).map(withoutBatch) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/cards', operationId: 'listCards', tags, auth: 'operator',
        summary: 'A site\'s cards, by number',
        params: IdParams,
        query: CardsQuery,
        responses: { 200: { description: 'Cards', schema: CardList } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.body = { items: (await listCards(s.em(), principal.operatorId, params.id, { state: query.state })).map(withoutBatch) };
      },
    ),
  ];
}

// The batch stamp is the pages' way to print one delivery's labels, not part of the API's card.
const withoutBatch = ({ addedAt: _batch, ...card }: CardView) => card;
