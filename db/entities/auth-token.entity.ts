import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';

export const AUTH_TOKEN_PURPOSES = ['invitation', 'session', 'password_reset', 'email_change'] as const;
export type AuthTokenPurpose = (typeof AUTH_TOKEN_PURPOSES)[number];

/**
 * Every bearer credential a member holds (invitation link, session, password-reset code, e-mail
 * change confirmation), so that offboarding can revoke them all in one statement. Invitation links carry `<id>.<HMAC(id)>`: the
 * id alone, readable here, is not enough to forge one without the deployment's SECRET_KEY.
 */
export const AuthTokenSchema = defineEntity({
  name: 'AuthToken',
  indexes: [{ properties: ['member', 'purpose'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    member: () => p.manyToOne(Member),
    purpose: p.enum(AUTH_TOKEN_PURPOSES),
    // For secrets that are not derived from the id (session cookies, reset codes): a hash only.
    secretHash: p.string().length(128).nullable().hidden(),
    // An e-mail change: the address it changes to, once that address confirms (its link carries
    // `<id>.<HMAC(id)>` like an invitation's).
    newEmail: p.string().length(320).nullable(),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    attempts: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class AuthToken extends AuthTokenSchema.class {}
AuthTokenSchema.setClass(AuthToken);
