// A member's rights (export, erasure), the audit chains' heads and the operator's retention
// settings (docs/privacy.md).
import { auditChainHeads } from '../../domain/audit.ts';
import { pseudonymiseMember } from '../../domain/members/erase-member.ts';
import { memberDataZip } from '../../domain/members/export-member.ts';
import { getMember } from '../../domain/members/queries.ts';
import { operatorRetention, retentionDefaults, setOperatorRetention } from '../../domain/privacy/retention.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import { AuditHead, ErasedMember, Retention, RetentionBody } from '../../http/schemas/privacy.schema.ts';
import type { Context } from 'koa';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { companyScope } from './members.ts';
import type { ApiServices } from '../services.ts';

const ZIP = { description: 'A zip of JSON and CSV files, with a README (FR/EN) saying what each holds', contentType: 'application/zip', schema: z.string().meta({ format: 'binary' }) };

export function privacyRoutes(s: ApiServices) {
  const defaults = retentionDefaults(s.config.retention);
  const sendZip = async (ctx: Context, companyId: string, memberId: string) => {
    const member = await getMember(s.em(), companyId, memberId);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="my-data-${member.id}.zip"`);
    ctx.type = 'application/zip';
    ctx.body = await memberDataZip(s.em(), companyId, member.id);
  };
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/members/{id}/export', operationId: 'exportMember', tags: ['privacy'], auth: 'admin', company: 'member',
        summary: 'Everything kept about a member, for them to take away (GDPR art. 15 and 20): profile, history, entry events, e-mails, Wi-Fi sessions, visits hosted',
        params: IdParams,
        responses: { 200: ZIP },
      },
      async ({ params, principal }, ctx) => sendZip(ctx, principal.companyId, params.id),
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/me/export', operationId: 'exportMyData', tags: ['privacy'], auth: 'member',
        summary: 'Download my data: the signed-in member\'s export',
        responses: { 200: ZIP },
      },
      async ({ principal }, ctx) => sendZip(ctx, principal.companyId, principal.memberId),
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/members/{id}/erase', operationId: 'eraseMember', tags: ['privacy'], auth: 'admin', company: 'member',
        summary: 'Erase a removed member now (GDPR art. 17): name, e-mail, external id, Wi-Fi credentials, e-mails and personal audit fields go; a pseudonym stays. 409 while the member is not removed',
        params: IdParams,
        responses: { 200: { description: 'Erased (or already)', schema: ErasedMember } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await pseudonymiseMember(s.em(), { memberId: params.id, companyId: principal.companyId, actor: principal.actor, why: 'request' });
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/audit/head', operationId: 'auditHead', tags: ['audit'], auth: 'admin', company: 'across',
        summary: 'The head of each audit chain in the trail the caller exports (`GET /v1/audit`): compare with what `npm run audit:verify` prints for that export',
        responses: { 200: { description: 'The chains', schema: AuditHead } },
      },
      async ({ principal }, ctx) => {
        const heads = await auditChainHeads(s.em(), companyScope(principal));
        ctx.body = { chains: heads.map(({ chain, seq, hash }) => ({ chain, seq, hash })) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/retention', operationId: 'getRetention', tags: ['privacy'], auth: 'operator',
        summary: 'How long personal data is kept: the operator\'s settings over the deployment\'s defaults (the CNIL\'s references)',
        responses: { 200: { description: 'The settings', schema: Retention } },
      },
      async ({ principal }, ctx) => {
        ctx.body = { ...(await operatorRetention(s.em(), principal.operatorId, defaults)), defaults };
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/retention', operationId: 'setRetention', tags: ['privacy'], auth: 'operator',
        summary: 'Choose how long personal data is kept (audited); the daily purge applies it at its next run',
        body: RetentionBody,
        responses: { 200: { description: 'The settings now', schema: Retention } },
      },
      async ({ body, principal }, ctx) => {
        ctx.body = { ...(await setOperatorRetention(s.em(), { operatorId: principal.operatorId, actor: principal.actor, overrides: body, defaults })), defaults };
      },
    ),
  ];
}

