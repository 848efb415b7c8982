// The operator's sites, their door controllers and their card stock. The operator writes them;
// a company reads only the sites granted to it, and never their hardware.
import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../audit.ts';
import { generateDoorSecret } from '../door/signatures.ts';
import { parse } from 'csv-parse/sync';
import { DomainError } from '../errors.ts';
import { checkText } from '../input-text.ts';
import type { Secrets } from '../secrets.ts';

export interface SiteView {
  id: string;
  name: string;
  address: string | null;
  timeZone: string;
  wifiSsid: string | null;
  accessListVersion: number;
  createdAt: string;
}

interface SiteRow {
  id: string;
  name: string;
  address: string | null;
  time_zone: string;
  wifi_ssid: string | null;
  access_list_version: number;
  created_at: Date;
}

const siteView = (r: SiteRow): SiteView => ({
  id: r.id,
  name: r.name,
  address: r.address,
  timeZone: r.time_zone,
  wifiSsid: r.wifi_ssid,
  accessListVersion: r.access_list_version,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Who is looking: the operator sees all its sites, a company those granted to it. */
export type SiteScope = { operatorId: string } | { organizationId: string };

const scoped = (scope: SiteScope) =>
  'operatorId' in scope
    ? { where: 's.operator_id = ?', params: [scope.operatorId] }
    : { where: 'exists (select 1 from company_site g where g.site_id = s.id and g.organization_id = ?)', params: [scope.organizationId] };

const isUnique = (error: unknown) => error instanceof UniqueConstraintViolationException || (error as { code?: string }).code === '23505';

export async function createSite(
  em: EntityManager,
  input: { operatorId: string; name: string; address?: string | null; timeZone?: string; wifiSsid?: string | null; actor: string },
): Promise<SiteView> {
  try {
    return await em.transactional(async (tx) => {
      const [row] = await tx.execute<SiteRow[]>(
        `insert into site (id, operator_id, name, address, time_zone, wifi_ssid, access_list_version, created_at)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, 0, now()) returning *`,
        [input.operatorId, input.name.trim(), input.address?.trim() || null, input.timeZone ?? 'Europe/Paris', input.wifiSsid ?? null],
      );
      await recordAudit(tx, { organizationId: null, operatorId: input.operatorId, actor: input.actor, type: 'site.created', data: { siteId: row!.id, name: row!.name } });
      return siteView(row!);
    });
  } catch (error) {
    if (isUnique(error)) throw new DomainError('site_exists', 'conflict', `there is already a site named "${input.name.trim()}"`);
    throw error;
  }
}

/** Name, address, time zone, Wi-Fi network: what changes is audited with its before and after. */
export async function updateSite(
  em: EntityManager,
  input: { operatorId: string; siteId: string; name?: string; address?: string | null; timeZone?: string; wifiSsid?: string | null; actor: string },
): Promise<SiteView> {
  try {
    return await em.transactional(async (tx) => {
      const [before] = await tx.execute<SiteRow[]>('select * from site where id = ? and operator_id = ? for update', [input.siteId, input.operatorId]);
      if (!before) throw new DomainError('site_not_found', 'not_found', `no site ${input.siteId}`);
      const next = {
        name: input.name?.trim() ?? before.name,
        address: input.address === undefined ? before.address : input.address?.trim() || null,
        time_zone: input.timeZone ?? before.time_zone,
        wifi_ssid: input.wifiSsid === undefined ? before.wifi_ssid : input.wifiSsid,
      };
      const changes = Object.fromEntries(
        (['name', 'address', 'time_zone', 'wifi_ssid'] as const).filter((k) => next[k] !== before[k]).map((k) => [k === 'time_zone' ? 'timeZone' : k === 'wifi_ssid' ? 'wifiSsid' : k, { from: before[k], to: next[k] }]),
      );
      if (!Object.keys(changes).length) return siteView(before);
      const [row] = await tx.execute<SiteRow[]>('update site set name = ?, address = ?, time_zone = ?, wifi_ssid = ? where id = ? returning *', [next.name, next.address, next.time_zone, next.wifi_ssid, input.siteId]);
      // Credentials already handed out show the network by name: they follow the site's.
      if ('wifiSsid' in changes) await tx.execute('update wifi_credential set ssid = ? where site_id = ? and revoked_at is null', [next.wifi_ssid, input.siteId]);
      await recordAudit(tx, { organizationId: null, operatorId: input.operatorId, actor: input.actor, type: 'site.updated', data: { siteId: input.siteId, changes } });
      return siteView(row!);
    });
  } catch (error) {
    if (isUnique(error)) throw new DomainError('site_exists', 'conflict', `there is already a site named "${input.name?.trim()}"`);
    throw error;
  }
}

export async function listSites(em: EntityManager, scope: SiteScope): Promise<SiteView[]> {
  const { where, params } = scoped(scope);
  const rows = await em.execute<SiteRow[]>(`select s.* from site s where ${where} order by s.name`, params);
  return rows.map(siteView);
}

/** The site if the caller may see it; a site of the operator not granted to a company is "not found" to it. */
export async function findSite(em: EntityManager, scope: SiteScope, siteId: string): Promise<SiteView> {
  const { where, params } = scoped(scope);
  const [row] = await em.execute<SiteRow[]>(`select s.* from site s where s.id = ? and ${where}`, [siteId, ...params]);
  if (!row) throw new DomainError('site_not_found', 'not_found', `no site ${siteId}`);
  return siteView(row);
}

export async function createDoorController(
  em: EntityManager,
  secrets: Secrets,
  input: { operatorId: string; siteId: string; name: string; actor: string },
): Promise<{ id: string; siteId: string; name: string; secret: string; createdAt: string }> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const secret = generateDoorSecret();
  return em.transactional(async (tx) => {
    const [row] = await tx.execute<{ id: string; name: string; created_at: Date }[]>(
      `insert into door_controller (id, site_id, name, secret_ciphertext, created_at) values (gen_random_uuid(), ?, ?, ?, now()) returning id, name, created_at`,
      [input.siteId, input.name.trim(), secrets.encrypt(secret)],
    );
    await recordAudit(tx, { organizationId: null, operatorId: input.operatorId, actor: input.actor, type: 'door_controller.created', data: { doorControllerId: row!.id, siteId: input.siteId, name: row!.name } });
    return { id: row!.id, siteId: input.siteId, name: row!.name, secret, createdAt: new Date(row!.created_at).toISOString() };
  });
}

export async function listDoorControllers(em: EntityManager, operatorId: string, siteId: string) {
  await findSite(em, { operatorId }, siteId);
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
  /** When it joined the stock, as PostgreSQL prints it: the cards added at once share it (a batch). */
  addedAt: string;
}

/** A QR payload the printer chose: long enough that nobody registers a card by guessing what its code says. */
export const SUPPLIED_QR = /^[\w-]{16,128}$/;

/** Card stock: each new card gets a QR payload (144 random bits) unless the printer already chose one. */
export async function addCards(
  em: EntityManager,
  input: { operatorId: string; siteId: string; cards: { number: string; qr?: string }[]; actor: string },
): Promise<CardView[]> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const numbers = input.cards.map((c) => c.number.trim());
  const repeated = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (repeated) throw new DomainError('card_number_repeated', 'invalid', `card ${repeated} appears twice in the request`);
  const values: unknown[] = [];
  for (const card of input.cards) values.push(input.siteId, card.number.trim(), card.qr?.trim() || randomBytes(18).toString('base64url'));
  try {
    return await em.transactional(async (tx) => {
      const rows = await tx.execute<CardRow[]>(
        `insert into card (id, site_id, number, qr_token, state, created_at)
         select gen_random_uuid(), v.site_id::uuid, v.number, v.qr_token, 'stock', now() from (values ${input.cards.map(() => '(?, ?, ?)').join(', ')}) as v(site_id, number, qr_token)
         returning id, number, qr_token, state, member_id, created_at::text as added_at`,
        values,
      );
      await recordAudit(tx, { organizationId: null, operatorId: input.operatorId, actor: input.actor, type: 'cards.added', data: { siteId: input.siteId, numbers } });
      return rows.map(cardView);
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

interface CardRow {
  id: string;
  number: string;
  qr_token: string;
  state: CardView['state'];
  member_id: string | null;
  added_at: string;
}

const cardView = (r: CardRow): CardView => ({ id: r.id, number: r.number, qr: r.qr_token, state: r.state, memberId: r.member_id, addedAt: r.added_at });

/** A site's cards by number; `addedAt` narrows to one batch (the cards added at once). */
export async function listCards(em: EntityManager, operatorId: string, siteId: string, filter: { state?: CardView['state']; addedAt?: string } = {}): Promise<CardView[]> {
  await findSite(em, { operatorId }, siteId);
  const where = ['site_id = ?'];
  const params: unknown[] = [siteId];
  if (filter.state) {
    where.push('state = ?');
    params.push(filter.state);
  }
  if (filter.addedAt) {
    where.push('created_at = ?::timestamptz');
    params.push(filter.addedAt);
  }
  const rows = await em.execute<CardRow[]>(`select id, number, qr_token, state, member_id, created_at::text as added_at from card where ${where.join(' and ')} order by number`, params);
  return rows.map(cardView);
}

/**
 * Card stock from a spreadsheet: a `number` column and optionally a `qr` column (the payload
 * already printed on the card), header row first; or, without a header, number then QR payload.
 */
export function parseCardsCsv(text: string): { number: string; qr?: string; row: number }[] {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  } catch (error) {
    throw new DomainError('csv_invalid', 'invalid', `the CSV file could not be read: ${(error as Error).message}`);
  }
  const first = rows[0]?.map((h) => h.toLowerCase()) ?? [];
  const hasHeader = first.includes('number');
  const numberAt = hasHeader ? first.indexOf('number') : 0;
  const qrAt = hasHeader ? first.indexOf('qr') : 1;
  // Rows as a spreadsheet numbers them.
  const cards = (hasHeader ? rows.slice(1) : rows).map((cells, i) => {
    const row = i + (hasHeader ? 2 : 1);
    const number = checkText(cells[numberAt] ?? '', `row ${row}, column number`, { maxLength: 64 });
    if (!number) throw new DomainError('csv_invalid', 'invalid', `row ${row} has no card number`);
    const qr = qrAt >= 0 && cells[qrAt] ? checkText(cells[qrAt]!, `row ${row}, column qr`, { maxLength: 200 }) : undefined;
    return { number, ...(qr ? { qr } : {}), row };
  });
  if (!cards.length) throw new DomainError('import_empty', 'invalid', 'the file has no card under its header');
  return cards;
}

/**
 * The numbers of a site's cards still in stock, for an admin registering one on a member's behalf:
 * any company at the site may take one. Never their QR payloads (those are the operator's).
 */
export async function stockCards(em: EntityManager, scope: SiteScope, siteId: string): Promise<{ number: string }[]> {
  await findSite(em, scope, siteId);
  return em.execute<{ number: string }[]>(`select number from card where site_id = ? and state = 'stock' order by number limit 1000`, [siteId]);
}
