import { getCompanySettings, updateCompanySettings } from '../../domain/companies/settings.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { CompanySettings, UpdateCompanySettingsBody } from '../../http/schemas/company-settings.schema.ts';

const tags = ['organization'];

export function companySettingsRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/organization', operationId: 'getCompanySettings', tags, auth: 'admin',
        summary: 'The company: its name, and the colour and logo of its e-mails',
        responses: { 200: { description: 'The company', schema: CompanySettings } },
      },
      async ({ principal }, ctx) => {
        ctx.body = await getCompanySettings(s.em(), principal.companyId);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/organization', operationId: 'updateCompanySettings', tags, auth: 'admin',
        summary: 'Rename the company or change the colour and logo of its e-mails',
        body: UpdateCompanySettingsBody,
        responses: { 200: { description: 'The company as it now is', schema: CompanySettings } },
      },
      async ({ body, principal }, ctx) => {
        ctx.body = await updateCompanySettings(s.em(), { companyId: principal.companyId, actor: principal.actor, ...body });
      },
    ),
  ];
}
