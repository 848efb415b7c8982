import { randomUUID } from 'node:crypto';
import { getMember } from '../../domain/members/queries.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';
import { EnrollmentResult, enrollmentAnswer } from '../../http/schemas/common.schema.ts';
import { CardEnrollment, CloseWizardAccepted, CloseWizardBody, ConfirmCardResponse, Me, MeWifi, ScanQrBody } from '../../http/schemas/me.schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { CardLostBody, MemberStatusAnswer } from '../../http/schemas/sign-in.schema.ts';
import { memberWifi } from '../../providers/wifi.ts';

const tags = ['member'];

export function meRoutes(s: ApiServices) {
  const actions = s.lifecycles;
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/me', operationId: 'me', tags, auth: 'member',
        summary: 'The signed-in member',
        responses: { 200: { description: 'The member', schema: Me } },
      },
      async ({ principal }, ctx) => {
        const member = await getMember(s.em(), principal.companyId, principal.memberId);
        const where = await s
          .em()
          .getKysely()
          .selectFrom('member as m')
          .innerJoin('organization as o', 'o.id', 'm.organization_id')
          .leftJoin('site as s', 's.id', 'm.site_id')
          .select(['o.name as company', 's.id as site_id', 's.name as site'])
          .where('m.id', '=', principal.memberId)
          .executeTakeFirstOrThrow();
        const company = { id: principal.companyId, name: where.company };
        // `organization`: its name before companies, answered for one more version.
        ctx.body = { ...member, company, organization: company, site: where.site_id ? { id: where.site_id, name: where.site! } : null };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/me/card/lost', operationId: 'myCardLost', tags, auth: 'member',
        summary: '"My card is lost or damaged": revoked now, off every door; register another (PIN at the door, or QR)',
        body: CardLostBody,
        responses: { 200: { description: 'The card revoked; the card wizard starts again', schema: MemberStatusAnswer } },
      },
      async ({ body, principal }, ctx) => {
        ctx.body = await actions.cardLost(principal.memberId, body.reason, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/me/wifi', operationId: 'myWifi', tags, auth: 'member',
        summary: 'The signed-in member\'s Wi-Fi credentials (made when their card is registered)',
        responses: { 200: { description: 'The credentials', schema: MeWifi } },
      },
      async ({ principal }, ctx) => {
        const member = await getMember(s.em(), principal.companyId, principal.memberId);
        const wifi = await memberWifi(s.wifi, member);
        if (!wifi) throw new DomainError('no_wifi_yet', 'not_found', 'no Wi-Fi credentials yet: they come with the registration of your access card');
        ctx.set('Cache-Control', 'no-store');
        ctx.body = wifi;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/me/card-enrollment', operationId: 'cardEnrollment', tags, auth: 'member',
        summary: 'Where the member is in the card wizard',
        responses: { 200: { description: 'The card track', schema: CardEnrollment } },
      },
      async ({ principal }, ctx) => {
        const view = await actions.state(principal.memberId);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = {
          status: view.status,
          stage: view.card.stage,
          pin: view.card.pin,
          cardNumber: view.card.cardNumber,
          method: view.card.method,
          nextReminderAt: view.card.nextReminderAt,
          overdue: view.card.overdue,
        };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/me/card-enrollment/confirm', operationId: 'confirmCard', tags, auth: 'member',
        summary: 'Step 1, "I hold a card": reveals the PIN to type at the door controller',
        responses: { 200: { description: 'The PIN', schema: ConfirmCardResponse } },
      },
      async ({ principal }, ctx) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await actions.confirmCard(principal.memberId, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/me/card-enrollment/close', operationId: 'closeCardWizard', tags, auth: 'member',
        summary: 'The wizard was closed at step 1 or 2: the instructions e-mail goes out (one per close)',
        body: CloseWizardBody,
        responses: { 202: { description: 'Accepted', schema: CloseWizardAccepted } },
      },
      async ({ body, principal }, ctx) => {
        await actions.closeWizard(principal.memberId, body.step, body.closeId ?? randomUUID());
        ctx.status = 202;
        ctx.body = { status: 'accepted' };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/me/card-enrollment/qr', operationId: 'scanCardQr', tags, auth: 'member',
        summary: 'Step 2: the QR code of the card, read by the member\'s phone',
        description: 'Answers 200 with `decision: "rejected"` and a reason when this card cannot be theirs.',
        body: ScanQrBody,
        responses: { 200: { description: 'The decision', schema: EnrollmentResult } },
      },
      async ({ body, principal }, ctx) => {
        const result = await actions.scanQr(principal.memberId, body.payload, principal.actor);
        ctx.body = enrollmentAnswer(result, null);
      },
    ),
  ];
}
