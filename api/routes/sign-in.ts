// Joining and signing in without an invitation or a password: "S'inscrire", passkeys, and what a
// company sets for them (domains, join policy, single sign-on), with the operator's part (seats,
// confirming domains, the billing link) and the admins' "Plan & billing".
import { requestSignUp, completeSignUp, inspectSignUp } from '../../domain/sign-in/sign-up.ts';
import { addPasskey, listPasskeys, passkeyRegistrationOptions, passkeySignInOptions, relyingParty, removePasskey, signInWithPasskey } from '../../domain/sign-in/passkeys.ts';
import {
  confirmDomain,
  declareDomain,
  getCompanySignIn,
  removeCompanySso,
  setCompanySso,
  setJoinPolicy,
  withdrawDomain,
} from '../../domain/sign-in/company-sign-in.ts';
import { companyPlan, operatorBilling, setOperatorBilling } from '../../domain/companies/plan.ts';
import { setContractedSeats } from '../../domain/companies/seats.ts';
import { getCompany } from '../../domain/companies/companies.ts';
import { createSession } from '../../domain/auth/sessions.ts';
import { sessionBody, setSessionCookie } from '../../http/session-cookie.ts';
import { Session } from '../../http/schemas/common.schema.ts';
import {
  AddPasskeyBody,
  Billing,
  BillingBody,
  CompanyDomainParams,
  CompanySignIn,
  CompleteSignUpBody,
  ConfirmDomainBody,
  DomainBody,
  DomainParams,
  JoinPolicyBody,
  Passkey,
  PasskeyList,
  PasskeyOptions,
  PasskeyParams,
  PasskeySignInBody,
  Plan,
  Seats,
  SeatsBody,
  SignUpAccepted,
  SignUpBody,
  SignUpLink,
  SignUpParams,
  SignUpPending,
  SsoBody,
} from '../../http/schemas/sign-in.schema.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';

export function signInRoutes(s: ApiServices) {
  const rp = relyingParty(s.config.http.publicUrl);
  const account = ['member account'];
  const settings = ['organization'];
  return [
    defineRoute(
      {
        method: 'post', path: '/v1/auth/sign-up', operationId: 'signUp', tags: account,
        summary: '"S\'inscrire": always 202, in the same time whatever the address',
        description: 'An address on record gets its invitation again or a reset code; an address at a company\'s confirmed domain gets a verification link; any other nothing.',
        body: SignUpBody,
        responses: { 202: { description: 'Accepted', schema: SignUpAccepted } },
      },
      async ({ body }, ctx) => {
        await s.limits.passwordResetPerAddress.hit(ctx.ip);
        await s.limits.passwordResetPerAccount.hit(body.email.toLowerCase());
        await requestSignUp(s.lifecycles, { email: body.email, locale: body.locale ?? 'fr' });
        ctx.status = 202;
        ctx.body = { status: 'accepted', detail: 'if this address may join, an e-mail is on its way' };
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/sign-ups/{token}', operationId: 'getSignUp', tags: account,
        summary: 'Whether a sign-up link still works (never uses it: mail scanners open links)',
        params: SignUpParams,
        responses: { 200: { description: 'It works', schema: SignUpLink } },
      },
      async ({ params }, ctx) => {
        const link = await inspectSignUp(s.em(), s.secrets, params.token);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { email: link.email, company: link.company, approval: link.approval };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/sign-ups/{token}', operationId: 'completeSignUp', tags: account,
        summary: 'Name and password from the sign-up link: joined (201, a session), or waiting for approval (202)',
        description: 'Refused with 409 `seats-full` ("8 of 8 seats used") when the company\'s contracted seats are taken.',
        params: SignUpParams,
        body: CompleteSignUpBody,
        responses: {
          201: { description: 'Joined and signed in', schema: Session },
          202: { description: 'Waiting for an administrator\'s approval', schema: SignUpPending },
        },
      },
      async ({ params, body }, ctx) => {
        const joined = await completeSignUp({ em: s.em(), lifecycles: s.lifecycles, secrets: s.secrets }, { token: params.token, name: body.name, password: body.password, locale: body.locale ?? 'fr' });
        if (joined.approval) {
          ctx.status = 202;
          ctx.body = { status: 'awaiting_approval', memberId: joined.memberId, detail: 'an administrator of the company approves your request: you will get an e-mail' };
          return;
        }
        const session = await createSession(s.em(), joined.memberId);
        setSessionCookie(ctx, session);
        ctx.status = 201;
        ctx.body = sessionBody({ ...session, ...joined });
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/auth/passkeys/options', operationId: 'passkeySignInOptions', tags: account,
        summary: 'Start "Sign in with a passkey": a single-use challenge (5 minutes)',
        responses: { 200: { description: 'For navigator.credentials.get', schema: PasskeyOptions } },
      },
      async (_input, ctx) => {
        await s.limits.loginPerAddress.hit(ctx.ip);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await passkeySignInOptions(s.em(), rp);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/auth/passkeys/sign-in', operationId: 'signInWithPasskey', tags: account,
        summary: 'Sign in with a passkey: the browser\'s answer to the challenge',
        body: PasskeySignInBody,
        responses: { 200: { description: 'Signed in', schema: Session } },
      },
      async ({ body }, ctx) => {
        await s.limits.loginPerAddress.hit(ctx.ip);
        const session = await signInWithPasskey(s.em(), rp, body);
        setSessionCookie(ctx, session);
        ctx.body = sessionBody(session);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/me/passkeys', operationId: 'listPasskeys', tags: ['member'], auth: 'member',
        summary: 'The signed-in member\'s passkeys',
        responses: { 200: { description: 'Their passkeys', schema: PasskeyList } },
      },
      async ({ principal }, ctx) => {
        ctx.body = { items: await listPasskeys(s.em(), principal.memberId) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/me/passkeys/options', operationId: 'passkeyRegistrationOptions', tags: ['member'], auth: 'member',
        summary: 'Start adding a passkey: a single-use challenge (5 minutes)',
        responses: { 200: { description: 'For navigator.credentials.create', schema: PasskeyOptions } },
      },
      async ({ principal }, ctx) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await passkeyRegistrationOptions(s.em(), rp, principal.memberId);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/me/passkeys', operationId: 'addPasskey', tags: ['member'], auth: 'member',
        summary: 'Add a passkey: the browser\'s answer to the challenge',
        body: AddPasskeyBody,
        responses: { 201: { description: 'Added', schema: Passkey } },
      },
      async ({ body, principal }, ctx) => {
        ctx.status = 201;
        ctx.body = await addPasskey(s.em(), rp, { memberId: principal.memberId, companyId: principal.companyId, ...body });
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/me/passkeys/{passkeyId}', operationId: 'removePasskey', tags: ['member'], auth: 'member',
        summary: 'Remove one of the signed-in member\'s passkeys',
        params: PasskeyParams,
        responses: { 204: { description: 'Removed' } },
      },
      async ({ params, principal }, ctx) => {
        await removePasskey(s.em(), { memberId: principal.memberId, companyId: principal.companyId, passkeyId: params.passkeyId });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/organization/sign-in', operationId: 'getCompanySignIn', tags: settings, auth: 'admin',
        summary: 'How people join and sign in: e-mail domains, join policy, single sign-on',
        responses: { 200: { description: 'The settings', schema: CompanySignIn } },
      },
      async ({ principal }, ctx) => {
        ctx.body = await getCompanySignIn(s.em(), principal.companyId, s.config.http.publicUrl);
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/organization/join-policy', operationId: 'setJoinPolicy', tags: settings, auth: 'admin',
        summary: 'Whether someone at a confirmed domain joins at once or waits for an administrator',
        body: JoinPolicyBody,
        responses: { 200: { description: 'The settings after the change', schema: CompanySignIn } },
      },
      async ({ body, principal }, ctx) => {
        await setJoinPolicy(s.em(), { companyId: principal.companyId, joinPolicy: body.joinPolicy, actor: principal.actor });
        ctx.body = await getCompanySignIn(s.em(), principal.companyId, s.config.http.publicUrl);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/organization/domains', operationId: 'declareDomain', tags: settings, auth: 'admin',
        summary: 'Declare an e-mail domain of the company; the operator confirms it before it lets anyone join',
        body: DomainBody,
        responses: { 201: { description: 'Declared', schema: CompanySignIn } },
      },
      async ({ body, principal }, ctx) => {
        await declareDomain(s.em(), { companyId: principal.companyId, domain: body.domain, actor: principal.actor });
        ctx.status = 201;
        ctx.body = await getCompanySignIn(s.em(), principal.companyId, s.config.http.publicUrl);
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/organization/domains/{domain}', operationId: 'withdrawDomain', tags: settings, auth: 'admin',
        summary: 'Withdraw an e-mail domain: nobody joins by it any more',
        params: DomainParams,
        responses: { 204: { description: 'Withdrawn' } },
      },
      async ({ params, principal }, ctx) => {
        await withdrawDomain(s.em(), { companyId: principal.companyId, domain: params.domain, actor: principal.actor });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/organization/sso', operationId: 'setSso', tags: settings, auth: 'admin',
        summary: 'Single sign-on with the company\'s OpenID provider (Okta, Entra ID…); its discovery document is read first',
        body: SsoBody,
        responses: { 200: { description: 'The settings after the change', schema: CompanySignIn } },
      },
      async ({ body, principal }, ctx) => {
        await setCompanySso({ em: s.em(), secrets: s.secrets }, { companyId: principal.companyId, actor: principal.actor, ...body });
        ctx.body = await getCompanySignIn(s.em(), principal.companyId, s.config.http.publicUrl);
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/organization/sso', operationId: 'removeSso', tags: settings, auth: 'admin',
        summary: 'Stop single sign-on: members sign in with a password or a passkey again',
        responses: { 204: { description: 'Removed' } },
      },
      async ({ principal }, ctx) => {
        await removeCompanySso(s.em(), { companyId: principal.companyId, actor: principal.actor });
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/plan', operationId: 'getPlan', tags: settings, auth: 'admin',
        summary: '"Plan & billing": seats used of the contracted seats, sites, zones and hours granted, the operator\'s billing link',
        responses: { 200: { description: 'The company\'s plan', schema: Plan } },
      },
      async ({ principal }, ctx) => {
        ctx.body = await companyPlan(s.em(), principal.companyId);
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/companies/{id}/seats', operationId: 'setSeats', tags: ['operator'], auth: 'operator',
        summary: 'The company\'s contracted seats; fewer than used stops new members only',
        params: IdParams,
        body: SeatsBody,
        responses: { 200: { description: 'Seats after the change', schema: Seats } },
      },
      async ({ params, body, principal }, ctx) => {
        await getCompany(s.em(), principal.operatorId, params.id);
        ctx.body = await setContractedSeats(s.em(), { operatorId: principal.operatorId, companyId: params.id, contracted: body.contracted, actor: principal.actor });
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/companies/{id}/domains/{domain}', operationId: 'confirmDomain', tags: ['operator'], auth: 'operator',
        summary: 'Confirm (or take back) an e-mail domain a company declared',
        params: CompanyDomainParams,
        body: ConfirmDomainBody,
        responses: { 200: { description: 'The company\'s settings after the change', schema: CompanySignIn } },
      },
      async ({ params, body, principal }, ctx) => {
        await getCompany(s.em(), principal.operatorId, params.id);
        await confirmDomain(s.em(), { companyId: params.id, domain: params.domain, confirmed: body.confirmed, actor: principal.actor });
        ctx.body = await getCompanySignIn(s.em(), params.id, s.config.http.publicUrl);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/operator/billing', operationId: 'getBilling', tags: ['operator'], auth: 'operator',
        summary: 'The billing portal and contact company admins see on "Plan & billing"',
        responses: { 200: { description: 'The billing link', schema: Billing } },
      },
      async ({ principal }, ctx) => {
        ctx.body = await operatorBilling(s.em(), principal.operatorId);
      },
    ),
    defineRoute(
      {
        method: 'put', path: '/v1/operator/billing', operationId: 'setBilling', tags: ['operator'], auth: 'operator',
        summary: 'Set the billing portal and contact (null clears)',
        body: BillingBody,
        responses: { 200: { description: 'The billing link', schema: Billing } },
      },
      async ({ body, principal }, ctx) => {
        ctx.body = await setOperatorBilling(s.em(), { operatorId: principal.operatorId, url: body.url, contact: body.contact || null, actor: principal.actor });
      },
    ),
  ];
}
