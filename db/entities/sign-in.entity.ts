import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Company } from './company.entity.ts';
import { Member } from './member.entity.ts';

/**
 * An e-mail domain a company admin declared ("acme.fr"). It lets people at that domain join by
 * "S'inscrire" or single sign-on only once the operator confirmed it; a confirmed domain belongs
 * to one company.
 */
export const CompanyDomainSchema = defineEntity({
  name: 'CompanyDomain',
  properties: {
    domain: p.string().length(253).primary(),
    company: () => p.manyToOne(Company).fieldName('organization_id').deleteRule('cascade'),
    declaredBy: p.string().length(100),
    declaredAt: p.datetime().onCreate(() => new Date()),
    confirmedBy: p.string().length(100).nullable(),
    confirmedAt: p.datetime().nullable(),
  },
});
export class CompanyDomain extends CompanyDomainSchema.class {}
CompanyDomainSchema.setClass(CompanyDomain);

/**
 * "S'inscrire": an address at a company's domain asked to join. Its e-mailed link carries
 * `<id>.<HMAC(id)>` like an invitation's; the name and password come with the POST that uses it.
 */
export const SignUpRequestSchema = defineEntity({
  name: 'SignUpRequest',
  indexes: [{ properties: ['company', 'email'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id').deleteRule('cascade'),
    email: p.string().length(320),
    locale: p.string().length(8),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
  },
});
export class SignUpRequest extends SignUpRequestSchema.class {}
SignUpRequestSchema.setClass(SignUpRequest);

/** A WebAuthn credential (passkey) a member registered; `id` is its credential id (base64url). */
export const PasskeySchema = defineEntity({
  name: 'Passkey',
  indexes: [{ properties: ['member'] }],
  properties: {
    id: p.string().length(1400).primary(),
    member: () => p.manyToOne(Member).deleteRule('cascade'),
    publicKey: p.blob(),
    counter: p.bigint('number').default(0),
    transports: p.json<string[]>().nullable(),
    name: p.string().length(100),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
  },
});
export class Passkey extends PasskeySchema.class {}
PasskeySchema.setClass(Passkey);

export const SIGN_IN_CHALLENGE_PURPOSES = ['passkey_registration', 'passkey_sign_in', 'sso'] as const;

/**
 * One step of a sign-in that leaves the page and comes back: a WebAuthn challenge, or an OpenID
 * Connect request's state, nonce and PKCE verifier. Single use: the browser holds only its id
 * (a cookie), and using it marks it consumed, so a replayed answer finds nothing.
 */
export const SignInChallengeSchema = defineEntity({
  name: 'SignInChallenge',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    purpose: p.enum(SIGN_IN_CHALLENGE_PURPOSES),
    member: () => p.manyToOne(Member).nullable().deleteRule('cascade'),
    company: () => p.manyToOne(Company).fieldName('organization_id').nullable().deleteRule('cascade'),
    data: p.json<Record<string, string>>(),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
  },
});
export class SignInChallenge extends SignInChallengeSchema.class {}
SignInChallengeSchema.setClass(SignInChallenge);
