// A site's Wi-Fi as the operator runs it: its network name, its access points (RADIUS clients,
// which FreeRADIUS reads from the `radius.nas` view) and a VLAN per company.
import { randomBytes, randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager, Row } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { findSite, updateSite } from './sites.ts';

export interface RadiusClientView {
  id: string;
  siteId: string;
  name: string;
  address: string;
  coaPort: number;
  createdAt: string;
}

/** Where access points send their requests: shown on the pages and in the API, from the configuration. */
export interface RadiusServerInfo {
  host: string;
  authPort: number;
  acctPort: number;
}

export interface SiteWifiView {
  siteId: string;
  ssid: string | null;
  radiusServer: RadiusServerInfo;
  companies: { companyId: string; name: string; vlan: number | null }[];
}

// Everything but the secret, which is shown once when made.
const CLIENT_COLUMNS = ['id', 'site_id', 'name', 'address', 'coa_port', 'created_at'] as const;
type ClientRow = Pick<Row<'radius_client'>, (typeof CLIENT_COLUMNS)[number]>;

const view = (r: ClientRow): RadiusClientView => ({ id: r.id, siteId: r.site_id, name: r.name, address: r.address, coaPort: r.coa_port, createdAt: new Date(r.created_at).toISOString() });

/** 144 random bits, in characters every access point's form accepts. */
export const generateRadiusSecret = () => randomBytes(18).toString('base64url');

export async function createRadiusClient(
  em: EntityManager,
  input: { operatorId: string; siteId: string; name: string; address: string; secret?: string; coaPort?: number; actor: string },
): Promise<RadiusClientView & { secret: string }> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const address = input.address.trim();
  if (!isIPv4(address)) throw new DomainError('invalid_address', 'invalid', 'address must be an IPv4 address, as the access point sends from it', { field: 'address' });
  const secret = input.secret ?? generateRadiusSecret();
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    const taken = await db.selectFrom('radius_client as c').innerJoin('site as s', 's.id', 'c.site_id').select(['s.name as site', 'c.name']).where('c.address', '=', address).executeTakeFirst();
    if (taken) throw new DomainError('radius_client_exists', 'conflict', `${address} is already the RADIUS client "${taken.name}" of ${taken.site}: RADIUS knows an access point by its address alone`, { field: 'address' });
    const row = await db
      .insertInto('radius_client')
      .values({ id: randomUUID(), site_id: input.siteId, name: input.name.trim(), address, secret, coa_port: input.coaPort ?? 3799, created_at: dbNow, created_by: input.actor })
      .returning(CLIENT_COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'radius_client.created',
      data: { radiusClientId: row.id, siteId: input.siteId, name: row.name, address, coaPort: row.coa_port, secretGenerated: input.secret === undefined },
    });
    return { ...view(row), secret };
  });
}

export async function listRadiusClients(em: EntityManager, operatorId: string, siteId: string): Promise<RadiusClientView[]> {
  await findSite(em, { operatorId }, siteId);
  const rows = await em.getKysely().selectFrom('radius_client').select(CLIENT_COLUMNS).where('site_id', '=', siteId).orderBy('name').orderBy('address').execute();
  return rows.map(view);
}

export async function deleteRadiusClient(em: EntityManager, input: { operatorId: string; siteId: string; clientId: string; actor: string }): Promise<void> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  await em.transactional(async (tx) => {
    const row = await tx.getKysely().deleteFrom('radius_client').where('id', '=', input.clientId).where('site_id', '=', input.siteId).returning(CLIENT_COLUMNS).executeTakeFirst();
    if (!row) throw new DomainError('radius_client_not_found', 'not_found', `no RADIUS client ${input.clientId} at this site`);
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'radius_client.deleted', data: { radiusClientId: row.id, siteId: row.site_id, name: row.name, address: row.address } });
  });
}

export async function siteWifi(em: EntityManager, operatorId: string, siteId: string, radiusServer: RadiusServerInfo): Promise<SiteWifiView> {
  const site = await findSite(em, { operatorId }, siteId);
  const companies = await em
    .getKysely()
    .selectFrom('company_site as cs')
    .innerJoin('organization as o', 'o.id', 'cs.organization_id')
    .select(['o.id as company_id', 'o.name', 'cs.wifi_vlan'])
    .where('cs.site_id', '=', siteId)
    .where('o.offboarded_at', 'is', null)
    .orderBy('o.name')
    .execute();
  return { siteId, ssid: site.wifiSsid, radiusServer, companies: companies.map((c) => ({ companyId: c.company_id, name: c.name, vlan: c.wifi_vlan })) };
}

/** The network name and the companies' VLANs; a company not granted the site is refused, nothing changed. */
export async function updateSiteWifi(
  em: EntityManager,
  input: { operatorId: string; siteId: string; ssid?: string | null; vlans?: { companyId: string; vlan: number | null }[]; actor: string },
  radiusServer: RadiusServerInfo,
): Promise<SiteWifiView> {
  const before = await siteWifi(em, input.operatorId, input.siteId, radiusServer);
  const granted = new Map(before.companies.map((c) => [c.companyId, c]));
  for (const entry of input.vlans ?? []) {
    if (!granted.has(entry.companyId)) throw new DomainError('company_not_at_site', 'unprocessable', `company ${entry.companyId} is not granted this site`, { field: 'vlans' });
  }
  await em.transactional(async (tx) => {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    // The network name is the site's own field: changed (and audited) the way PATCH /v1/sites/{id} does.
    if (input.ssid !== undefined && input.ssid !== before.ssid) await updateSite(tx, { operatorId: input.operatorId, siteId: input.siteId, wifiSsid: input.ssid, actor: input.actor });
    for (const entry of input.vlans ?? []) {
      const from = granted.get(entry.companyId)!.vlan;
      if (from === entry.vlan) continue;
      await tx.getKysely().updateTable('company_site').set({ wifi_vlan: entry.vlan }).where('organization_id', '=', entry.companyId).where('site_id', '=', input.siteId).execute();
      changes[`vlan:${entry.companyId}`] = { from, to: entry.vlan };
    }
    if (Object.keys(changes).length) {
      await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'site.wifi_changed', data: { siteId: input.siteId, changes } });
    }
  });
  return siteWifi(em, input.operatorId, input.siteId, radiusServer);
}
