// A site's door controllers, the operator's hardware: made with a secret shown once (kept
// encrypted: the server checks their HMAC signatures with it), listed with when each was last heard.
import { randomUUID } from 'node:crypto';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import type { Secrets } from '../secrets.ts';
import { findSite } from '../sites/sites.ts';
import { generateDoorSecret } from './signatures.ts';
import { silentSql, type DoorHealth } from './heartbeats.ts';
import { commonZoneOf, zoneOfSite } from '../access/zones.ts';
import { joinZone } from '../access/versions.ts';

export async function createDoorController(
  em: EntityManager,
  secrets: Secrets,
  input: { operatorId: string; siteId: string; name: string; zoneId?: string; actor: string },
): Promise<{ id: string; siteId: string; zoneId: string; name: string; secret: string; createdAt: string }> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  // A door guards the site's common zone unless told which.
  const zoneId = input.zoneId ? (await zoneOfSite(em, input.operatorId, input.zoneId, input.siteId)).id : await commonZoneOf(em, input.siteId);
  const secret = generateDoorSecret();
  return em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .insertInto('door_controller')
      .values({ id: randomUUID(), site_id: input.siteId, zone_id: zoneId, name: input.name.trim(), secret_ciphertext: secrets.encrypt(secret), created_at: dbNow, access_list_version: 1 })
      .returning(['id', 'name', 'created_at'])
      .executeTakeFirstOrThrow();
    await joinZone(tx, { id: row.id, zoneId, siteId: input.siteId, moved: false });
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'door_controller.created', data: { doorControllerId: row.id, siteId: input.siteId, zoneId, name: row.name } });
    return { id: row.id, siteId: input.siteId, zoneId, name: row.name, secret, createdAt: new Date(row.created_at).toISOString() };
  });
}

export async function listDoorControllers(em: EntityManager, operatorId: string, siteId: string) {
  await findSite(em, { operatorId }, siteId);
  const rows = await em
    .getKysely()
    .selectFrom('door_controller')
    .select(['id', 'zone_id', 'name', 'created_at', 'last_seen_at', 'access_list_version', 'heartbeat_at', 'agent_version', 'agent_list_version', 'agent_queued_events', 'agent_readers', silentSql.as('silent')])
    .where('site_id', '=', siteId)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    siteId,
    zoneId: r.zone_id,
    accessListVersion: r.access_list_version,
    name: r.name,
    createdAt: new Date(r.created_at).toISOString(),
    lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at).toISOString() : null,
    health: (!r.last_seen_at ? 'never_seen' : r.silent ? 'silent' : 'ok') as DoorHealth,
    agent: r.heartbeat_at
      ? {
          version: r.agent_version!,
          listVersion: r.agent_list_version,
          queuedEvents: r.agent_queued_events ?? 0,
          readers: r.agent_readers ?? [],
          heartbeatAt: new Date(r.heartbeat_at).toISOString(),
        }
      : null,
  }));
}
