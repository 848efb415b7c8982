// Visitors: a member invites one (Workways' "My visitors"), reads and cancels their visits; a
// company's admins and keys see the company's; the operator reads a site's reception list and
// issues the reception kiosks' links.
import { AppError } from '../../http/errors.ts';
import { DomainError } from '../../domain/errors.ts';
import { findSite } from '../../domain/sites/sites.ts';
import { dateAt } from '../../domain/time.ts';
import { inviteVisitor } from '../../domain/visits/invite-visitor.ts';
import { issueKiosk, listKiosks, revokeKiosk } from '../../domain/visits/kiosks.ts';
import { cancelVisit } from '../../domain/visits/visit-changes.ts';
import { getVisit, listVisits, receptionList, type VisitScope } from '../../domain/visits/visits.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import { InviteVisitorBody, IssuedKiosk, KioskBody, KioskList, KioskParams, Kiosk, ReceptionList, ReceptionQuery, Visit, VisitList, VisitsQuery } from '../../http/schemas/visits.schema.ts';
import type { AdminPrincipal, MemberPrincipal } from '../auth.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';

const tags = ['visitors'];

/** A member sees their own visits; an administrator, a company key or the operator acting for a company sees the company's. */
const isPlainMember = (p: MemberPrincipal | AdminPrincipal): p is MemberPrincipal => p.kind === 'member' && p.role !== 'admin' && !p.operatorAdmin;
const scopeOf = (p: MemberPrincipal | AdminPrincipal): VisitScope => (isPlainMember(p) ? { hostMemberId: p.memberId, companyId: p.companyId } : { companyId: p.companyId });

export function visitRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/visits', operationId: 'inviteVisitor', tags, auth: 'company',
        summary: 'Invite a visitor: they are e-mailed a single-use PIN for the entrance of the host\'s site',
        description:
          'The PIN (`#` and six digits) opens the host\'s site\'s entrance zone once, on `date`, within the host\'s own hours there; nobody but the visitor sees it. A member invites for themself; a key or an admin names `hostMemberId`. 422 when the host has no access to the building that day.',
        body: InviteVisitorBody,
        responses: { 201: { description: 'Invited: the e-mail is on its way', schema: Visit } },
      },
      async ({ body, principal }, ctx) => {
        const self = principal.kind === 'member' ? principal.memberId : undefined;
        const host = body.hostMemberId ?? self;
        if (!host) throw new AppError('validation-failed', 400, 'The request is not valid', { detail: 'an API key names the host: hostMemberId', extra: { errors: [{ path: 'hostMemberId', message: 'required with an API key' }] } });
        if (isPlainMember(principal) && host !== principal.memberId) throw new DomainError('not_your_visit', 'forbidden', 'a member invites visitors for themself only');
        ctx.status = 201;
        ctx.body = await inviteVisitor(
          { em: s.em(), visits: s.visits },
          {
            companyId: principal.companyId, hostMemberId: host, kind: 'invited', visitorEmail: body.email, visitorName: body.name, date: body.date,
            expectedAt: body.expectedAt, message: body.message, locale: body.locale, actor: principal.actor,
          },
        );
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/visits', operationId: 'listVisits', tags, auth: 'company',
        summary: 'Visits, latest day first: a member\'s own, or (admins and keys) the company\'s',
        query: VisitsQuery,
        responses: { 200: { description: 'Visits', schema: VisitList } },
      },
      async ({ query, principal }, ctx) => {
        const { companyId: _, ...filter } = query;
        ctx.body = { items: await listVisits(s.em(), scopeOf(principal), filter) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/visits/{id}', operationId: 'getVisit', tags, auth: 'company',
        summary: 'One visit (never its PIN)',
        params: IdParams,
        responses: { 200: { description: 'The visit', schema: Visit } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await getVisit(s.em(), scopeOf(principal), params.id);
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/visits/{id}', operationId: 'cancelVisit', tags, auth: 'company',
        summary: 'Cancel a visit: its PIN dies at once and the visitor is e-mailed (409 once it is over)',
        params: IdParams,
        responses: { 200: { description: 'Cancelled', schema: Visit } },
      },
      async ({ params, principal }, ctx) => {
        const visit = await cancelVisit(s.em(), scopeOf(principal), params.id, principal.actor);
        await s.visits.cancelled(visit.id);
        ctx.body = visit;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/visits', operationId: 'receptionList', tags, auth: 'operator',
        summary: 'The reception list: a site\'s visits of one day (today by default), expected time first',
        params: IdParams,
        query: ReceptionQuery,
        responses: { 200: { description: 'The day\'s visits', schema: ReceptionList } },
      },
      async ({ params, query, principal }, ctx) => {
        const site = await findSite(s.em(), { operatorId: principal.operatorId }, params.id);
        const date = query.date ?? dateAt(new Date(), site.timeZone);
        ctx.body = { siteId: site.id, date, items: await receptionList(s.em(), principal.operatorId, site.id, date) };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sites/{id}/reception-kiosks', operationId: 'listReceptionKiosks', tags, auth: 'operator',
        summary: 'A site\'s reception kiosk links (never their tokens)',
        params: IdParams,
        responses: { 200: { description: 'Kiosks', schema: KioskList } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = { items: await listKiosks(s.em(), principal.operatorId, params.id) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sites/{id}/reception-kiosks', operationId: 'issueReceptionKiosk', tags, auth: 'operator',
        summary: 'A link for a reception tablet: walk-ins register there and their host approves (the link is shown once)',
        params: IdParams,
        body: KioskBody,
        responses: { 201: { description: 'Issued', schema: IssuedKiosk } },
      },
      async ({ params, body, principal }, ctx) => {
        const { kiosk, token } = await issueKiosk(s.em(), { operatorId: principal.operatorId, siteId: params.id, name: body.name, actor: principal.actor });
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { ...kiosk, url: `${s.config.http.publicUrl}/reception/${token}` };
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/sites/{id}/reception-kiosks/{kioskId}', operationId: 'revokeReceptionKiosk', tags, auth: 'operator',
        summary: 'Revoke a kiosk link: the tablet\'s pages stop working at once',
        params: KioskParams,
        responses: { 200: { description: 'Revoked', schema: Kiosk } },
      },
      async ({ params, principal }, ctx) => {
        ctx.body = await revokeKiosk(s.em(), { operatorId: principal.operatorId, siteId: params.id, kioskId: params.kioskId, actor: principal.actor });
      },
    ),
  ];
}
