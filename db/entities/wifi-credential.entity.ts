import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Site } from './site.entity.ts';

/**
 * Per-member Wi-Fi credentials of the default (database) Wi-Fi provider. The password must be
 * shown to the member, so it is stored encrypted with the deployment's SECRET_KEY, never hashed.
 */
export const WifiCredentialSchema = defineEntity({
  name: 'WifiCredential',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    member: () => p.oneToOne(Member).owner().unique(),
    site: () => p.manyToOne(Site),
    ssid: p.string().length(64).nullable(),
    username: p.string().length(100).unique(),
    passwordCiphertext: p.text().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
  },
});

export class WifiCredential extends WifiCredentialSchema.class {}
WifiCredentialSchema.setClass(WifiCredential);
