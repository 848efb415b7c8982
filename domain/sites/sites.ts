// An organisation's sites, their door controllers and their card stock.
import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../audit.ts';
import { generateDoorSecret } from '../door/signatures.ts';
import { DomainError } from '../errors.ts';
import type { Secrets } from '../secrets.ts';

export interface SiteView {
  id: string;
  name: string;
  timeZone: string;
  wifiSsid: string | null;
  accessListVersion: number;
  createdAt: string;
}

interface SiteRow {
  id: string;
  name: string;
  time_zone: string;
  wifi_ssid: string | null;
  access_list_version: number;
  created_at: Date;
}

const siteView = (r: SiteRow): SiteView => ({
  id: r.id,
  name: r.name,
  timeZone: r.time_zone,
  wifiSsid: r.wifi_ssid,
  accessListVersion: r.access_list_version,
  createdAt: new Date(r.created_at).toISOString(),
});

const isUnique = (error: unknown) => error instanceof UniqueConstraintViolationException || (error as { code?: string }).code === '23505';

export async function createSite(
  em: EntityManager,
  input: { organizationId: string; name: string; timeZone?: string; wifiSsid?: string | null; actor: string },
): Promise<SiteView> {
  try {
    return await em.transactional(async (tx) => {
      const [row] = await tx.execute<SiteRow[]>(
        `insert into site (id, organization_id, name, time_zone, wifi_ssid, access_list_version, created_at)
         values (gen_random_uuid(), ?, ?, ?, ?, 0, now()) returning *`,
        [input.organizationId, input.name.trim(), input.timeZone ?? 'Europe/Paris', input.wifiSsid ?? null],
      );
      await recordAudit(tx, { organizationId: input.organizationId, actor: input.actor, type: 'site.created', data: { siteId: row!.id, name: row!.name } });
      return siteView(row!);
    });
  } catch (error) {
    if (isUnique(error)) throw new DomainError('site_exists', 'conflict', `this organisation already has a site named "${input.name.trim()}"`);
    throw error;
  }
}

/** Name, time zone, Wi-Fi network: what changes is audited with its before and after. */
export async function updateSite(
  em: EntityManager,
  input: { organizationId: string; siteId: string; name?: string; timeZone?: string; wifiSsid?: string | null; actor: string },
): Promise<SiteView> {
  try {
    return await em.transactional(async (tx) => {
      const [before] = await tx.execute<SiteRow[]>('select * from site where id = ? and organization_id = ? for update', [input.siteId, input.organizationId]);
      if (!before) throw new DomainError('site_not_found', 'not_found', `no site ${input.siteId} in this organisation`);
      const next = { name: input.name?.trim() ?? before.name, time_zone: input.timeZone ?? before.time_zone, wifi_ssid: input.wifiSsid === undefined ? before.wifi_ssid : input.wifiSsid };
      const changes = Object.fromEntries(
        (['name', 'time_zone', 'wifi_ssid'] as const).filter((k) => next[k] !== before[k]).map((k) => [k === 'time_zone' ? 'timeZone' : k === 'wifi_ssid' ? 'wifiSsid' : k, { from: before[k], to: next[k] }]),
      );
      if (!Object.keys(changes).length) return siteView(before);
      const [row] = await tx.execute<SiteRow[]>('update site set name = ?, time_zone = ?, wifi_ssid = ? where id = ? returning *', [next.name, next.time_zone, next.wifi_ssid, input.siteId]);
      // Credentials already handed out show the network by name: they follow the site's.
      if ('wifiSsid' in changes) await tx.execute('update wifi_credential set ssid = ? where site_id = ? and revoked_at is null', [next.wifi_ssid, input.siteId]);
      await recordAudit(tx, { organizationId: input.organizationId, actor: input.actor, type: 'site.updated', data: { siteId: input.siteId, changes } });
      return siteView(row!);
    });
  } catch (error) {
    if (isUnique(error)) throw new DomainError('site_exists', 'conflict', `this organisation already has a site named "${input.name?.trim()}"`);
    throw error;
  }
}

export async function listSites(em: EntityManager, organizationId: string): Promise<SiteView[]> {
  const rows = await em.execute<SiteRow[]>('select * from site where organization_id = ? order by name', [organizationId]);
  return rows.map(siteView);
}

/** The site if it belongs to the organisation; another organisation's site is "not found". */
export async function findSite(em: EntityManager, organizationId: string, siteId: string): Promise<SiteView> {
  const [row] = await em.execute<SiteRow[]>('select * from site where id = ? and organization_id = ?', [siteId, organizationId]);
  if (!row) throw new DomainError('site_not_found', 'not_found', `no site ${siteId} in this organisation`);
  return siteView(row);
}

export async function createDoorController(
  em: EntityManager,
  secrets: Secrets,
  input: { organizationId: string; siteId: string; name: string; actor: string },
): Promise<{ id: string; siteId: string; name: string; secret: string; createdAt: string }> {
  await findSite(em, input.organizationId, input.siteId);
  const secret = generateDoorSecret();
  return em.transactional(async (tx) => {
    const [row] = await tx.execute<{ id: string; name: string; created_at: Date }[]>(
      `insert into door_controller (id, site_id, name, secret_ciphertext, created_at) values (gen_random_uuid(), ?, ?, ?, now()) returning id, name, created_at`,
      [input.siteId, input.name.trim(), secrets.encrypt(secret)],
    );
    await recordAudit(tx, { organizationId: input.organizationId, actor: input.actor, type: 'door_controller.created', data: { doorControllerId: row!.id, siteId: input.siteId, name: row!.name } });
    return { id: row!.id, siteId: input.siteId, name: row!.name, secret, createdAt: new Date(row!.created_at).toISOString() };
  });
}

export async function listDoorControllers(em: EntityManager, organizationId: string, siteId: string) {
  await findSite(em, organizationId, siteId);
  const rows = await em.execute<{ id: string; name: string; created_at: Date; last_seen_at: Date | null }[]>(
    'select id, name, created_at, last_seen_at from door_controller where site_id = ? order by name',
    [siteId],
  );
  return rows.map((r) => ({ id: r.id, siteId, name: r.name, createdAt: new Date(r.created_at).toISOString(), lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at).toISOString() : null }));
}

export interface CardView {
  id: string;
  number: string;
  /** What the QR code printed on the card encodes. */
  qr: string;
  state: 'stock' | 'assigned' | 'revoked';
  memberId: string | null;
}

/** A QR payload the printer chose: long enough that nobody registers a card by guessing what its code says. */
export const SUPPLIED_QR = /^[\w-]{16,128}$/;

/** Card stock: each new card gets a QR payload (144 random bits) unless the printer already chose one. */
export async function addCards(
  em: EntityManager,
  input: { organizationId: string; siteId: string; cards: { number: string; qr?: string }[]; actor: string },
): Promise<CardView[]> {
  await findSite(em, input.organizationId, input.siteId);
  const numbers = input.cards.map((c) => c.number.trim());
  const repeated = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (repeated) throw new DomainError('card_number_repeated', 'invalid', `card ${repeated} appears twice in the request`);
  const values: unknown[] = [];
  for (const card of input.cards) values.push(input.siteId, card.number.trim(), card.qr?.trim() || randomBytes(18).toString('base64url'));
  try {
    return await em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string; number: string; qr_token: string; state: CardView['state']; member_id: string | null }[]>(
        `insert into card (id, site_id, number, qr_token, state, created_at)
         select gen_random_uuid(), v.site_id::uuid, v.number, v.qr_token, 'stock', now() from (values ${input.cards.map(() => '(?, ?, ?)').join(', ')}) as v(site_id, number, qr_token)
         returning id, number, qr_token, state, member_id`,
        values,
      );
      await recordAudit(tx, { organizationId: input.organizationId, actor: input.actor, type: 'cards.added', data: { siteId: input.siteId, numbers } });
      return rows.map((r) => ({ id: r.id, number: r.number, qr: r.qr_token, state: r.state, memberId: r.member_id }));
    });
  } catch (error) {
    if (!isUnique(error)) throw error;
    const existing = await em.execute<{ number: string }[]>(
      `select number from card where site_id = ? and number in (${numbers.map(() => '?').join(', ')})`,
      [input.siteId, ...numbers],
    );
    throw existing.length
      ? new DomainError('card_exists', 'conflict', `card(s) ${existing.map((c) => c.number).join(', ')} are already in this site's stock: nothing was added`, { numbers: existing.map((c) => c.number) })
      : new DomainError('card_qr_exists', 'conflict', 'a QR payload of this request is already printed on another card of this site: nothing was added');
  }
}

export async function listCards(em: EntityManager, organizationId: string, siteId: string, state?: CardView['state']): Promise<CardView[]> {
  await findSite(em, organizationId, siteId);
  const rows = await em.execute<{ id: string; number: string; qr_token: string; state: CardView['state']; member_id: string | null }[]>(
    `select id, number, qr_token, state, member_id from card where site_id = ?${state ? ' and state = ?' : ''} order by number`,
    state ? [siteId, state] : [siteId],
  );
  return rows.map((r) => ({ id: r.id, number: r.number, qr: r.qr_token, state: r.state, memberId: r.member_id }));
}
