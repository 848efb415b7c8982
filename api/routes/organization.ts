import { getOrganization, updateOrganization } from '../../domain/organizations/settings.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { Organization, UpdateOrganizationBody } from '../../http/schemas/organization.schema.ts';

const tags = ['organization'];

export function organizationRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/organization', operationId: 'getOrganization', tags, auth: 'admin',
        summary: 'The organisation: its name, and the colour and logo of its e-mails',
        responses: { 200: { description: 'The organisation', schema: Organization } },
      },
      async ({ principal }, ctx) => {
        ctx.body = await getOrganization(s.em(), principal.organizationId);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/organization', operationId: 'updateOrganization', tags, auth: 'admin',
        summary: 'Rename the organisation or change the colour and logo of its e-mails',
        body: UpdateOrganizationBody,
        responses: { 200: { description: 'The organisation as it now is', schema: Organization } },
      },
      async ({ body, principal }, ctx) => {
        ctx.body = await updateOrganization(s.em(), { organizationId: principal.organizationId, actor: principal.actor, ...body });
      },
    ),
  ];
}
