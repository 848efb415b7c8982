import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Site } from './site.entity.ts';

/**
 * A member's Wi-Fi credentials (WPA2-Enterprise, checked by FreeRADIUS). The password must be
 * shown to the member, so it is stored encrypted with the deployment's SECRET_KEY; RADIUS gets
 * only its NT hash.
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
    // MD4 of the UTF-16LE password, what MSCHAPv2 (and PAP) need: FreeRADIUS reads it through
    // the `radius.radcheck` view. Null only for credentials made before RADIUS, until the worker
    // fills it in at start.
    ntPassword: p.string().length(32).nullable().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
  },
});

export class WifiCredential extends WifiCredentialSchema.class {}
WifiCredentialSchema.setClass(WifiCredential);
