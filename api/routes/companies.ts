import { cancelCompanyOffboarding, companyOffboardingStatus, getCompany, listCompanies, scheduleCompanyOffboarding, updateCompany } from '../../domain/companies/companies.ts';
import { addCompany } from '../../domain/companies/create-company.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import {
  Company,
  CompanyList,
  CompanyOffboarding,
  CreateCompanyBody,
  CreatedCompany,
  ScheduleOffboardingBody,
  UpdateCompanyBody,
  UpdateCompanyQuery,
} from '../../http/schemas/companies.schema.ts';

const tags = ['companies'];

export function companyRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/companies', operationId: 'createCompany', tags, auth: 'operator',
        summary: 'Add a customer company with its sites and first administrator (invited at once)',
        body: CreateCompanyBody,
        responses: { 201: { description: 'Created; the API key is shown this once', schema: CreatedCompany } },
      },
      async ({ body, principal }, ctx) => {
        const created = await addCompany({ em: s.em(), lifecycles: s.lifecycles }, principal.operatorId, { name: body.name, siteIds: body.siteIds, admin: body.admin, actor: principal.actor });
        s.metrics.workflowStarts.inc();
        ctx.status = 201;
        ctx.set('Location', `/v1/companies/${created.companyId}`);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { id: created.companyId, apiKey: created.apiKey, adminMemberId: created.adminMemberId };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/companies', operationId: 'listCompanies', tags, auth: 'operator',
        summary: 'The operator\'s companies, by name, with their sites and offboarding',
        responses: { 200: { description: 'Companies', schema: CompanyList } },
      },
      async ({ principal }, ctx) => {
        ctx.body = { items: await listCompanies(s.em(), principal.operatorId) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/companies/{id}', operationId: 'getCompany', tags, auth: 'operator',
        summary: 'A company',
        params: IdParams,
        responses: { 200: { description: 'The company', schema: Company } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await getCompany(s.em(), principal.operatorId, params.id);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/companies/{id}', operationId: 'updateCompany', tags, auth: 'operator',
        summary: 'Rename a company or change the sites granted to it (audited)',
        description: 'Taking a site away while the company has members there answers 409 with how many, unless `offboardMembers=true` removes them.',
        params: IdParams,
        query: UpdateCompanyQuery,
        body: UpdateCompanyBody,
        responses: { 200: { description: 'The company after the change', schema: Company } },
      },
      async ({ params, query, body, principal }, ctx) => {
        ctx.body = await updateCompany(
          { em: s.em(), lifecycles: s.lifecycles },
          { operatorId: principal.operatorId, companyId: params.id, ...body, offboardMembers: query.offboardMembers === 'true', actor: principal.actor },
        );
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/companies/{id}/offboarding', operationId: 'scheduleCompanyOffboarding', tags, auth: 'operator',
        summary: 'End a company\'s contract: at `effectiveAt` (default now) every member is removed',
        description: 'Durable: a workflow waits for the date, removes each member once through their lifecycle, and e-mails one report to the operator\'s and the company\'s admins. Cancellable until it starts.',
        params: IdParams,
        body: ScheduleOffboardingBody,
        responses: { 202: { description: 'Scheduled', schema: CompanyOffboarding } },
      },
      async ({ params, body, principal }, ctx) => {
        ctx.status = 202;
        ctx.set('Location', `/v1/companies/${params.id}/offboarding`);
        ctx.body = await scheduleCompanyOffboarding(
          { em: s.em(), lifecycles: s.lifecycles },
          { operatorId: principal.operatorId, companyId: params.id, ...(body.effectiveAt ? { effectiveAt: new Date(body.effectiveAt) } : {}), actor: principal.actor },
        );
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/companies/{id}/offboarding', operationId: 'getCompanyOffboarding', tags, auth: 'operator',
        summary: 'The progress of the company\'s (latest) offboarding',
        params: IdParams,
        responses: { 200: { description: 'Progress', schema: CompanyOffboarding } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await companyOffboardingStatus(s.em(), principal.operatorId, params.id);
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/companies/{id}/offboarding', operationId: 'cancelCompanyOffboarding', tags, auth: 'operator',
        summary: 'Cancel a scheduled offboarding (409 once members are being removed)',
        params: IdParams,
        responses: { 200: { description: 'Cancelled', schema: CompanyOffboarding } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await cancelCompanyOffboarding({ em: s.em(), lifecycles: s.lifecycles }, { operatorId: principal.operatorId, companyId: params.id, actor: principal.actor });
      },
    ),
  ];
}
