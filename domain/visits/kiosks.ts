// A site's reception kiosks: a tablet at the desk opens /reception/<token>. The token is long and
// random and only its hash is kept; the operator revokes it. What the kiosk may do is small on
// purpose: register a walk-in, and find a host by three letters or more of their name, at its own
// site, shown as a first name and an initial — never a directory.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { dbNow } from '../../db/sql.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { findSite } from '../sites/sites.ts';

export const HOST_SEARCH_MIN_LETTERS = 3;
const HOSTS_SHOWN = 5;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface KioskView {
  id: string;
  siteId: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const kioskView = (r: { id: string; site_id: string; name: string; created_at: Date | string; revoked_at: Date | string | null; last_used_at: Date | string | null }): KioskView => ({
  id: r.id,
  siteId: r.site_id,
  name: r.name,
  createdAt: new Date(r.created_at).toISOString(),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString(),
});

/** A new kiosk link: the token is answered once, here, and never again. */
export async function issueKiosk(em: EntityManager, input: { operatorId: string; siteId: string; name: string; actor: string }): Promise<{ kiosk: KioskView; token: string }> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const token = `rk_${randomBytes(32).toString('base64url')}`;
  const row = await em
    .getKysely()
    .insertInto('reception_kiosk')
    .values({ id: randomUUID(), site_id: input.siteId, name: input.name.trim(), token_hash: hashToken(token), created_by: input.actor, created_at: dbNow })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(em, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'reception_kiosk.issued', data: { siteId: input.siteId, kioskId: row.id, name: row.name } });
  return { kiosk: kioskView(row), token };
}

export async function listKiosks(em: EntityManager, operatorId: string, siteId: string): Promise<KioskView[]> {
  await findSite(em, { operatorId }, siteId);
  const rows = await em.getKysely().selectFrom('reception_kiosk').selectAll().where('site_id', '=', siteId).orderBy('created_at', 'desc').execute();
  return rows.map(kioskView);
}

export async function revokeKiosk(em: EntityManager, input: { operatorId: string; siteId: string; kioskId: string; actor: string }): Promise<KioskView> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const row = await em
    .getKysely()
    .updateTable('reception_kiosk')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', dbNow) }))
    .where('id', '=', input.kioskId)
    .where('site_id', '=', input.siteId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DomainError('kiosk_not_found', 'not_found', `no kiosk ${input.kioskId} at this site`);
  await recordAudit(em, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'reception_kiosk.revoked', data: { siteId: input.siteId, kioskId: row.id } });
  return kioskView(row);
}

export interface Kiosk {
  id: string;
  siteId: string;
  siteName: string;
  timeZone: string;
}

/** The kiosk a link's token opens; undefined for an unknown or revoked one (no hint which). */
export async function openKiosk(em: EntityManager, token: string): Promise<Kiosk | undefined> {
  if (!/^rk_[\w-]{43}$/.test(token)) return undefined;
  const db = em.getKysely();
  const row = await db
    .selectFrom('reception_kiosk as k')
    .innerJoin('site as s', 's.id', 'k.site_id')
    .select(['k.id', 'k.site_id', 's.name', 's.time_zone', 'k.last_used_at'])
    .where('k.token_hash', '=', hashToken(token))
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  // A waiting visitor's page polls every 2 s: "last used" is written at most once a minute.
  if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
    await db.updateTable('reception_kiosk').set({ last_used_at: dbNow }).where('id', '=', row.id).execute();
  }
  return { id: row.id, siteId: row.site_id, siteName: row.name, timeZone: row.time_zone };
}

export interface HostMatch {
  id: string;
  /** First name and last initial: "Camille D." */
  shown: string;
}

/** "Camille Durand" → "Camille D."; a single name stays as it is. */
export function shownName(name: string): string {
  const words = name.trim().split(/\s+/);
  if (words.length < 2) return words[0] ?? '';
  return `${words[0]} ${words.at(-1)![0]!.toUpperCase()}.`;
}

/**
 * Hosts at the kiosk's site whose first or last name starts with what was typed (three letters at
 * least): nothing for less, nobody from another site, at most five.
 */
export async function findHosts(em: EntityManager, siteId: string, typed: string): Promise<HostMatch[]> {
  const letters = typed.trim().replace(/[%_\\]/g, '');
  if ([...letters].length < HOST_SEARCH_MIN_LETTERS) return [];
  const rows = await em
    .getKysely()
    .selectFrom('member')
    .select(['id', 'name'])
    .where('site_id', '=', siteId)
    .where('kind', '=', 'member')
    .where('status', 'in', ['active', 'awaiting_card', 'card_overdue'])
    // A word of the name begins with the letters typed (accents as typed).
    .where(sql<boolean>`(' ' || name) ilike ${`% ${letters}%`}`)
    .orderBy('name')
    .limit(HOSTS_SHOWN)
    .execute();
  return rows.map((r) => ({ id: r.id, shown: shownName(r.name) }));
}

/** A host the kiosk may name: live, at its site. */
export async function kioskHost(em: EntityManager, siteId: string, memberId: string): Promise<{ id: string; companyId: string } | undefined> {
  const row = await em
    .getKysely()
    .selectFrom('member')
    .select(['id', 'organization_id'])
    .where('id', '=', memberId)
    .where('site_id', '=', siteId)
    .where('kind', '=', 'member')
    .where('status', 'in', ['active', 'awaiting_card', 'card_overdue'])
    .executeTakeFirst();
  return row && { id: row.id, companyId: row.organization_id };
}
