// Joining and signing in: "S'inscrire", passkeys, a company's domains, join policy and single
// sign-on, seats, "Plan & billing", and "my card is lost or damaged".
import { z } from 'zod';
import { JOIN_POLICIES } from '../../db/entities/index.ts';
import { Email, Locale, Status, Timestamp, Uuid } from './common.schema.ts';
import { NewPassword } from './auth.schema.ts';

export const SignUpBody = z.strictObject({ email: Email, locale: Locale.optional() }).meta({ id: 'SignUp' });
export const SignUpAccepted = z.object({ status: z.literal('accepted'), detail: z.string() });

export const SignUpParams = z.object({ token: z.string().min(1).max(300).meta({ description: 'The token of the e-mailed sign-up link' }) });
export const SignUpLink = z
  .object({ email: Email, company: z.string(), approval: z.boolean().meta({ description: 'True: an administrator approves the request before the member may sign in' }) })
  .meta({ id: 'SignUpLink' });
export const CompleteSignUpBody = z.strictObject({ name: z.string().trim().min(1).max(200), password: NewPassword, locale: Locale.optional() }).meta({ id: 'CompleteSignUp' });
export const SignUpPending = z
  .object({ status: z.literal('awaiting_approval'), memberId: Uuid, detail: z.string() })
  .meta({ id: 'SignUpPending' });

/** What the browser library answers; checked by @simplewebauthn/server, not here. */
const WebAuthnResponse = z.looseObject({ id: z.string().min(1).max(1400), type: z.literal('public-key') }).meta({ description: 'The browser\'s answer (`@simplewebauthn/browser`\'s JSON)' });
export const PasskeyOptions = z
  .object({ challengeId: Uuid, options: z.record(z.string(), z.unknown()).meta({ description: 'For `navigator.credentials` (`@simplewebauthn/browser`)' }) })
  .meta({ id: 'PasskeyOptions' });
export const PasskeySignInBody = z.strictObject({ challengeId: Uuid, response: WebAuthnResponse }).meta({ id: 'PasskeySignIn' });
export const AddPasskeyBody = z.strictObject({ challengeId: Uuid, response: WebAuthnResponse, name: z.string().trim().min(1).max(100).default('Passkey') }).meta({ id: 'AddPasskey' });
export const Passkey = z.object({ id: z.string(), name: z.string(), createdAt: Timestamp, lastUsedAt: Timestamp.nullable() }).meta({ id: 'Passkey' });
export const PasskeyList = z.object({ items: z.array(Passkey) });
export const PasskeyParams = z.object({ passkeyId: z.string().min(1).max(1400) });

const Domain = z.string().trim().toLowerCase().min(4).max(253).meta({ example: 'acme.fr' });
export const DomainParams = z.object({ domain: Domain });
export const DomainBody = z.strictObject({ domain: Domain }).meta({ id: 'DeclareDomain' });
export const JoinPolicy = z.enum(JOIN_POLICIES).meta({ description: '`automatic`: someone at a confirmed domain joins at once; `approval`: an administrator approves (14 days)' });
export const CompanySignIn = z
  .object({
    joinPolicy: JoinPolicy,
    domains: z.array(z.object({ domain: z.string(), confirmed: z.boolean().meta({ description: 'Confirmed by the operator: only then does it let people join' }), declaredAt: Timestamp, confirmedAt: Timestamp.nullable() })),
    sso: z
      .object({ issuer: z.string(), clientId: z.string(), label: z.string(), required: z.boolean(), redirectUri: z.string().meta({ description: 'Register this redirect URI at the identity provider' }) })
      .nullable(),
  })
  .meta({ id: 'CompanySignIn' });
export const JoinPolicyBody = z.strictObject({ joinPolicy: JoinPolicy }).meta({ id: 'SetJoinPolicy' });
export const SsoBody = z
  .strictObject({
    issuer: z.string().trim().min(1).max(500).meta({ description: 'Its discovery document is read at `<issuer>/.well-known/openid-configuration`' }),
    clientId: z.string().trim().min(1).max(255),
    clientSecret: z.string().min(1).max(1000).optional().meta({ description: 'Stored encrypted, never answered; leave out to keep the current one' }),
    label: z.string().trim().min(1).max(60).meta({ description: 'What the button says: "Sign in with <label>"', example: 'Okta' }),
    required: z.boolean().default(false).meta({ description: 'The company\'s members cannot sign in with a password' }),
  })
  .meta({ id: 'SetSso' });

export const SeatsBody = z.strictObject({ contracted: z.number().int().min(0).max(1_000_000).nullable().meta({ description: 'Null: no limit' }) }).meta({ id: 'SetSeats' });
export const Seats = z.object({ used: z.number().int(), contracted: z.number().int().nullable() }).meta({ id: 'Seats' });
export const ConfirmDomainBody = z.strictObject({ confirmed: z.boolean() }).meta({ id: 'ConfirmDomain' });
export const CompanyDomainParams = z.object({ id: Uuid, domain: Domain });

const ScheduleJson = z.unknown().meta({ description: 'Weekly windows in the site\'s time zone and closures; null: at any hour the site is open' });
export const Plan = z
  .object({
    company: z.object({ id: Uuid, name: z.string() }),
    seats: Seats,
    sites: z.array(z.object({ id: Uuid, name: z.string(), address: z.string().nullable(), openingHours: ScheduleJson })),
    zones: z.array(z.object({ siteId: Uuid, siteName: z.string(), zoneId: Uuid, zoneName: z.string(), common: z.boolean(), schedule: ScheduleJson })),
    billing: z.object({ url: z.string().nullable(), contact: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'Plan' });
export const Billing = z
  .object({
    url: z.url({ protocol: /^https$/ }).max(2000).nullable().meta({ description: 'The operator\'s billing portal (https)' }),
    contact: z.string().trim().max(320).nullable().meta({ description: 'Who answers billing questions (an address or a phone number)' }),
  })
  .meta({ id: 'Billing' });
export const BillingBody = Billing.strict();

export const SignUpDecisionBody = z.strictObject({ approve: z.boolean() }).meta({ id: 'SignUpDecision' });
export const CardLostBody = z.strictObject({ reason: z.enum(['lost', 'damaged']) }).meta({ id: 'CardLost' });
export const MemberStatusAnswer = z.object({ status: Status });
