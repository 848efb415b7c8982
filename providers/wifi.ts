// Wi-Fi access. The default provider stores per-member credentials in the database (the password
// encrypted, since the member must be able to read it); a deployment with RADIUS or a controller
// API implements the same calls. grant/revoke must be idempotent.
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WifiCredential } from '../db/entities/index.ts';
import type { Orm } from '../db/orm.ts';
import type { Secrets } from '../domain/secrets.ts';

export interface WifiCredentials {
  ssid: string | null;
  username: string;
  password: string;
}

export interface WifiProvider {
  /** Returns what may appear in workflow history: never the password. */
  /** Inside `em`'s transaction when given (an enrollment that grants access in one step). */
  grant(input: { memberId: string; siteId: string }, em?: EntityManager): Promise<{ ssid: string | null; username: string }>;
  revoke(input: { memberId: string }): Promise<{ revoked: boolean }>;
  /** For the e-mail that hands them to the member, read at send time. */
  credentials(memberId: string): Promise<WifiCredentials | undefined>;
}

export function databaseWifi(orm: Orm, secrets: Secrets): WifiProvider {
  return {
    async grant({ memberId, siteId }, within) {
      return (within ?? orm.em.fork()).transactional(async (em) => {
        const [site] = await em.execute<{ wifi_ssid: string | null }[]>('select wifi_ssid from site where id = ?', [siteId]);
        const existing = await em.findOne(WifiCredential, { member: memberId });
        if (existing && !existing.revokedAt) return { ssid: existing.ssid ?? null, username: existing.username };
        const username = `m-${memberId.slice(0, 8)}-${randomBytes(3).toString('hex')}`;
        const passwordCiphertext = secrets.encrypt(randomBytes(12).toString('base64url'));
        if (existing) {
          // A re-invited member gets fresh credentials; the old ones stay dead.
          Object.assign(existing, { site: siteId, ssid: site?.wifi_ssid ?? null, username, passwordCiphertext, revokedAt: null, createdAt: new Date() });
        } else {
          em.create(WifiCredential, { member: memberId, site: siteId, ssid: site?.wifi_ssid ?? null, username, passwordCiphertext });
        }
        await em.flush();
        return { ssid: site?.wifi_ssid ?? null, username };
      });
    },
    async revoke({ memberId }) {
      const rows = await orm.em.fork().execute<{ id: string }[]>(
        'update wifi_credential set revoked_at = now() where member_id = ? and revoked_at is null returning id',
        [memberId],
      );
      return { revoked: rows.length > 0 };
    },
    async credentials(memberId) {
      const credential = await orm.em.fork().findOne(WifiCredential, { member: memberId, revokedAt: null });
      if (!credential) return undefined;
      return { ssid: credential.ssid ?? null, username: credential.username, password: secrets.decrypt(credential.passwordCiphertext) };
    },
  };
}
