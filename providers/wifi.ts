// Wi-Fi access: per-member WPA2-Enterprise credentials that FreeRADIUS checks (through the views
// of the `radius` schema), the password kept encrypted for showing it to the member and as an NT
// hash for RADIUS. Revoking one refuses it at the next request and asks the site's access points
// to end the member's live sessions (Disconnect-Message). grant/revoke must be idempotent.
import { randomBytes } from 'node:crypto';
import { dbNow } from '../db/sql.ts';
import type { EntityManager } from '../db/orm.ts';
import { md4 } from 'hash-wasm';
import { WifiCredential } from '../db/entities/index.ts';
import type { Orm } from '../db/orm.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { DisconnectOutcome } from '../contract/workflows.ts';
import { sendDisconnects, type DisconnectOptions, type DisconnectTarget } from './radius-disconnect.ts';

export interface WifiCredentials {
  ssid: string | null;
  username: string;
  password: string;
}

export interface WifiRevocation {
  revoked: boolean;
  /** One entry per access point of the member's site (or one holding a session of theirs). */
  disconnect: DisconnectOutcome[];
}

export interface WifiProvider {
  /** Returns what may appear in workflow history: never the password. */
  /** Inside `em`'s transaction when given (an enrollment that grants access in one step). */
  grant(input: { memberId: string; siteId: string }, em?: EntityManager): Promise<{ ssid: string | null; username: string }>;
  revoke(input: { memberId: string }): Promise<WifiRevocation>;
  /** For the e-mail and pages that hand them to the member, read at use time. */
  credentials(memberId: string): Promise<WifiCredentials | undefined>;
}

/**
 * What a member may read of their own Wi-Fi: an active member's credentials, or those of someone
 * known ahead (made at their card's registration) with the day RADIUS starts accepting them.
 */
export async function memberWifi(wifi: WifiProvider, member: { id: string; status: string; startsOn: string | null }): Promise<(WifiCredentials & { activeFrom: string | null }) | undefined> {
  if (member.status !== 'active' && member.status !== 'scheduled') return undefined;
  const credentials = await wifi.credentials(member.id);
  return credentials && { ...credentials, activeFrom: member.status === 'scheduled' ? member.startsOn : null };
}

/** What MSCHAPv2 needs: MD4 over the UTF-16LE password (Node's OpenSSL 3 no longer has MD4). */
export async function ntPassword(password: string): Promise<string> {
  return md4(Buffer.from(password, 'utf16le'));
}

export function radiusWifi(orm: Orm, secrets: Secrets, disconnect: DisconnectOptions = {}): WifiProvider {
  return {
    async grant({ memberId, siteId }, within) {
      return (within ?? orm.em.fork()).transactional(async (em) => {
        const site = await em.getKysely().selectFrom('site').select('wifi_ssid').where('id', '=', siteId).executeTakeFirst();
        const existing = await em.findOne(WifiCredential, { member: memberId });
        if (existing && !existing.revokedAt) return { ssid: existing.ssid ?? null, username: existing.username };
        const username = `m-${memberId.slice(0, 8)}-${randomBytes(3).toString('hex')}`;
        const password = randomBytes(12).toString('base64url');
        const fields = { site: siteId, ssid: site?.wifi_ssid ?? null, username, passwordCiphertext: secrets.encrypt(password), ntPassword: await ntPassword(password) };
        if (existing) {
          // A re-invited member gets fresh credentials; the old ones stay dead.
          Object.assign(existing, { ...fields, revokedAt: null, createdAt: new Date() });
        } else {
          em.create(WifiCredential, { member: memberId, ...fields });
        }
        await em.flush();
        return { ssid: site?.wifi_ssid ?? null, username };
      });
    },

    async revoke({ memberId }) {
      const em = orm.em.fork();
      const db = em.getKysely();
      const rows = await db.updateTable('wifi_credential').set({ revoked_at: dbNow }).where('member_id', '=', memberId).where('revoked_at', 'is', null).returning('id').execute();
      // Sent on every call, not only the first: a retried revocation must still reach the access
      // points, and a second Disconnect-Message for a session already gone is answered with a NAK.
      const credential = await db
        .selectFrom('wifi_credential as w')
        .innerJoin('member as m', 'm.id', 'w.member_id')
        .select(['w.username', 'w.site_id', 'm.site_id as member_site_id'])
        .where('w.member_id', '=', memberId)
        .executeTakeFirst();
      if (!credential) return { revoked: rows.length > 0, disconnect: [] };
      const targets = await disconnectTargets(em, credential.username, [credential.site_id, credential.member_site_id ?? credential.site_id]);
      return { revoked: rows.length > 0, disconnect: await sendDisconnects(credential.username, targets, disconnect) };
    },

    async credentials(memberId) {
      const credential = await orm.em.fork().findOne(WifiCredential, { member: memberId, revokedAt: null });
      if (!credential) return undefined;
      return { ssid: credential.ssid ?? null, username: credential.username, password: secrets.decrypt(credential.passwordCiphertext) };
    },
  };
}

/** The RADIUS clients of the sites, plus any other one accounting says holds a session of `username`. */
async function disconnectTargets(em: EntityManager, username: string, siteIds: string[]): Promise<DisconnectTarget[]> {
  // Raw on purpose: FreeRADIUS's accounting table (radius.radacct) is its own, not one of our entities.
  const clients = await em.execute<{ name: string; address: string; coa_port: number; secret: string; session_id: string | null; calling_station_id: string | null }[]>(
    `select c.name, c.address, c.coa_port, c.secret, a.acctsessionid as session_id, a.callingstationid as calling_station_id
       from radius_client c
       left join radius.radacct a on host(a.nasipaddress) = c.address and a.username = ? and a.acctstoptime is null
      where c.site_id = any(?::uuid[])
         or c.address in (select host(nasipaddress) from radius.radacct where username = ? and acctstoptime is null)
      order by c.name, c.address`,
    [username, `{${siteIds.join(',')}}`, username],
  );
  const byAddress = new Map<string, DisconnectTarget>();
  for (const row of clients) {
    const target = byAddress.get(row.address) ?? { name: row.name, address: row.address, port: row.coa_port, secret: row.secret, sessions: [] };
    if (row.session_id) target.sessions.push({ sessionId: row.session_id, callingStationId: row.calling_station_id });
    byAddress.set(row.address, target);
  }
  return [...byAddress.values()];
}

/** Credentials made before RADIUS have no NT hash yet: the worker computes them at start. */
export async function fillMissingNtPasswords(orm: Orm, secrets: Secrets): Promise<number> {
  const em = orm.em.fork();
  const missing = await em.find(WifiCredential, { ntPassword: null, revokedAt: null }, { fields: ['id', 'passwordCiphertext', 'ntPassword'] });
  for (const credential of missing) credential.ntPassword = await ntPassword(secrets.decrypt(credential.passwordCiphertext));
  await em.flush();
  return missing.length;
}
