import type { Context } from 'koa';
import { stringify } from 'csv-stringify/sync';
import { auditCsvLines } from '../../domain/members/audit-export.ts';
import { z } from 'zod';
import { createMemberImport, importProgress, parseMembersCsv } from '../../domain/imports/member-import.ts';
import { inviteMember } from '../../domain/members/invite-member.ts';
import { updateMember } from '../../domain/members/update-member.ts';
import { refuseOperatorStaff } from '../../domain/members/operator-staff.ts';
import { auditEvents, getMember, listMembers, memberHistory, type AuditAudience, type CompanyScope } from '../../domain/members/queries.ts';
import type { AdminPrincipal } from '../auth.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { EnrollmentResult, enrollmentAnswer, IdParams, Lifecycle } from '../../http/schemas/common.schema.ts';
import { CardLostBody, MemberStatusAnswer, SignUpDecisionBody } from '../../http/schemas/sign-in.schema.ts';
import {
  AuditPage,
  AuditQuery,
  BulkBody,
  BulkQuery,
  HistoryResponse,
  ImportAccepted,
  ImportProgress,
  InvitedMember,
  InviteMemberBody,
  ListMembersQuery,
  Member,
  MemberDetail,
  MemberPage,
  PatchMemberBody,
  RegisterCardBody,
  RemoveQuery,
  RemoveResponse,
  ResendResponse,
} from '../../http/schemas/members.schema.ts';

const tags = ['members'];

export function memberRoutes(s: ApiServices) {
  const actions = s.lifecycles;
  // Every member route first proves the member is the caller's company's.
  const member = (companyId: string, id: string) => getMember(s.em(), companyId, id);

  return [
    defineRoute(
      {
        method: 'post', path: '/v1/members', operationId: 'inviteMember', tags, auth: 'admin', idempotent: true,
        summary: 'Invite a member: the invitation e-mail goes out and their lifecycle starts',
        description: 'The same live e-mail address in the company answers 409 naming the existing member. A removed member is invited again (a new lifecycle run; the history keeps both).',
        body: InviteMemberBody,
        responses: { 201: { description: 'Invited', schema: InvitedMember } },
      },
      async ({ body, principal }, ctx) => {
        const { companyId: _company, startsOn, endsOn, endsAt, kind, dates, card, accessDays, ...invitation } = body;
        const invited = await inviteMember(
          { em: s.em(), lifecycles: s.lifecycles },
          { companyId: principal.companyId, ...invitation, dates: { startsOn, endsOn, endsAt }, access: { kind, dates, card, accessDays }, actor: principal.actor, requestKey: ctx.get('Idempotency-Key') || undefined },
        );
        s.metrics.workflowStarts.inc();
        ctx.status = 201;
        ctx.set('Location', `/v1/members/${invited.memberId}`);
        ctx.body = { ...(await member(principal.companyId, invited.memberId)), workflowId: invited.workflowId, reinvited: invited.reinvited };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/members/bulk', operationId: 'inviteMembers', tags, auth: 'admin', idempotent: true, acceptsCsv: true,
        summary: 'Invite many members at once (JSON list or CSV file)',
        description: 'CSV: a header row `email,name,role,site,locale,reinvite,starts_on,ends_on,kind,dates,card,access_days` (only email is required; dates YYYY-MM-DD). Members an admin removed are skipped unless `reinvite` says so. Answers at once; follow the progress at `/v1/imports/{id}`.',
        query: BulkQuery,
        body: BulkBody,
        responses: { 202: { description: 'Accepted; the invitations go out in the background', schema: ImportAccepted } },
      },
      async ({ query, body, csv, principal }, ctx) => {
        const rows = csv !== undefined ? parseMembersCsv(csv) : body.members;
        const created = await createMemberImport(
          { em: s.em(), lifecycles: s.lifecycles },
          { companyId: principal.companyId, actor: principal.actor, source: csv !== undefined ? 'csv' : 'json', rows, reinvite: query.reinvite === 'true' },
        );
        ctx.status = 202;
        ctx.set('Location', `/v1/imports/${created.importId}`);
        ctx.body = created;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/imports/{id}', operationId: 'getImport', tags, auth: 'admin', company: 'import',
        summary: 'Progress of a bulk invitation, with the rows that were skipped or failed',
        params: IdParams,
        responses: { 200: { description: 'Progress', schema: ImportProgress } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await importProgress(s.em(), principal.companyId, params.id);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/members', operationId: 'listMembers', tags, auth: 'admin', company: 'across',
        summary: 'Members, newest first: filter by status, search by name or e-mail, page with the cursor',
        query: ListMembersQuery,
        responses: { 200: { description: 'One page', schema: MemberPage } },
      },
      async ({ query, principal }, ctx) => {
        const { companyId: _company, ...filter } = query;
        ctx.body = await listMembers(s.em(), companyScope(principal), filter);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/members/{id}', operationId: 'getMember', tags, auth: 'admin', company: 'member',
        summary: 'A member, with their lifecycle\'s current state',
        params: IdParams,
        responses: { 200: { description: 'The member', schema: MemberDetail } },
      },
      async ({ params, principal }, ctx) => {
        const found = await member(principal.companyId, params.id);
        const view = found.status === 'removed' ? null : await actions.adminState(params.id);
        // The workflow's view carries more than the contract shows (its own ids): only the documented part goes out.
        ctx.body = { ...found, lifecycle: view && Lifecycle.parse(view) };
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/members/{id}', operationId: 'updateMember', tags, auth: 'admin', company: 'member',
        summary: 'Change a member\'s name, e-mail, language, site or role (audited; the last administrator cannot be demoted)',
        params: IdParams,
        body: PatchMemberBody,
        responses: { 200: { description: 'The member after the change', schema: Member } },
      },
      async ({ params, body, principal }, ctx) => {
        await updateMember({ em: s.em(), lifecycles: s.lifecycles }, { companyId: principal.companyId, memberId: params.id, ...body, actor: principal.actor, byOperator: byOperator(principal) });
        ctx.body = await member(principal.companyId, params.id);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/members/{id}/invitation/resend', operationId: 'resendInvitation', tags, auth: 'admin', company: 'member',
        summary: 'Send a new invitation link (the old link stops working; the expiry clock restarts)',
        params: IdParams,
        responses: { 200: { description: 'Sent', schema: ResendResponse } },
      },
      async ({ params, principal }, ctx) => {
        await member(principal.companyId, params.id);
        await refuseOperatorStaff(s.em(), params.id, byOperator(principal));
        ctx.body = await actions.resendInvitation(params.id, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/members/{id}/sign-up/decision', operationId: 'decideSignUp', tags, auth: 'admin', company: 'member',
        summary: 'Approve or refuse a sign-up waiting for an administrator; the person is told either way',
        description: 'Approving takes a seat: 409 `seats-full` ("8 of 8 seats used") when none is left. 409 `not-awaiting-approval` once decided.',
        params: IdParams,
        body: SignUpDecisionBody,
        responses: { 200: { description: 'Decided', schema: MemberStatusAnswer } },
      },
      async ({ params, body, principal }, ctx) => {
        await member(principal.companyId, params.id);
        ctx.body = await actions.decideSignUp(params.id, body.approve, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/members/{id}/card/lost', operationId: 'changeMemberCard', tags, auth: 'admin', company: 'member',
        summary: 'Change the access card for a member: the card is lost or damaged, revoked now; they register another',
        params: IdParams,
        body: CardLostBody,
        responses: { 200: { description: 'The old card revoked; the card wizard starts again', schema: MemberStatusAnswer } },
      },
      async ({ params, body, principal }, ctx) => {
        await member(principal.companyId, params.id);
        await refuseOperatorStaff(s.em(), params.id, byOperator(principal));
        ctx.body = await actions.cardLost(params.id, body.reason, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/members/{id}/cards', operationId: 'registerCard', tags, auth: 'admin', company: 'member',
        summary: 'Register a card of the site\'s stock on the member\'s behalf (or replace their card)',
        description: 'Answers 200 with `decision: "rejected"` and a reason when the card cannot be theirs (unknown, another site\'s, someone else\'s, revoked).',
        params: IdParams,
        body: RegisterCardBody,
        responses: { 200: { description: 'The decision', schema: EnrollmentResult } },
      },
      async ({ params, body, principal }, ctx) => {
        await member(principal.companyId, params.id);
        await refuseOperatorStaff(s.em(), params.id, byOperator(principal));
        const result = await actions.registerCard(params.id, { cardNumber: body.cardNumber, replace: body.replace, actor: principal.actor });
        ctx.body = enrollmentAnswer(result, body.cardNumber);
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/members/{id}', operationId: 'removeMember', tags, auth: 'admin', company: 'member',
        summary: 'Remove a member: card, Wi-Fi, sessions revoked; the member and the admins are told',
        description: 'The member is `removed` when this answers; the offboarding then runs in their lifecycle (see the history). The last administrator cannot be removed.',
        params: IdParams,
        query: RemoveQuery,
        responses: { 202: { description: 'Removed; offboarding under way', schema: RemoveResponse } },
      },
      async ({ params, query, principal }, ctx) => {
        await member(principal.companyId, params.id);
        await refuseOperatorStaff(s.em(), params.id, byOperator(principal));
        await actions.remove(params.id, { actor: principal.actor, reason: query.reason });
        ctx.status = 202;
        ctx.body = { id: params.id, status: 'removed' };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/members/{id}/history', operationId: 'memberHistory', tags, auth: 'admin', company: 'member',
        summary: 'Everything that happened to a member, oldest first, with who did it',
        params: IdParams,
        responses: { 200: { description: 'The history', schema: HistoryResponse } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = { items: await memberHistory(s.em(), principal.companyId, params.id, audienceOf(principal)) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/audit', operationId: 'auditLog', tags: ['audit'], auth: 'admin', company: 'across',
        summary: 'The company\'s audit trail, oldest first; filterable; CSV export',
        query: AuditQuery,
        responses: { 200: { description: 'One page (JSON) or every matching event (CSV)', schema: AuditPage, alternatives: { 'text/csv': z.string() } } },
      },
      async ({ query, principal }, ctx) => {
        const filter = { memberId: query.memberId, type: query.type, actor: query.actor, from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined };
        if (query.format === 'csv' || ctx.accepts('application/json', 'text/csv') === 'text/csv') {
          await sendAuditCsv(ctx, s, companyScope(principal), filter, audienceOf(principal));
          return;
        }
        ctx.body = await auditEvents(s.em(), companyScope(principal), { ...filter, cursor: query.cursor, limit: query.limit }, audienceOf(principal));
      },
    ),
  ];
}

/** The operator's key or one of its staff (acting on a company), not that company's own credentials. */
const byOperator = (principal: AdminPrincipal): boolean => principal.kind === 'operator' || (principal.kind === 'member' && principal.operatorAdmin);

/** The operator's staff read its hardware in the trail; a company's key or admin does not. */
const audienceOf = (principal: AdminPrincipal): AuditAudience => (byOperator(principal) ? 'operator' : 'company');

/** One company's, or (an operator key naming none) every company of the operator. */
export const companyScope = (principal: AdminPrincipal): CompanyScope =>
  principal.kind === 'operator' && principal.allCompanies ? { operatorId: principal.operatorId } : { companyId: principal.companyId };

async function sendAuditCsv(ctx: Context, s: ApiServices, scope: CompanyScope, filter: Omit<Parameters<typeof auditEvents>[2], 'limit' | 'cursor'>, audience: AuditAudience) {
  const lines = await auditCsvLines(s.em(), scope, filter, audience);
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', 'attachment; filename="audit.csv"');
  ctx.body = stringify(lines);
}
